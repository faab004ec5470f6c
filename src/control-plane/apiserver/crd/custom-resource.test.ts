import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { realClock } from '../../../lib/clock.js';
import { nullLogger } from '../../../lib/log.js';
import type { Storage } from '../../storage/interface.js';
import { crdStoreCaches, crdStoreKey, makeCrdStore, servedCustomResource } from './custom-resource.js';

const crd = (conversion?: CustomResourceDefinition['spec']['conversion']): CustomResourceDefinition => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', kind: 'CronTab' },
    versions: [
      { name: 'v1alpha1', served: false, storage: false },
      { name: 'v1', served: true, storage: true },
      { name: 'v2', served: true, storage: false },
    ],
    ...(conversion ? { conversion } : {}),
  },
});
const webhook = {
  strategy: 'Webhook',
  webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://127.0.0.1:1/convert' } },
};
// Stores are only built here, never started: storage is not touched.
const deps = {
  storage: {} as Storage,
  clock: realClock,
  log: nullLogger,
  webhookClient: { post: () => Promise.reject(new Error('unused')) },
};

test('None: one shared store at the storage version; served versions only swap apiVersion', () => {
  const def = crd();
  const s = makeCrdStore(def, deps);
  assert.equal(s.views.size, 0);
  assert.equal(crdStoreCaches(s).length, 1);
  const v2 = servedCustomResource(def, def.spec.versions[2]!, s);
  assert.equal(v2.store, s.store);
  assert.equal(v2.converter.identity, false);
  assert.equal(
    v2.converter.toServed({ apiVersion: 'stable.example.com/v1', metadata: {} }).apiVersion,
    'stable.example.com/v2',
  );
});

test('Webhook: one converting view per served version and the storage version', () => {
  const def = crd(webhook);
  const s = makeCrdStore(def, deps);
  assert.deepEqual([...s.views.keys()], ['v1', 'v2']);
  assert.equal(s.store, s.views.get('v1')!.store, 'store/cache are the storage version view');
  assert.equal(crdStoreCaches(s).length, 2);
  const v2 = servedCustomResource(def, def.spec.versions[2]!, s);
  assert.equal(v2.store, s.views.get('v2')!.store);
  assert.equal(v2.store.info.version, 'v2');
  assert.equal(v2.converter.identity, true, 'objects come out of the view already converted');
});

test('the store key changes with the conversion settings', () => {
  assert.notEqual(crdStoreKey(crd()), crdStoreKey(crd(webhook)));
});

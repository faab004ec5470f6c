import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';
import {
  recordConfigMap,
  recordFromConfigMap,
  recordLabel,
  recordName,
  recordSourceAnnotation,
  staleObjects,
  unionObjects,
} from './addon-record.js';
import type { ObjectRef } from './manifest-file.js';

test('recordName: a valid ConfigMap name, distinct per file', () => {
  const cases: [string, RegExp][] = [
    ['coredns.yaml', /^kubets-addon-coredns\.yaml$/],
    ['app.json', /^kubets-addon-app\.json$/],
    ['My App.yaml', /^kubets-addon-my-app\.yaml-[0-9a-f]{8}$/],
    ['my app.yaml', /^kubets-addon-my-app\.yaml-[0-9a-f]{8}$/],
    ['_x_.yml', /^kubets-addon-x\.yml-[0-9a-f]{8}$/],
    ['a-.b.yaml', /^kubets-addon-a\.b\.yaml-[0-9a-f]{8}$/],
    [`${'a'.repeat(300)}.yaml`, /^kubets-addon-a+-[0-9a-f]{8}$/],
  ];
  const names = new Set<string>();
  for (const [file, want] of cases) {
    const name = recordName(file);
    assert.match(name, want, file);
    assert.ok(isDNS1123Subdomain(name).length === 0, `${name} is a valid name`);
    names.add(name);
  }
  assert.equal(names.size, cases.length, 'no two files share a record');
});

const ref = (kind: string, name: string, namespace?: string): ObjectRef => ({
  apiVersion: 'v1',
  kind,
  name,
  ...(namespace ? { namespace } : {}),
});

test('staleObjects: what a changed file no longer holds, dependents first', () => {
  const prev = [ref('Namespace', 'apps'), ref('ConfigMap', 'a', 'apps'), ref('ConfigMap', 'b', 'apps')];
  assert.deepEqual(staleObjects(prev, prev), []);
  assert.deepEqual(staleObjects(prev, [ref('ConfigMap', 'b', 'apps')]), [
    ref('ConfigMap', 'a', 'apps'),
    ref('Namespace', 'apps'),
  ]);
  // Same name in another namespace is another object.
  assert.deepEqual(staleObjects([ref('ConfigMap', 'a', 'apps')], [ref('ConfigMap', 'a', 'default')]), [
    ref('ConfigMap', 'a', 'apps'),
  ]);
  assert.deepEqual(staleObjects([], prev), []);
});

test('unionObjects: earlier records first, no duplicates', () => {
  assert.deepEqual(unionObjects([ref('Secret', 's', 'x')], [ref('Secret', 's', 'x'), ref('Secret', 't', 'x')]), [
    ref('Secret', 's', 'x'),
    ref('Secret', 't', 'x'),
  ]);
});

test('records round-trip through their ConfigMap; broken ones are ignored', () => {
  const objects = [ref('ServiceAccount', 'coredns', 'kube-system'), ref('Namespace', 'apps')];
  const cm = recordConfigMap({ file: 'coredns.yaml', checksum: 'abc', objects, source: 'server-1' });
  assert.equal(cm.metadata!.name, 'kubets-addon-coredns.yaml');
  assert.equal(cm.metadata!.namespace, 'kube-system');
  assert.equal(cm.metadata!.labels![recordLabel], 'true');
  assert.equal(cm.metadata!.annotations![recordSourceAnnotation], 'server-1');
  assert.deepEqual(recordFromConfigMap(cm), {
    file: 'coredns.yaml',
    checksum: 'abc',
    objects,
    source: 'server-1',
    name: 'kubets-addon-coredns.yaml',
  });
  const broken: ConfigMap[] = [
    { ...cm, data: { ...cm.data, objects: '{not json' } },
    { ...cm, data: { ...cm.data, objects: '[{"kind":"X"}]' } },
    { ...cm, data: { checksum: 'abc', objects: '[]' } },
  ];
  for (const b of broken) assert.equal(recordFromConfigMap(b), undefined, JSON.stringify(b.data));
});

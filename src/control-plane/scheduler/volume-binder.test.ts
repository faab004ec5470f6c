import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { FakeApiServer, fakeRestClient } from '../../client/testing/fake-api-server.js';
import { apiVolumeBinder } from './volume-binder.js';

type Obj = Record<string, any>;

function setup() {
  const fake = new FakeApiServer();
  const pvc = fake.seed('', 'persistentvolumeclaims', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'c', namespace: 'ns' },
    spec: { storageClassName: 'local', resources: { requests: { storage: '1Gi' } } },
  }) as PersistentVolumeClaim;
  const pv = (name: string, claimRef?: Obj) =>
    fake.seed('', 'persistentvolumes', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: { capacity: { storage: '1Gi' }, storageClassName: 'local', claimRef },
    });
  return { fake, pvc, pv, binder: apiVolumeBinder(fakeRestClient(fake)) };
}

test('bindClaim sets the claimRef (with UID) and marks the volume bound-by-controller', async () => {
  const { fake, pvc, pv, binder } = setup();
  pv('v');
  await binder.bindClaim(pvc, 'v');
  const got = fake.get('', 'persistentvolumes', '', 'v') as Obj;
  assert.deepEqual(
    { ...got.spec.claimRef, resourceVersion: undefined },
    {
      kind: 'PersistentVolumeClaim',
      apiVersion: 'v1',
      namespace: 'ns',
      name: 'c',
      uid: pvc.metadata!.uid,
      resourceVersion: undefined,
    },
  );
  assert.equal(got.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
});

test('bindClaim completes a user pre-binding without claiming it for the controller', async () => {
  const { fake, pvc, pv, binder } = setup();
  pv('v', { namespace: 'ns', name: 'c' });
  await binder.bindClaim(pvc, 'v');
  const got = fake.get('', 'persistentvolumes', '', 'v') as Obj;
  assert.equal(got.spec.claimRef.uid, pvc.metadata!.uid);
  assert.equal(got.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
});

test('bindClaim refuses a volume another claim holds and does not write one already bound to this claim', async () => {
  const { fake, pvc, pv, binder } = setup();
  pv('theirs', { namespace: 'ns', name: 'other', uid: 'x' });
  await assert.rejects(binder.bindClaim(pvc, 'theirs'), /already bound to claim "ns\/other"/);
  pv('mine', { namespace: 'ns', name: 'c', uid: pvc.metadata!.uid });
  const before = fake.requests.length;
  await binder.bindClaim(pvc, 'mine');
  assert.deepEqual(
    fake.requests.slice(before).map((r) => r.method),
    ['GET'],
  );
});

test('setSelectedNode annotates the claim', async () => {
  const { fake, pvc, binder } = setup();
  await binder.setSelectedNode(pvc, 'node-1');
  const got = fake.get('', 'persistentvolumeclaims', 'ns', 'c') as Obj;
  assert.equal(got.metadata.annotations['volume.kubernetes.io/selected-node'], 'node-1');
  assert.equal(got.spec.storageClassName, 'local');
});

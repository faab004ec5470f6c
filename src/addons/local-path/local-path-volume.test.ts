import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { buildVolume, isUnder, localPathStorageClass, provisionError } from './local-path-volume.js';

const claim = (
  annotations: Record<string, string> = { 'volume.kubernetes.io/selected-node': 'n1' },
): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'app', uid: 'u-1', resourceVersion: '7', annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'local-path' },
});

test('buildVolume: hostPath DirectoryOrCreate under the storage dir, pinned to the node, pre-bound to the claim', () => {
  const pv = buildVolume(
    claim(),
    localPathStorageClass(),
    { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'host-1' } } },
    '/data/storage',
  );
  assert.equal(pv.metadata?.name, 'pvc-u-1');
  assert.deepEqual(pv.spec?.hostPath, { path: '/data/storage/pvc-u-1_app_data', type: 'DirectoryOrCreate' });
  assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms, [
    { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['host-1'] }] },
  ]);
  assert.deepEqual(pv.spec?.capacity, { storage: '2Gi' });
  assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(pv.spec?.storageClassName, 'local-path');
  assert.equal(pv.spec?.claimRef?.uid, 'u-1');
  assert.equal(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
  const retained = buildVolume(claim(), { ...localPathStorageClass(), reclaimPolicy: 'Retain' }, undefined, '/s');
  assert.equal(retained.spec?.persistentVolumeReclaimPolicy, 'Retain');
  assert.deepEqual(retained.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, [
    'n1',
  ]);
});

test('provisionError: a node is required, Block and selectors are not supported', () => {
  assert.equal(provisionError(claim()), undefined);
  assert.equal(provisionError(claim({})), 'configuration error, no node was specified');
  assert.equal(
    provisionError({ ...claim(), spec: { ...claim().spec, volumeMode: 'Block' } }),
    'Block volume mode is not supported',
  );
});

test('isUnder only accepts paths strictly inside the storage dir', () => {
  assert.equal(isUnder('/d/storage', '/d/storage/pvc-1_a_b'), true);
  assert.equal(isUnder('/d/storage', '/d/storage'), false);
  assert.equal(isUnder('/d/storage', '/d/storage/../etc'), false);
  assert.equal(isUnder('/d/storage', '/d/storage-other/x'), false);
});

test('the default class is k3s local-path: default, WaitForFirstConsumer, Delete', () => {
  const sc = localPathStorageClass();
  assert.equal(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.provisioner, 'rancher.io/local-path');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  csiDriverPrinter,
  csiNodePrinter,
  csiStorageCapacityPrinter,
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  storageClassPrinter,
  volumeAttachmentPrinter,
} from './storage.js';
import { ago, columnNames, DAY, rowOf, SECOND } from './testing.js';

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  creationTimestamp: ago(DAY * 4),
  ...extra,
});

test('persistent volume', () => {
  assert.deepEqual(columnNames(persistentVolumePrinter), [
    'Name',
    'Capacity',
    'Access Modes',
    'Reclaim Policy',
    'Status',
    'Claim',
    'StorageClass',
    'VolumeAttributesClass',
    'Reason',
    'Age',
    'VolumeMode*',
  ]);
  const pv = {
    metadata: meta('pv-1'),
    spec: {
      capacity: { storage: '10Gi' },
      accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      claimRef: { namespace: 'default', name: 'data' },
      storageClassName: 'local',
      volumeMode: 'Filesystem',
    },
    status: { phase: 'Bound' },
  };
  assert.deepEqual(rowOf(persistentVolumePrinter, pv), {
    Name: 'pv-1',
    Capacity: '10Gi',
    'Access Modes': 'RWO,RWX',
    'Reclaim Policy': 'Retain',
    Status: 'Bound',
    Claim: 'default/data',
    StorageClass: 'local',
    VolumeAttributesClass: '<unset>',
    Reason: '',
    Age: '4d',
    VolumeMode: 'Filesystem',
  });
  const released = rowOf(persistentVolumePrinter, {
    metadata: meta('pv-2', {
      deletionTimestamp: ago(SECOND),
      annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' },
    }),
    spec: { storageClassName: 'local', accessModes: ['ReadWriteOncePod', 'ReadOnlyMany'] },
    status: { phase: 'Released', reason: 'Reclaiming' },
  });
  assert.deepEqual(
    [released.Capacity, released['Access Modes'], released.Status, released.Claim, released.StorageClass],
    ['0', 'ROX,RWOP', 'Terminating', '', 'legacy'],
  );
  assert.deepEqual([released.Reason, released.VolumeMode], ['Reclaiming', '<unset>']);
});

test('persistent volume claim: capacity and modes only once bound', () => {
  const pending = rowOf(persistentVolumeClaimPrinter, {
    metadata: meta('data'),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local' },
    status: { phase: 'Pending' },
  });
  assert.deepEqual(pending, {
    Name: 'data',
    Status: 'Pending',
    Volume: '',
    Capacity: '',
    'Access Modes': '',
    StorageClass: 'local',
    VolumeAttributesClass: '<unset>',
    Age: '4d',
    VolumeMode: '<unset>',
  });
  const bound = rowOf(persistentVolumeClaimPrinter, {
    metadata: meta('data'),
    spec: { volumeName: 'pv-1', volumeMode: 'Block', volumeAttributesClassName: 'gold' },
    status: { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] },
  });
  assert.deepEqual(
    [
      bound.Volume,
      bound.Capacity,
      bound['Access Modes'],
      bound.StorageClass,
      bound.VolumeAttributesClass,
      bound.VolumeMode,
    ],
    ['pv-1', '10Gi', 'RWO', '', 'gold', 'Block'],
  );
  const deleting = rowOf(persistentVolumeClaimPrinter, {
    metadata: meta('data', { deletionTimestamp: ago(SECOND) }),
    spec: { volumeName: 'pv-1' },
    status: { phase: 'Bound' },
  });
  assert.deepEqual([deleting.Status, deleting.Capacity], ['Terminating', '0']);
});

test('storage class: default marker and defaults', () => {
  assert.deepEqual(
    rowOf(storageClassPrinter, {
      metadata: meta('local-path', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }),
      provisioner: 'rancher.io/local-path',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    }),
    {
      Name: 'local-path (default)',
      Provisioner: 'rancher.io/local-path',
      ReclaimPolicy: 'Delete',
      VolumeBindingMode: 'WaitForFirstConsumer',
      AllowVolumeExpansion: true,
      Age: '4d',
    },
  );
  const plain = rowOf(storageClassPrinter, {
    metadata: meta('slow', { annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'false' } }),
    provisioner: 'example.com/nfs',
  });
  assert.deepEqual(
    [plain.Name, plain.ReclaimPolicy, plain.VolumeBindingMode, plain.AllowVolumeExpansion],
    ['slow', 'Delete', 'Immediate', false],
  );
  assert.equal(
    rowOf(storageClassPrinter, {
      metadata: meta('beta', { annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } }),
    }).Name,
    'beta (default)',
  );
});

test('volume attachment, CSI node, CSI driver and CSI storage capacity', () => {
  assert.deepEqual(
    rowOf(volumeAttachmentPrinter, {
      metadata: meta('csi-123'),
      spec: { attacher: 'csi.example.com', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } },
      status: { attached: true },
    }),
    { Name: 'csi-123', Attacher: 'csi.example.com', PV: 'pv-1', Node: 'node-1', Attached: true, Age: '4d' },
  );
  assert.equal(
    rowOf(volumeAttachmentPrinter, { metadata: meta('x'), spec: { attacher: 'a', nodeName: 'n', source: {} } })
      .Attached,
    false,
  );
  assert.deepEqual(
    rowOf(csiNodePrinter, { metadata: meta('node-1'), spec: { drivers: [{ name: 'a', nodeID: 'n' }] } }),
    { Name: 'node-1', Drivers: 1, Age: '4d' },
  );
  assert.deepEqual(rowOf(csiDriverPrinter, { metadata: meta('csi.example.com'), spec: {} }), {
    Name: 'csi.example.com',
    AttachRequired: true,
    PodInfoOnMount: false,
    StorageCapacity: false,
    TokenRequests: '<unset>',
    RequiresRepublish: false,
    Modes: '<none>',
    Age: '4d',
  });
  const full = rowOf(csiDriverPrinter, {
    metadata: meta('d'),
    spec: {
      attachRequired: false,
      podInfoOnMount: true,
      storageCapacity: true,
      tokenRequests: [{ audience: 'vault' }, { audience: 'gcp' }],
      requiresRepublish: true,
      volumeLifecycleModes: ['Persistent', 'Ephemeral'],
    },
  });
  assert.deepEqual(
    [
      full.AttachRequired,
      full.PodInfoOnMount,
      full.StorageCapacity,
      full.TokenRequests,
      full.RequiresRepublish,
      full.Modes,
    ],
    [false, true, true, 'vault,gcp', true, 'Persistent,Ephemeral'],
  );
  assert.deepEqual(
    rowOf(csiStorageCapacityPrinter, { metadata: meta('cap-1'), storageClassName: 'fast', capacity: '100Gi' }),
    { Name: 'cap-1', StorageClassName: 'fast', Capacity: '100Gi' },
  );
  assert.equal(rowOf(csiStorageCapacityPrinter, { metadata: meta('c'), storageClassName: 'fast' }).Capacity, '<unset>');
});

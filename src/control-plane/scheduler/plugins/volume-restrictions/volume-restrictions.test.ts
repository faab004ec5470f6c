import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, Volume } from 'kubernetes-types/core/v1.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, testHandle } from '../../testing/framework.js';
import { listerOf } from '../helpers/fake-listers.js';
import {
  ErrReasonDiskConflict,
  ErrReasonReadWriteOncePodConflict,
  newVolumeRestrictions,
} from './volume-restrictions.js';

test('VolumeRestrictions: exclusive disks (upstream TestGCEDiskConflicts, TestAWSDiskConflicts)', async (t) => {
  const cases: { name: string; existing: Volume; want: Volume; conflict: boolean }[] = [
    {
      name: 'same GCE PD',
      existing: { name: 'a', gcePersistentDisk: { pdName: 'foo' } },
      want: { name: 'b', gcePersistentDisk: { pdName: 'foo' } },
      conflict: true,
    },
    {
      name: 'different GCE PD',
      existing: { name: 'a', gcePersistentDisk: { pdName: 'foo' } },
      want: { name: 'b', gcePersistentDisk: { pdName: 'bar' } },
      conflict: false,
    },
    {
      name: 'same GCE PD both read-only',
      existing: { name: 'a', gcePersistentDisk: { pdName: 'foo', readOnly: true } },
      want: { name: 'b', gcePersistentDisk: { pdName: 'foo', readOnly: true } },
      conflict: false,
    },
    {
      name: 'same EBS volume',
      existing: { name: 'a', awsElasticBlockStore: { volumeID: 'v' } },
      want: { name: 'b', awsElasticBlockStore: { volumeID: 'v' } },
      conflict: true,
    },
    {
      name: 'RBD with overlapping monitors',
      existing: { name: 'a', rbd: { monitors: ['a', 'b'], pool: 'p', image: 'i' } },
      want: { name: 'b', rbd: { monitors: ['b', 'c'], pool: 'p', image: 'i' } },
      conflict: true,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { handle, snapshot } = testHandle({
        nodes: [makeNode('n')],
        pods: [makePod('e', { nodeName: 'n', volumes: [c.existing] })],
      });
      const s = runFilter(
        newVolumeRestrictions(undefined, handle),
        makePod('p', { volumes: [c.want] }),
        snapshot.get('n')!,
      );
      assert.equal(s?.message() ?? null, c.conflict ? ErrReasonDiskConflict : null);
    });
  }
});

test('VolumeRestrictions: a ReadWriteOncePod claim in use elsewhere', () => {
  const claim: PersistentVolumeClaim = {
    metadata: { name: 'c', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOncePod'] },
  };
  const vol: Volume = { name: 'v', persistentVolumeClaim: { claimName: 'c' } };
  const listers = { pvcs: listerOf([claim]) };
  const { handle, snapshot } = testHandle({
    nodes: [makeNode('n1'), makeNode('n2')],
    pods: [makePod('e', { nodeName: 'n1', volumes: [vol] })],
    listers,
  });
  const s = runFilter(newVolumeRestrictions(undefined, handle), makePod('p', { volumes: [vol] }), snapshot.get('n2')!);
  assert.equal(s?.message(), ErrReasonReadWriteOncePodConflict);
  const free = testHandle({ nodes: [makeNode('n1')], listers });
  assert.equal(
    runFilter(
      newVolumeRestrictions(undefined, free.handle),
      makePod('p', { volumes: [vol] }),
      free.snapshot.get('n1')!,
    ),
    null,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { CSINode } from 'kubernetes-types/storage/v1.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, testHandle } from '../../testing/framework.js';
import { listerOf } from '../helpers/fake-listers.js';
import { ErrReasonMaxVolumeCountExceeded, newNodeVolumeLimits } from './node-volume-limits.js';

test('NodeVolumeLimits: CSI attach limits per driver (upstream TestCSILimits shapes)', () => {
  const pvs: PersistentVolume[] = ['v1', 'v2', 'v3'].map((n) => ({
    metadata: { name: n },
    spec: { csi: { driver: 'ebs.csi.aws.com', volumeHandle: n } },
  }));
  const pvcs: PersistentVolumeClaim[] = pvs.map((p) => ({
    metadata: { name: `c-${p.metadata!.name}`, namespace: 'default' },
    spec: { volumeName: p.metadata!.name },
  }));
  const csiNode: CSINode = {
    metadata: { name: 'n' },
    spec: { drivers: [{ name: 'ebs.csi.aws.com', nodeID: 'n', allocatable: { count: 2 } }] },
  };
  const claim = (c: string) => ({ name: c, persistentVolumeClaim: { claimName: c } });
  const existing = makePod('e', { nodeName: 'n', volumes: [claim('c-v1'), claim('c-v2')] });
  const listers = { pvs: listerOf(pvs), pvcs: listerOf(pvcs), csiNodes: listerOf([csiNode]) };
  const { handle, snapshot } = testHandle({ nodes: [makeNode('n')], pods: [existing], listers });
  const pl = newNodeVolumeLimits(undefined, handle);
  assert.equal(
    runFilter(pl, makePod('p', { volumes: [claim('c-v3')] }), snapshot.get('n')!)?.message(),
    ErrReasonMaxVolumeCountExceeded,
  );
  assert.equal(
    runFilter(pl, makePod('p', { volumes: [claim('c-v1')] }), snapshot.get('n')!),
    null,
    'an attached volume counts once',
  );
  assert.equal(runFilter(pl, makePod('p'), snapshot.get('n')!), null);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, testHandle } from '../../testing/framework.js';
import { listerOf } from '../helpers/fake-listers.js';
import { ErrReasonConflict, newVolumeZone } from './volume-zone.js';

test('VolumeZone (upstream TestSingleZone shapes)', async (t) => {
  const pvs: PersistentVolume[] = [
    { metadata: { name: 'z1', labels: { 'topology.kubernetes.io/zone': 'us-west1-a' } } },
    { metadata: { name: 'multi', labels: { 'failure-domain.beta.kubernetes.io/zone': 'us-west1-a__us-west1-b' } } },
    { metadata: { name: 'none' } },
  ];
  const pvcs: PersistentVolumeClaim[] = pvs.map((p) => ({
    metadata: { name: `c-${p.metadata!.name}`, namespace: 'default' },
    spec: { volumeName: p.metadata!.name },
  }));
  const cases: { name: string; claim: string; nodeLabels: Record<string, string>; fits: boolean }[] = [
    { name: 'same zone', claim: 'c-z1', nodeLabels: { 'topology.kubernetes.io/zone': 'us-west1-a' }, fits: true },
    { name: 'other zone', claim: 'c-z1', nodeLabels: { 'topology.kubernetes.io/zone': 'us-west1-b' }, fits: false },
    { name: 'node without zone labels', claim: 'c-z1', nodeLabels: {}, fits: true },
    {
      name: 'multi-zone beta label vs GA node label',
      claim: 'c-multi',
      nodeLabels: { 'topology.kubernetes.io/zone': 'us-west1-b' },
      fits: true,
    },
    { name: 'volume without labels', claim: 'c-none', nodeLabels: { 'topology.kubernetes.io/zone': 'x' }, fits: true },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { handle, snapshot } = testHandle({
        nodes: [makeNode('n', { labels: c.nodeLabels })],
        listers: { pvs: listerOf(pvs), pvcs: listerOf(pvcs) },
      });
      const s = runFilter(
        newVolumeZone(undefined, handle),
        makePod('p', { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: c.claim } }] }),
        snapshot.get('n')!,
      );
      assert.equal(s?.message() ?? null, c.fits ? null : ErrReasonConflict);
    });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { NodeHealthTracker } from './node-health.js';

const t0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

test('a node that never posted status gets the startup grace period and NodeStatusNeverUpdated', () => {
  const h = new NodeHealthTracker(40_000, 60_000);
  const node: Node = { metadata: { name: 'n', creationTimestamp: iso(t0) } };
  assert.equal(h.check(node, undefined, t0 + 60_000).update, undefined);
  const r = h.check(node, undefined, t0 + 61_000);
  assert.equal(r.gracePeriodMs, 60_000);
  const conds = r.update!.status!.conditions!;
  assert.deepEqual(
    conds.map((c) => [c.type, c.status, c.reason]),
    ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((t) => [t, 'Unknown', 'NodeStatusNeverUpdated']),
  );
  assert.equal(conds[0]!.message, 'Kubelet never posted node status.');
  assert.equal(r.currentReady?.status, 'Unknown');
  assert.equal(r.observedReady.status, 'Unknown');
});

test('status heartbeats and lease renewals both keep a node alive', () => {
  const h = new NodeHealthTracker(40_000, 60_000);
  const node = (beat: number): Node => ({
    metadata: { name: 'n', creationTimestamp: iso(t0) },
    status: {
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: iso(beat), lastTransitionTime: iso(t0) }],
    },
  });
  const lease = (renew: number) => ({ spec: { renewTime: iso(renew) } });
  assert.equal(h.check(node(t0), lease(t0), t0).update, undefined);
  // Only the lease moves.
  assert.equal(h.check(node(t0), lease(t0 + 30_000), t0 + 30_000).update, undefined);
  assert.equal(h.check(node(t0), lease(t0 + 30_000), t0 + 70_000).update, undefined, '40 s after the last renewal');
  const r = h.check(node(t0), lease(t0 + 30_000), t0 + 70_001);
  assert.equal(r.update?.status?.conditions?.[0]?.reason, 'NodeStatusUnknown');
  assert.equal(r.observedReady.status, 'True');
  h.wrote(r.update!);
  // Our own write is not a heartbeat; a new kubelet heartbeat is.
  assert.equal(h.check(r.update!, lease(t0 + 30_000), t0 + 80_000).update, undefined);
  const back = h.check(node(t0 + 85_000), lease(t0 + 30_000), t0 + 85_000);
  assert.equal(back.currentReady?.status, 'True');
  assert.equal(back.update, undefined);
});

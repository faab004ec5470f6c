import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { FakeClock, flushMicrotasks } from '../../../lib/clock.js';
import type { PodStats, Summary } from '../server/stats/summary-types.js';
import { EvictionLoop } from './eviction-loop.js';
import { EvictionManager } from './eviction-manager.js';
import { parseThresholds } from './thresholds.js';
import type { SignalObservations } from './types.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;

const pod = (name: string, extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name, namespace: 'ns', uid: name },
  spec: { containers: [{ name: 'c', image: 'i' }], ...extra },
});

const stats = (p: Pod, o: { mem?: number; rootfs?: number; volumes?: Record<string, number> } = {}): PodStats => ({
  podRef: { name: p.metadata!.name!, namespace: 'ns', uid: p.metadata!.uid! },
  startTime: 't',
  containers: [
    {
      name: 'c',
      startTime: 't',
      memory: { time: 't', workingSetBytes: o.mem ?? 0 },
      rootfs: { time: 't', usedBytes: o.rootfs ?? 0 },
      logs: { time: 't', usedBytes: 0 },
    },
  ],
  memory: { time: 't', workingSetBytes: o.mem ?? 0 },
  volume: Object.entries(o.volumes ?? {}).map(([name, usedBytes]) => ({ time: 't', name, usedBytes })),
});

function setup(pods: Pod[], summary: () => Summary) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  let signals: SignalObservations = {};
  const manager = new EvictionManager({
    source: { observe: () => signals },
    thresholds: parseThresholds('memory.available<100Mi,nodefs.available<10%'),
    clock,
  });
  const killed: { name: string; grace: number; status: PodStatus }[] = [];
  const events: string[] = [];
  let reclaim: () => void = () => {};
  let cleanedUp = true;
  let active = pods;
  const loop = new EvictionLoop({
    manager,
    activePods: () => active,
    podStats: async () => summary(),
    killPod: async (p, grace, amend) => {
      const status: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
      amend(status);
      killed.push({ name: p.metadata!.name!, grace, status });
      active = active.filter((x) => x !== p);
    },
    podCleanedUp: () => cleanedUp,
    reclaimNodeLevel: async () => {
      events.push('reclaim');
      reclaim();
    },
    nodeEvent: (type, reason, message) => events.push(`node ${type} ${reason}: ${message}`),
    podEvent: (p, type, reason) => events.push(`${p.metadata!.name} ${type} ${reason}`),
    clock,
  });
  return {
    clock,
    manager,
    loop,
    killed,
    events,
    setSignals: (s: SignalObservations) => (signals = s),
    onReclaim: (fn: () => void) => (reclaim = fn),
    setCleanedUp: (v: boolean) => (cleanedUp = v),
  };
}

const node = (pods: PodStats[]): Summary => ({ node: { nodeName: 'n', startTime: 't' }, pods });

test('pods over their local-storage limits go first, all of them, with no grace', async () => {
  const ed = pod('ed', { volumes: [{ name: 'cache', emptyDir: { sizeLimit: '100Mi' } }] });
  const fine = pod('fine');
  const h = setup([ed, fine], () => node([stats(ed, { volumes: { cache: 200 * Mi } }), stats(fine)]));
  h.setSignals({ 'memory.available': { available: 1 * Mi, capacity: 8 * Gi, time: 0 } });
  const evicted = await h.loop.synchronize();
  assert.deepEqual(
    evicted.map((p) => p.metadata!.name),
    ['ed'],
  );
  assert.deepEqual(h.killed[0]!.grace, 0);
  const s = h.killed[0]!.status;
  assert.deepEqual(
    [s.phase, s.reason, s.message],
    ['Failed', 'Evicted', 'Usage of EmptyDir volume "cache" exceeds the limit "100Mi". '],
  );
  assert.deepEqual(
    s.conditions?.map((c) => [c.type, c.status, c.reason ?? '']),
    [
      ['Ready', 'True', ''],
      ['DisruptionTarget', 'True', 'TerminationByKubelet'],
    ],
  );
  assert.ok(!h.events.some((e) => e.includes('EvictionThresholdMet')), 'no threshold handling that cycle');
});

test('disk pressure: node-level reclaim first; pods are evicted only when it does not suffice', async () => {
  const big = pod('big');
  const small = pod('small');
  const h = setup([small, big], () => node([stats(small, { rootfs: 1 * Mi }), stats(big, { rootfs: 5 * Gi })]));
  const low = { 'nodefs.available': { available: 5 * Gi, capacity: 100 * Gi, time: 0 } };
  const plenty = { 'nodefs.available': { available: 50 * Gi, capacity: 100 * Gi, time: 0 } };
  h.setSignals(low);
  h.onReclaim(() => h.setSignals(plenty));
  assert.deepEqual(await h.loop.synchronize(), []);
  assert.deepEqual(h.events, ['node Warning EvictionThresholdMet: Attempting to reclaim ephemeral-storage', 'reclaim']);
  assert.equal(h.manager.nodePressure().diskPressure, true, 'the condition stays for the transition period');
  assert.equal(h.killed.length, 0);

  h.events.length = 0;
  h.setSignals(low);
  h.onReclaim(() => {});
  const evicted = await h.loop.synchronize();
  assert.deepEqual(
    evicted.map((p) => p.metadata!.name),
    ['big'],
    'the largest consumer above its request',
  );
  assert.deepEqual(h.events, [
    'node Warning EvictionThresholdMet: Attempting to reclaim ephemeral-storage',
    'reclaim',
    'big Warning Evicted',
  ]);
  assert.equal(h.killed[0]!.grace, 1, 'hard thresholds: immediate eviction (1 s)');
  assert.match(
    h.killed[0]!.status.message!,
    /^The node was low on resource: ephemeral-storage\. Threshold quantity: 10Gi, available: 5Gi\. /,
  );
});

test('memory pressure evicts one pod per cycle, skipping critical pods; a failed summary evicts nothing', async () => {
  const critical = pod('critical', { priority: 2_000_000_000 });
  const be = pod('be');
  let fail = false;
  const h = setup([critical, be], () => {
    if (fail) throw new Error('no stats');
    return node([stats(critical, { mem: 4 * Gi }), stats(be, { mem: 1 * Mi })]);
  });
  h.setSignals({ 'memory.available': { available: 10 * Mi, capacity: 8 * Gi, time: 0 } });
  fail = true;
  assert.deepEqual(await h.loop.synchronize(), []);
  assert.equal(h.manager.nodePressure().memoryPressure, true, 'conditions are still observed');
  fail = false;
  assert.deepEqual(
    (await h.loop.synchronize()).map((p) => p.metadata!.name),
    ['be'],
  );
  assert.deepEqual(await h.loop.synchronize(), [], 'only a critical pod is left: nothing to evict');
  assert.ok(!h.events.includes('reclaim'), 'no node-level reclaim for memory');
});

test('the loop runs every period, and right after an evicted pod is cleaned up', async () => {
  const a = pod('a');
  const b = pod('b');
  const h = setup([a, b], () => node([stats(a, { mem: 2 * Mi }), stats(b, { mem: 1 * Mi })]));
  h.setCleanedUp(false);
  h.loop.start();
  await flushMicrotasks(20);
  assert.equal(h.killed.length, 0, 'no pressure: nothing');
  h.setSignals({ 'memory.available': { available: 10 * Mi, capacity: 8 * Gi, time: 0 } });
  await h.clock.advance(10_000);
  await flushMicrotasks(20);
  assert.deepEqual(
    h.killed.map((k) => k.name),
    ['a'],
  );
  await h.clock.advance(5000);
  await flushMicrotasks(20);
  assert.deepEqual(
    h.killed.map((k) => k.name),
    ['a'],
    'waiting for the pod to be cleaned up',
  );
  h.setCleanedUp(true);
  await h.clock.advance(1000);
  await flushMicrotasks(20);
  assert.deepEqual(
    h.killed.map((k) => k.name),
    ['a', 'b'],
    'cleaned up: the next cycle at once',
  );
  await h.loop.dispose();
});

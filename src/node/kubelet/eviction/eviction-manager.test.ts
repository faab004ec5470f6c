import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../lib/clock.js';
import type { PodStats, Summary } from '../server/stats/summary-types.js';
import { EvictionManager } from './eviction-manager.js';
import { evictedPodStatus } from './messages.js';
import { qosClass } from './ranking.js';
import { defaultEvictionHard, parseThresholds, thresholdsFromMap, thresholdsMet } from './thresholds.js';
import type { SignalObservations, SignalSource } from './types.js';

const Mi = 1024 * 1024;
const Gi = 1024 * Mi;

class FakeSignals implements SignalSource {
  values: SignalObservations = {};
  set(v: Partial<Record<keyof SignalObservations, [available: number, capacity: number]>>) {
    this.values = Object.fromEntries(
      Object.entries(v).map(([k, [available, capacity]]) => [k, { available, capacity, time: 0 }]),
    );
  }
  observe() {
    return this.values;
  }
}

function pod(
  name: string,
  resources: Container['resources'],
  extra: Partial<Pod['spec']> = {},
  annotations?: Record<string, string>,
): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: name, annotations },
    spec: { containers: [{ name: 'c', image: 'i', resources }], ...extra },
  };
}

function stats(
  p: Pod,
  o: { mem?: number; rootfs?: number; logs?: number; procs?: number; volumes?: Record<string, number> },
): PodStats {
  return {
    podRef: { name: p.metadata!.name!, namespace: 'ns', uid: p.metadata!.uid! },
    startTime: 't',
    containers: [
      {
        name: 'c',
        startTime: 't',
        memory: o.mem === undefined ? undefined : { time: 't', workingSetBytes: o.mem },
        rootfs: { time: 't', usedBytes: o.rootfs ?? 0 },
        logs: { time: 't', usedBytes: o.logs ?? 0 },
      },
    ],
    memory: o.mem === undefined ? undefined : { time: 't', workingSetBytes: o.mem },
    volume: Object.entries(o.volumes ?? {}).map(([name, usedBytes]) => ({ time: 't', name, usedBytes })),
    process_stats: { process_count: o.procs ?? 1 },
  };
}

const summary = (pods: PodStats[]): Summary => ({ node: { nodeName: 'n', startTime: 't' }, pods });

test('threshold parsing, defaults and crossing', () => {
  assert.deepEqual(parseThresholds(defaultEvictionHard), [
    { signal: 'memory.available', quantity: 100 * Mi },
    { signal: 'nodefs.available', percentage: 0.1 },
    { signal: 'nodefs.inodesFree', percentage: 0.05 },
    { signal: 'imagefs.available', percentage: 0.15 },
    { signal: 'imagefs.inodesFree', percentage: 0.05 },
  ]);
  assert.deepEqual(thresholdsFromMap({ 'memory.available': '1Gi', 'pid.available': '5%' }), [
    { signal: 'memory.available', quantity: 1024 * Mi },
    { signal: 'pid.available', percentage: 0.05 },
  ]);
  assert.throws(() => parseThresholds('cpu.available<1'), /unsupported eviction signal cpu\.available/);
  assert.throws(() => parseThresholds('memory.available>1Gi'), /invalid eviction threshold/);
  assert.throws(() => parseThresholds('nodefs.available<0%'), /must be positive/);
  const t = parseThresholds('memory.available<100Mi,nodefs.available<10%');
  const obs = (mem: number, fs: number) => ({
    'memory.available': { available: mem, capacity: 8 * Gi, time: 0 },
    'nodefs.available': { available: fs, capacity: 100 * Gi, time: 0 },
  });
  assert.deepEqual(thresholdsMet(t, obs(200 * Mi, 50 * Gi)), []);
  assert.deepEqual(
    thresholdsMet(t, obs(99 * Mi, 9 * Gi)).map((x) => x.signal),
    ['memory.available', 'nodefs.available'],
  );
  assert.deepEqual(thresholdsMet(t, obs(100 * Mi, 10 * Gi)), [], 'at the threshold is not below it');
});

test('QoS classes', () => {
  const cases: [Container['resources'], string][] = [
    [undefined, 'BestEffort'],
    [{ requests: { cpu: '0' } }, 'BestEffort'],
    [{ requests: { memory: '64Mi' } }, 'Burstable'],
    [{ limits: { cpu: '1', memory: '1Gi' } }, 'Guaranteed'],
    [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } }, 'Burstable'],
    [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } }, 'Guaranteed'],
  ];
  for (const [r, want] of cases) assert.equal(qosClass(pod('p', r)), want, JSON.stringify(r));
});

test('pressure conditions follow thresholds and are held for the transition period', async () => {
  const clock = new FakeClock();
  const src = new FakeSignals();
  const m = new EvictionManager({ source: src, clock });
  src.set({
    'memory.available': [1 * Gi, 8 * Gi],
    'nodefs.available': [50 * Gi, 100 * Gi],
    'pid.available': [30000, 32768],
  });
  assert.deepEqual(m.observe().conditions, { MemoryPressure: false, DiskPressure: false, PIDPressure: false });
  src.set({
    'memory.available': [50 * Mi, 8 * Gi],
    'nodefs.available': [5 * Gi, 100 * Gi],
    'pid.available': [30000, 32768],
  });
  assert.deepEqual(m.observe().conditions, { MemoryPressure: true, DiskPressure: true, PIDPressure: false });
  assert.deepEqual(m.nodePressure(), { memoryPressure: true, diskPressure: true, pidPressure: false });
  src.set({ 'memory.available': [1 * Gi, 8 * Gi], 'nodefs.available': [50 * Gi, 100 * Gi] });
  await clock.advance(4 * 60_000);
  assert.equal(m.observe().conditions.MemoryPressure, true, 'held within 5 minutes');
  assert.deepEqual(m.observe().thresholdsMet, []);
  await clock.advance(61_000);
  assert.deepEqual(m.observe().conditions, { MemoryPressure: false, DiskPressure: false, PIDPressure: false });
});

test('memory pressure evicts BestEffort, then Burstable above requests, then Guaranteed; critical pods never', () => {
  const src = new FakeSignals();
  const m = new EvictionManager({ source: src });
  src.set({ 'memory.available': [60 * Mi, 8 * Gi] });
  m.observe();
  const guaranteed = pod('guaranteed', { limits: { cpu: '1', memory: '1Gi' } });
  const burstableOver = pod('burstable-over', { requests: { memory: '100Mi' } });
  const burstableUnder = pod('burstable-under', { requests: { memory: '1Gi' } });
  const bestEffort = pod('best-effort', undefined);
  const bestEffortLowPrio = pod('best-effort-low', undefined, { priority: -10 });
  const critical = pod('critical', undefined, { priority: 2_000_001_000 });
  const s = summary([
    stats(guaranteed, { mem: 900 * Mi }),
    stats(burstableOver, { mem: 300 * Mi }),
    stats(burstableUnder, { mem: 200 * Mi }),
    stats(bestEffort, { mem: 10 * Mi }),
    stats(bestEffortLowPrio, { mem: 5 * Mi }),
    stats(critical, { mem: 5 * Gi }),
  ]);
  const all = [guaranteed, burstableOver, burstableUnder, bestEffort, bestEffortLowPrio, critical];
  const order: string[] = [];
  let remaining = all;
  for (;;) {
    const [victim] = m.podsToEvict(remaining, s);
    if (!victim) break;
    order.push(victim.metadata!.name!);
    remaining = remaining.filter((p) => p !== victim);
  }
  // Among pods over their requests: lower priority first, then the most above request.
  assert.deepEqual(order, ['best-effort-low', 'burstable-over', 'best-effort', 'guaranteed', 'burstable-under']);

  const [d] = m.decide([burstableOver], s);
  assert.equal(
    d.message,
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 60Mi. ' +
      'Container c was using 300Mi, request is 100Mi, has larger consumption of memory. ',
  );
  assert.equal(d.resource, 'memory');
  const st = evictedPodStatus(d.message, new Date(Date.UTC(2026, 0, 1)));
  assert.deepEqual(
    [st.phase, st.reason, st.condition.type, st.condition.reason],
    ['Failed', 'Evicted', 'DisruptionTarget', 'TerminationByKubelet'],
  );
});

test('disk pressure ranks by local storage above the ephemeral-storage request; PID pressure by processes', () => {
  const src = new FakeSignals();
  const m = new EvictionManager({ source: src });
  const heavy = pod(
    'heavy',
    { requests: { 'ephemeral-storage': '1Gi' } },
    { volumes: [{ name: 'scratch', emptyDir: {} }] },
  );
  const light = pod('light', undefined);
  const s = summary([
    stats(heavy, { rootfs: 800 * Mi, logs: 100 * Mi, volumes: { scratch: 500 * Mi } }),
    stats(light, { rootfs: 10 * Mi, procs: 500 }),
  ]);
  src.set({ 'nodefs.available': [5 * Gi, 100 * Gi] });
  m.observe();
  const [d] = m.decide([light, heavy], s);
  assert.equal(d.pod.metadata!.name, 'heavy');
  assert.equal(
    d.message,
    'The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 5Gi. ',
    'container usage (900Mi) is within its request: no container line',
  );
  src.set({ 'pid.available': [100, 32768] });
  const pidOnly = new EvictionManager({ source: src, thresholds: parseThresholds('pid.available<1000') });
  pidOnly.observe();
  const [p] = pidOnly.decide([heavy, light], s);
  assert.equal(p.pod.metadata!.name, 'light');
  assert.equal(p.message, 'The node was low on resource: pids. Threshold quantity: 1k, available: 100. ');
});

test('pods over their own local-storage limits are evicted without node pressure', () => {
  const src = new FakeSignals();
  const m = new EvictionManager({ source: src });
  m.observe();
  const emptyDir = pod('ed', undefined, { volumes: [{ name: 'cache', emptyDir: { sizeLimit: '100Mi' } }] });
  const container = pod('ctr', { limits: { 'ephemeral-storage': '50Mi' } });
  const fine = pod('fine', { limits: { 'ephemeral-storage': '1Gi' } });
  const s = summary([
    stats(emptyDir, { volumes: { cache: 200 * Mi } }),
    stats(container, { rootfs: 40 * Mi, logs: 20 * Mi }),
    stats(fine, { rootfs: 1 * Mi }),
  ]);
  assert.deepEqual(
    m.decide([emptyDir, container, fine], s).map((d) => [d.pod.metadata!.name, d.message]),
    [
      ['ed', 'Usage of EmptyDir volume "cache" exceeds the limit "100Mi". '],
      ['ctr', 'Pod ephemeral local storage usage exceeds the total limit of containers 50Mi. '],
    ],
  );
});

test('admission under pressure', () => {
  const src = new FakeSignals();
  const m = new EvictionManager({ source: src });
  const be = pod('be', undefined);
  const beTolerating = pod('bet', undefined, {
    tolerations: [{ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' }],
  });
  const burstable = pod('b', { requests: { memory: '1Mi' } });
  const mirror = pod('m', undefined, {}, { 'kubernetes.io/config.mirror': 'x' });
  m.observe();
  assert.deepEqual(m.admit(be), { admit: true });
  src.set({ 'memory.available': [1 * Mi, 8 * Gi] });
  m.observe();
  assert.deepEqual(m.admit(be), {
    admit: false,
    reason: 'Evicted',
    message: 'The node had condition: [MemoryPressure]. ',
  });
  assert.deepEqual(m.admit(beTolerating), { admit: true });
  assert.deepEqual(m.admit(burstable), { admit: true });
  src.set({ 'memory.available': [1 * Mi, 8 * Gi], 'nodefs.available': [1, 100] });
  m.observe();
  assert.deepEqual(m.admit(burstable), {
    admit: false,
    reason: 'Evicted',
    message: 'The node had condition: [MemoryPressure DiskPressure]. ',
  });
  assert.deepEqual(m.admit(mirror), { admit: true });
});

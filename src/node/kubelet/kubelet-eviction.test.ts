import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeApiServer, fakeRestClient } from '../../client/testing/fake-api-server.js';
import { realClock } from '../../lib/clock.js';
import type { ContainerRuntime } from '../runtime/index.js';
import type { SignalObservations } from './eviction/types.js';
import { startKubelet } from './kubelet.js';
import type { PodStats, Summary } from './server/stats/summary-types.js';
import { FakeRuntime } from './testing/fake-runtime.js';
import { ScratchVolumeManager } from './testing/scratch-volumes.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;

async function eventually<T>(fn: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function podStats(p: Pod, memBytes: number): PodStats {
  const ref = { name: p.metadata!.name!, namespace: 'default', uid: p.metadata!.uid! };
  const memory = { time: 't', workingSetBytes: memBytes };
  return { podRef: ref, startTime: 't', containers: [{ name: 'app', startTime: 't', memory }], memory };
}

test('the kubelet rejects what does not fit, evicts under memory pressure by rank, never a critical pod', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelet-evict-'));
  const api = new FakeApiServer();
  const runtime = new FakeRuntime(realClock);
  let signals: SignalObservations = {};
  const pod = (name: string, extra: Partial<Pod['spec']> = {}, cpu?: string): Pod =>
    api.seed('', 'pods', {
      metadata: { name, namespace: 'default', creationTimestamp: new Date().toISOString() },
      spec: {
        nodeName: 'evict-node',
        containers: [
          { name: 'app', image: 'kubets.local/busybox:1', ...(cpu ? { resources: { requests: { cpu } } } : {}) },
        ],
        ...extra,
      },
      status: { phase: 'Pending' },
    }) as Pod;
  const get = (name: string) => api.get('', 'pods', 'default', name) as Pod;
  const kubelet = await startKubelet({
    nodeName: 'evict-node',
    nodeIP: '192.0.2.9',
    dataDir: dir,
    rest: fakeRestClient(api),
    runtime: runtime as unknown as ContainerRuntime,
    volumes: new ScratchVolumeManager(join(dir, 'pods')),
    resolvConf: '',
    plegRelistPeriodMs: 50,
    nodeStatusUpdateFrequencyMs: 100,
    host: { cpuCores: 2, memoryBytes: 8 * Gi, ephemeralStorageBytes: 50 * Gi },
    evictionHard: { 'memory.available': '100Mi' },
    evictionMonitoringPeriodMs: 50,
    evictionSignals: { observe: () => signals },
    podStats: async (): Promise<Summary> => ({
      node: { nodeName: 'evict-node', startTime: 't' },
      pods: ['low', 'high', 'critical', 'burstable']
        .map((n) => get(n))
        .filter((p) => p?.metadata?.uid)
        .map((p) => podStats(p, 10 * Mi)),
    }),
  });
  try {
    pod('low');
    pod('high', { priority: 1000 });
    pod('critical', { priority: 2_000_001_000 });
    pod('burstable', {}, '500m');
    for (const n of ['low', 'high', 'critical', 'burstable']) {
      await eventually(() => assert.equal(get(n).status?.phase, 'Running', n));
    }

    // Bound directly to the node, asking for more cpu than is left: never started.
    pod('big', {}, '2');
    const big = await eventually(() => {
      const p = get('big');
      assert.equal(p.status?.phase, 'Failed');
      return p;
    });
    assert.equal(big.status?.reason, 'OutOfcpu');
    assert.equal(
      big.status?.message,
      "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 500, capacity: 2000",
    );
    assert.equal(big.status?.containerStatuses, undefined, 'a rejected pod has no container statuses');
    assert.deepEqual(runtime.byName('app').length, 4, 'nothing started for it');

    // Memory pressure: lowest priority first, one pod per cycle, critical pods never.
    signals = { 'memory.available': { available: 50 * Mi, capacity: 8 * Gi, time: Date.now() } };
    const low = await eventually(() => {
      const p = get('low');
      assert.equal(p.status?.phase, 'Failed');
      return p;
    });
    assert.equal(get('high').status?.phase, 'Running', 'the higher-priority pod is still running');
    assert.equal(low.status?.reason, 'Evicted');
    assert.equal(
      low.status?.message,
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ' +
        'Container app was using 10Mi, request is 0, has larger consumption of memory. ',
    );
    // The fake API merges lists wholesale, so the condition is read from what the kubelet wrote.
    const own = kubelet.statusManager.get(low.metadata!.uid!);
    const dt = own?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual([dt?.status, dt?.reason, dt?.message], ['True', 'TerminationByKubelet', low.status?.message]);
    await eventually(() =>
      assert.equal(get('low').status?.containerStatuses?.[0]?.state?.terminated !== undefined, true),
    );
    await eventually(() => assert.equal(get('high').status?.phase, 'Failed'));
    await eventually(() => assert.equal(get('burstable').status?.phase, 'Failed'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(get('critical').status?.phase, 'Running', 'a critical pod is never evicted');
    assert.equal(get('low').status?.reason, 'Evicted', 'the reason stays with the terminal phase');

    await eventually(() => {
      const n = api.get('', 'nodes', '', 'evict-node') as Node;
      assert.equal(n.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.status, 'True');
    });

    // Under memory pressure a new BestEffort pod is refused.
    pod('late');
    const late = await eventually(() => {
      const p = get('late');
      assert.equal(p.status?.phase, 'Failed');
      return p;
    });
    assert.deepEqual(
      [late.status?.reason, late.status?.message],
      ['Evicted', 'Pod was rejected: The node had condition: [MemoryPressure]. '],
    );
    const events = api.list('', 'events', 'default') as Event[];
    const reasons = (name: string) =>
      events.filter((e) => e.involvedObject.name === name).map((e) => `${e.type}/${e.reason}`);
    assert.ok(reasons('low').includes('Warning/Evicted'), reasons('low').join());
    assert.ok(reasons('big').includes('Warning/OutOfcpu'), reasons('big').join());
    assert.ok(
      (api.list('', 'events', 'default') as Event[]).some(
        (e) => e.reason === 'EvictionThresholdMet' && e.message === 'Attempting to reclaim memory',
      ),
    );
  } finally {
    await kubelet.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

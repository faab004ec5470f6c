import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import {
  type CalculatorOptions,
  calculatePodRequests,
  defaultCalculatorOptions,
  groupPods,
  type PodMetricsInfo,
  rawResourceReplicas,
  resourceReplicas,
} from './replica-calculator.js';

const now = Date.UTC(2026, 0, 1, 12);
const opts: CalculatorOptions = { ...defaultCalculatorOptions, now };
/** Go's zero time: what upstream's table tests leave start times at ("cool" pods long past initialization). */
const cool = '0001-01-01T00:00:00Z';
const hot = formatTime(now - 30_000);

interface Case {
  name: string;
  current: number;
  /** Per-pod request of each of the pod's two containers (cpu); missing = no request. */
  requests: string[];
  /** Per-container usage (millicores) of pods test-pod-0.. (or of `metricPods`). */
  levels: number[];
  target: number;
  readiness?: ('True' | 'False')[];
  startTimes?: string[];
  phases?: string[];
  deleting?: boolean[];
  want: { replicas: number; utilization: number; raw: number };
}

function pods(c: Case): Pod[] {
  const n = Math.max(c.current, c.phases?.length ?? 0);
  return Array.from({ length: n }, (_, i) => {
    const req = c.requests[i];
    const resources = req ? { requests: { cpu: req } } : {};
    return {
      metadata: {
        name: `test-pod-${i}`,
        ...(c.deleting?.[i] ? { deletionTimestamp: formatTime(now) } : {}),
      },
      spec: {
        containers: [
          { name: 'a', image: 'i', resources },
          { name: 'b', image: 'i', resources },
        ],
      },
      status: {
        phase: c.phases?.[i] ?? 'Running',
        startTime: c.startTimes?.[i] ?? cool,
        conditions: [{ type: 'Ready', status: c.readiness?.[i] ?? 'True' }],
      },
    };
  });
}

function metrics(levels: number[]): PodMetricsInfo {
  // Sampled at Go's zero time with a one-minute window, as upstream's fake metrics client.
  return new Map(
    levels.map((l, i) => [`test-pod-${i}`, { timestamp: Date.parse(cool), windowMs: 60_000, value: 2 * l }]),
  );
}

// Upstream replica_calculator_test.go examples (two containers per pod, so raw values are doubled).
const one = '1.0';
const cases: Case[] = [
  {
    name: 'ScaleUp',
    current: 3,
    requests: [one, one, one],
    levels: [300, 500, 700],
    target: 30,
    want: { replicas: 5, utilization: 50, raw: 1000 },
  },
  {
    name: 'ScaleUpUnreadyLessScale',
    current: 3,
    requests: [one, one, one],
    levels: [300, 500, 700],
    target: 30,
    readiness: ['False', 'True', 'True'],
    want: { replicas: 4, utilization: 60, raw: 1200 },
  },
  {
    name: 'ScaleUpHotCpuLessScale',
    current: 3,
    requests: [one, one, one],
    levels: [300, 500, 700],
    target: 30,
    startTimes: [hot, cool, cool],
    want: { replicas: 4, utilization: 60, raw: 1200 },
  },
  {
    name: 'ScaleUpUnreadyNoScale',
    current: 3,
    requests: [one, one, one],
    levels: [400, 500, 700],
    target: 30,
    readiness: ['True', 'False', 'False'],
    want: { replicas: 3, utilization: 40, raw: 800 },
  },
  {
    name: 'ScaleHotCpuNoScale',
    current: 3,
    requests: [one, one, one],
    levels: [400, 500, 700],
    target: 30,
    readiness: ['True', 'False', 'False'],
    startTimes: [cool, hot, hot],
    want: { replicas: 3, utilization: 40, raw: 800 },
  },
  {
    name: 'ScaleUpIgnoresFailedPods',
    current: 2,
    requests: [one, one, one, one],
    levels: [500, 700],
    target: 30,
    readiness: ['True', 'True', 'False', 'False'],
    phases: ['Running', 'Running', 'Failed', 'Failed'],
    want: { replicas: 4, utilization: 60, raw: 1200 },
  },
  {
    name: 'ScaleUpIgnoresDeletionPods',
    current: 2,
    requests: [one, one, one, one],
    levels: [500, 700],
    target: 30,
    readiness: ['True', 'True', 'False', 'False'],
    phases: ['Running', 'Running', 'Running', 'Running'],
    deleting: [false, false, true, true],
    want: { replicas: 4, utilization: 60, raw: 1200 },
  },
  {
    name: 'ScaleDown',
    current: 5,
    requests: [one, one, one, one, one],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    want: { replicas: 3, utilization: 28, raw: 560 },
  },
  {
    name: 'ScaleDownIncludeUnreadyPods',
    current: 5,
    requests: [one, one, one, one, one],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    readiness: ['True', 'True', 'True', 'False', 'False'],
    want: { replicas: 2, utilization: 30, raw: 600 },
  },
  {
    name: 'ScaleDownExcludeUnscheduledPods',
    current: 5,
    requests: [one, one, one, one, one],
    levels: [100],
    target: 50,
    readiness: ['True', 'False', 'False', 'False', 'False'],
    phases: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
    want: { replicas: 1, utilization: 10, raw: 200 },
  },
  {
    name: 'ScaleDownIgnoreHotCpuPods',
    current: 5,
    requests: [one, one, one, one, one],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    startTimes: [cool, cool, cool, hot, hot],
    want: { replicas: 2, utilization: 30, raw: 600 },
  },
  {
    name: 'Tolerance',
    current: 3,
    requests: ['0.9', '1.0', '1.1'],
    levels: [1010, 1030, 1020],
    target: 100,
    want: { replicas: 3, utilization: 102, raw: 2040 },
  },
  {
    name: 'SuperfluousMetrics',
    current: 4,
    requests: [one, one, one, one],
    levels: [4000, 9500, 3000, 7000, 3200, 2000],
    target: 100,
    want: { replicas: 24, utilization: 587, raw: 11750 },
  },
  {
    name: 'MissingMetrics',
    current: 4,
    requests: [one, one, one, one],
    levels: [400, 95],
    target: 100,
    want: { replicas: 3, utilization: 24, raw: 495 },
  },
  {
    name: 'MissingMetricsNoChangeEq',
    current: 2,
    requests: [one, one],
    levels: [1000],
    target: 100,
    want: { replicas: 2, utilization: 100, raw: 2000 },
  },
  {
    name: 'MissingMetricsNoChangeGt',
    current: 2,
    requests: [one, one],
    levels: [1900],
    target: 100,
    want: { replicas: 2, utilization: 190, raw: 3800 },
  },
  {
    name: 'MissingMetricsNoChangeLt',
    current: 2,
    requests: [one, one],
    levels: [600],
    target: 100,
    want: { replicas: 2, utilization: 60, raw: 1200 },
  },
  {
    name: 'MissingMetricsUnreadyChange',
    current: 3,
    requests: [one, one, one],
    levels: [100, 450],
    target: 50,
    readiness: ['False', 'True', 'True'],
    want: { replicas: 3, utilization: 45, raw: 900 },
  },
  {
    name: 'MissingMetricsHotCpuNoChange',
    current: 3,
    requests: [one, one, one],
    levels: [100, 450],
    target: 50,
    startTimes: [hot, cool, cool],
    want: { replicas: 3, utilization: 45, raw: 900 },
  },
  {
    name: 'MissingMetricsUnreadyScaleUp',
    current: 3,
    requests: [one, one, one],
    levels: [100, 2000],
    target: 50,
    readiness: ['False', 'True', 'True'],
    want: { replicas: 4, utilization: 200, raw: 4000 },
  },
  {
    name: 'MissingMetricsHotCpuScaleUp',
    current: 3,
    requests: [one, one, one],
    levels: [100, 2000],
    target: 50,
    readiness: ['False', 'True', 'True'],
    startTimes: [hot, cool, cool],
    want: { replicas: 4, utilization: 200, raw: 4000 },
  },
  {
    name: 'MissingMetricsUnreadyScaleDown',
    current: 4,
    requests: [one, one, one, one],
    levels: [100, 100, 100],
    target: 50,
    readiness: ['False', 'True', 'True', 'True'],
    want: { replicas: 3, utilization: 10, raw: 200 },
  },
  {
    name: 'DuringRollingUpdateWithMaxSurge',
    current: 2,
    requests: [one, one, one],
    levels: [100, 100],
    target: 50,
    phases: ['Running', 'Running', 'Running'],
    want: { replicas: 2, utilization: 10, raw: 200 },
  },
];

test('resourceReplicas matches upstream replica calculator examples', () => {
  for (const c of cases) {
    const got = resourceReplicas(c.current, c.target, 'cpu', '', pods(c), metrics(c.levels), opts);
    assert.deepEqual(
      got,
      { replicas: c.want.replicas, utilization: c.want.utilization, rawUtilization: c.want.raw },
      c.name,
    );
  }
});

test('resourceReplicas errors carry upstream messages', () => {
  const base: Case = {
    name: '',
    current: 1,
    requests: [one],
    levels: [100],
    target: 100,
    want: { replicas: 0, utilization: 0, raw: 0 },
  };
  assert.throws(
    () => resourceReplicas(1, 100, 'cpu', '', pods({ ...base, requests: [] }), metrics([200]), opts),
    /^Error: missing request for cpu in container a of Pod test-pod-0$/,
  );
  // DisjointResourcesMetrics: the only metric names a pod that does not exist.
  const other = new Map([['an-older-pod-name', { timestamp: 0, windowMs: 60_000, value: 200 }]]);
  assert.throws(
    () => resourceReplicas(1, 100, 'cpu', '', pods(base), other, opts),
    /^Error: no metrics returned matched known pods$/,
  );
  assert.throws(
    () => resourceReplicas(1, 100, 'cpu', '', [], metrics([1]), opts),
    /^Error: no pods returned by selector while calculating replica count$/,
  );
  assert.throws(
    () => resourceReplicas(1, 100, 'cpu', '', pods({ ...base, readiness: ['False'] }), metrics([100]), opts),
    /^Error: did not receive metrics for targeted pods \(pods might be unready\)$/,
  );
});

test('rawResourceReplicas scales on the average value (upstream plain-metric examples)', () => {
  const plain = (current: number, levels: number[], target: number, readiness?: ('True' | 'False')[]) =>
    rawResourceReplicas(
      current,
      target,
      'memory',
      pods({
        name: '',
        current,
        requests: [],
        levels,
        target,
        readiness,
        want: { replicas: 0, utilization: 0, raw: 0 },
      }),
      new Map(levels.map((l, i) => [`test-pod-${i}`, { timestamp: now, windowMs: 60_000, value: l }])),
      opts,
    );
  // ScaleUpCM: average 20000 against 15000 -> ceil(1.333 * 3) = 4.
  assert.deepEqual(plain(3, [20000, 10000, 30000], 15000), { replicas: 4, usage: 20000 });
  // ScaleDownCM: 12000 against 20000 -> ceil(0.6 * 5) = 3.
  assert.deepEqual(plain(5, [12000, 12000, 12000, 12000, 12000], 20000), { replicas: 3, usage: 12000 });
  // ToleranceCM: 20666 / 20000 is within 10%.
  assert.deepEqual(plain(3, [20000, 21000, 21000], 20000), { replicas: 3, usage: 20666 });
  // A missing pod on a scale-down counts as using exactly the target: (2*5000 + 10000)/3 = 6666 -> ceil(.6666*3) = 2.
  assert.deepEqual(plain(3, [5000, 5000], 10000), { replicas: 2, usage: 5000 });
});

test('groupPods: readiness rules apply to CPU only', () => {
  const p = (name: string, status: Pod['status']): Pod => ({ metadata: { name }, status });
  const m = (names: string[], timestamp = now): PodMetricsInfo =>
    new Map(names.map((n) => [n, { timestamp, windowMs: 30_000, value: 1 }]));
  const started = formatTime(now - 60_000);
  const readySince = formatTime(now - 30_000);
  const fresh = p('fresh', {
    phase: 'Running',
    startTime: started,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }],
  });
  // Fresh sample a full window after readiness: counted.
  assert.equal(groupPods([fresh], m(['fresh']), 'cpu', opts).readyPodCount, 1);
  // Sample taken before a full window had passed since readiness: unready.
  assert.deepEqual([...groupPods([fresh], m(['fresh'], now - 10_000), 'cpu', opts).unready], ['fresh']);
  // No Ready condition: unready for cpu, counted for memory.
  const noCond = p('nc', { phase: 'Running', startTime: started });
  assert.equal(groupPods([noCond], m(['nc']), 'cpu', opts).unready.size, 1);
  assert.equal(groupPods([noCond], m(['nc']), 'memory', opts).readyPodCount, 1);
  const g = groupPods(
    [p('failed', { phase: 'Failed' }), p('pending', { phase: 'Pending' }), p('nometric', { phase: 'Running' })],
    m([]),
    'cpu',
    opts,
  );
  assert.deepEqual([[...g.ignored], [...g.unready], [...g.missing]], [['failed'], ['pending'], ['nometric']]);
});

test('calculatePodRequests counts restartable init containers and can pick one container', () => {
  const pod: Pod = {
    metadata: { name: 'p' },
    spec: {
      initContainers: [
        { name: 'init', resources: { requests: { cpu: '5' } } },
        { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '250m' } } },
      ],
      containers: [{ name: 'app', resources: { requests: { cpu: '500m' } } }],
    },
  };
  assert.deepEqual([...calculatePodRequests([pod], '', 'cpu')], [['p', 750]]);
  assert.deepEqual([...calculatePodRequests([pod], 'app', 'cpu')], [['p', 500]]);
});

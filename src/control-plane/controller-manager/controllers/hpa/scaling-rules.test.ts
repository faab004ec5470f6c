import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';
import {
  type BehaviorArgs,
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  type ScaleEvent,
  ScaleHistory,
  scaleDownLimitWithRules,
  scaleUpLimitWithRules,
  withDefaultRules,
} from './scaling-rules.js';

const now = Date.UTC(2026, 0, 1, 12);

/** Upstream's generateScalingRules: a Pods and/or a Percent policy (0 = absent), selectPolicy Max. */
function rules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, window = 0) {
  const policies: NonNullable<HPAScalingRules['policies']> = [];
  if (pods) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod });
  if (percent) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', policies } as Required<HPAScalingRules>;
}

const ev = (change: number, agoSeconds: number): ScaleEvent => ({
  change,
  at: now - agoSeconds * 1000,
  outdated: false,
});

test('convertDesiredReplicasWithRules: min/max and the 2x-or-4 scale-up rate', () => {
  const cases: [number, number, number, number, [number, string]][] = [
    // current, desired, min, max -> [replicas, reason]
    [5, 7, 3, 8, [7, 'DesiredWithinRange']],
    [3, 1, 2, 8, [2, 'TooFewReplicas']],
    [2, 12, 2, 8, [4, 'ScaleUpLimit']],
    [10, 50, 1, 1000, [20, 'ScaleUpLimit']],
    [10, 50, 1, 15, [15, 'TooManyReplicas']],
    [1, 0, 0, 10, [0, 'DesiredWithinRange']],
  ];
  for (const [current, desired, min, max, [replicas, reason]] of cases) {
    const d = convertDesiredReplicasWithRules(current, desired, min, max);
    assert.deepEqual([d.replicas, d.reason], [replicas, reason], `${current}->${desired} in [${min},${max}]`);
  }
  assert.equal(
    convertDesiredReplicasWithRules(2, 12, 2, 8).message,
    'the desired replica count is increasing faster than the maximum scale rate',
  );
});

test('scale-up and scale-down limits from policies and recent events', () => {
  const max = (r: Required<HPAScalingRules>, select: string) => ({ ...r, selectPolicy: select });
  assert.equal(scaleUpLimitWithRules(5, [], [], rules(4, 60, 0, 0), now), 9);
  assert.equal(scaleUpLimitWithRules(5, [ev(2, 30)], [], rules(4, 60, 0, 0), now), 7);
  assert.equal(scaleUpLimitWithRules(5, [ev(2, 90)], [], rules(4, 60, 0, 0), now), 9, 'events outside the period');
  assert.equal(scaleUpLimitWithRules(5, [], [], max(rules(4, 60, 0, 0), 'Disabled'), now), 5);
  const two = {
    ...rules(4, 60, 0, 0),
    policies: [...rules(4, 60, 0, 0).policies, { type: 'Pods', value: 2, periodSeconds: 60 }],
  };
  assert.equal(scaleUpLimitWithRules(5, [], [], max(two, 'Min'), now), 7);
  assert.equal(scaleUpLimitWithRules(10, [], [], rules(0, 0, 50, 60), now), 15);
  // Percent rounds up so small targets can grow: ceil(1 * 1.1) = 2.
  assert.equal(scaleUpLimitWithRules(1, [], [], rules(0, 0, 10, 60), now), 2);

  assert.equal(scaleDownLimitWithRules(10, [], [], rules(0, 0, 20, 60), now), 8);
  assert.equal(scaleDownLimitWithRules(10, [], [ev(1, 30)], rules(0, 0, 20, 60), now), 8, 'floor(11 * 0.8)');
  assert.equal(scaleDownLimitWithRules(100, [], [], rules(5, 60, 10, 60), now), 90);
  assert.equal(scaleDownLimitWithRules(10, [], [], max(rules(0, 0, 20, 60), 'Disabled'), now), 10);
  assert.equal(scaleDownLimitWithRules(100, [], [], max(rules(15, 60, 10, 60), 'Min'), now), 90);
});

test('convertDesiredReplicasWithBehaviorRate (upstream TestScalingWithRules examples)', () => {
  const defaults = withDefaultRules({}, 300_000);
  const cases: {
    name: string;
    up?: Required<HPAScalingRules>;
    down?: Required<HPAScalingRules>;
    upEvents?: ScaleEvent[];
    min?: number;
    max?: number;
    current: number;
    desired: number;
    want: [number, string];
  }[] = [
    { name: 'scaleUp with default behavior', current: 10, desired: 50, want: [20, 'ScaleUpLimit'] },
    {
      name: 'pods policy larger than percent',
      up: rules(100, 60, 100, 60),
      current: 10,
      desired: 500,
      want: [110, 'ScaleUpLimit'],
    },
    {
      name: 'percent policy larger than pods',
      up: rules(2, 60, 100, 60),
      current: 10,
      desired: 500,
      want: [20, 'ScaleUpLimit'],
    },
    {
      name: 'MaxReplicas with a large pod policy',
      up: rules(100, 60, 0, 0),
      current: 10,
      desired: 50,
      want: [50, 'DesiredWithinRange'],
    },
    {
      name: 'MaxReplicas limits a large percent policy',
      up: rules(0, 0, 10000, 60),
      max: 10,
      current: 10,
      desired: 50,
      want: [10, 'TooManyReplicas'],
    },
    { name: 'pod policy limitation', up: rules(30, 60, 0, 0), current: 10, desired: 50, want: [40, 'ScaleUpLimit'] },
    {
      name: 'percent policy limitation',
      up: rules(0, 0, 200, 60),
      current: 10,
      desired: 50,
      want: [30, 'ScaleUpLimit'],
    },
    {
      name: 'scaleDown percent larger than pods',
      down: rules(1, 60, 20, 60, 300),
      current: 100,
      desired: 2,
      want: [80, 'ScaleDownLimit'],
    },
    {
      name: 'scaleDown pods larger than percent',
      down: rules(2, 60, 1, 60, 300),
      current: 100,
      desired: 2,
      want: [98, 'ScaleDownLimit'],
    },
    {
      name: 'scaleDown to MinReplicas',
      down: rules(100, 60, 0, 0, 300),
      current: 10,
      desired: 0,
      want: [1, 'TooFewReplicas'],
    },
    {
      name: 'scaleDown pod policy limitation',
      down: rules(5, 60, 0, 0, 300),
      current: 10,
      desired: 2,
      want: [5, 'ScaleDownLimit'],
    },
    {
      name: 'scaleDown percent policy within range',
      down: rules(0, 0, 50, 60, 300),
      current: 10,
      desired: 5,
      want: [5, 'DesiredWithinRange'],
    },
    {
      name: 'MaxReplicas with events',
      up: rules(300, 60, 0, 0),
      upEvents: [ev(1, 0), ev(5, 20), ev(9, 40)],
      max: 200,
      current: 100,
      desired: 500,
      want: [200, 'TooManyReplicas'],
    },
    {
      name: 'pod policy and previous scale ups',
      up: rules(150, 60, 0, 0),
      upEvents: [ev(1, 0), ev(5, 20), ev(9, 40)],
      current: 100,
      desired: 500,
      want: [235, 'ScaleUpLimit'],
    },
    {
      name: 'scale-ups used up the period: hold',
      up: rules(4, 60, 0, 0),
      upEvents: [ev(6, 10)],
      current: 10,
      desired: 20,
      want: [10, 'ScaleUpLimit'],
    },
  ];
  for (const c of cases) {
    const args: BehaviorArgs = {
      currentReplicas: c.current,
      desiredReplicas: c.desired,
      minReplicas: c.min ?? 1,
      maxReplicas: c.max ?? 1000,
      scaleUp: c.up ?? defaults.scaleUp,
      scaleDown: c.down ?? defaults.scaleDown,
    };
    const d = convertDesiredReplicasWithBehaviorRate(args, c.upEvents ?? [], [], now);
    assert.deepEqual([d.replicas, d.reason], c.want, c.name);
  }
});

test('withDefaultRules fills upstream defaults; scale-down window comes from the flag', () => {
  assert.deepEqual(withDefaultRules({}, 300_000), {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  });
  assert.equal(
    withDefaultRules({ scaleDown: { stabilizationWindowSeconds: 30 } }, 300_000).scaleDown.stabilizationWindowSeconds,
    30,
  );
});

test('stabilize (no behavior): the highest recommendation of the last 5 minutes wins', () => {
  const h = new ScaleHistory();
  h.recordInitial('k', 10, now);
  assert.equal(h.stabilize('k', 4, 300_000, now + 60_000), 10, 'the initial 10 is within the window');
  assert.equal(h.stabilize('k', 3, 300_000, now + 240_000), 10);
  // 10 (recorded at `now`) has left the window; 4 (at +60 s) is still in it.
  assert.equal(h.stabilize('k', 2, 300_000, now + 330_000), 4);
  assert.equal(h.stabilize('k', 2, 300_000, now + 700_000), 2);
});

test('stabilizeWithBehaviors clamps between the scale-up and scale-down windows', () => {
  const h = new ScaleHistory();
  const r = withDefaultRules(
    { scaleUp: { stabilizationWindowSeconds: 120 }, scaleDown: { stabilizationWindowSeconds: 180 } },
    0,
  );
  const args = (current: number, desired: number): BehaviorArgs => ({
    currentReplicas: current,
    desiredReplicas: desired,
    minReplicas: 1,
    maxReplicas: 100,
    ...r,
  });
  h.recordInitial('k', 5, now - 200_000);
  // Scale-down to 3 while 10 was recommended 60 s ago: held at 10 (capped by current 8 -> stays 8).
  h.stabilizeWithBehaviors('k', args(8, 10), now - 60_000);
  const down = h.stabilizeWithBehaviors('k', args(8, 3), now);
  assert.deepEqual([down.replicas, down.reason], [8, 'ScaleDownStabilized']);
  // Scale-up to 20 while 3 was recommended just now: the lowest recent recommendation (3) keeps it at current.
  const up = h.stabilizeWithBehaviors('k', args(8, 20), now + 1000);
  assert.deepEqual([up.replicas, up.reason], [8, 'ScaleUpStabilized']);
  // Once the scale-up window has passed without lower recommendations, the scale-up goes through.
  h.stabilizeWithBehaviors('k', args(8, 20), now + 100_000);
  const later = h.stabilizeWithBehaviors('k', args(8, 20), now + 125_000);
  assert.equal(later.replicas, 20);
});

test('storeScaleEvent reuses outdated entries and keeps none without behavior', () => {
  const h = new ScaleHistory();
  const r = withDefaultRules({}, 300_000);
  h.storeScaleEvent(undefined, 'k', 1, 5, now);
  assert.equal(h.scaleUpEvents('k').length, 0);
  h.storeScaleEvent(r, 'k', 1, 5, now);
  h.storeScaleEvent(r, 'k', 5, 7, now + 5_000);
  assert.deepEqual(
    h.scaleUpEvents('k').map((e) => e.change),
    [4, 2],
  );
  // 20 s later the 15 s policies make the first entry outdated: it is replaced.
  h.storeScaleEvent(r, 'k', 7, 8, now + 20_000);
  assert.deepEqual(
    h.scaleUpEvents('k').map((e) => e.change),
    [1, 2],
  );
  h.storeScaleEvent(r, 'k', 8, 6, now + 21_000);
  assert.deepEqual(
    h.scaleDownEvents('k').map((e) => e.change),
    [2],
  );
});

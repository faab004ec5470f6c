import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import {
  budgetFor,
  buildDisruptedPodMap,
  countHealthyPods,
  deletionTimeoutMs,
  desiredStatus,
  failSafeStatus,
  needsExpectedScale,
} from './pdb-status.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);

function pod(name: string, o: { ready?: boolean; deleting?: boolean } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', ...(o.deleting ? { deletionTimestamp: formatTime(now) } : {}) },
    status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

function pdb(spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status'], generation = 1) {
  return { metadata: { name: 'b', namespace: 'ns', generation }, spec, status } as PodDisruptionBudget;
}

test('budgetFor: integers count pods, percentages and maxUnavailable use the controllers scale (rounding up)', () => {
  const cases: { name: string; spec: PodDisruptionBudget['spec']; pods: number; scale: number; want: object }[] = [
    {
      name: 'minAvailable int',
      spec: { minAvailable: 2 },
      pods: 3,
      scale: 10,
      want: { expectedCount: 3, desiredHealthy: 2 },
    },
    {
      name: 'minAvailable 50% of 3',
      spec: { minAvailable: '50%' },
      pods: 3,
      scale: 3,
      want: { expectedCount: 3, desiredHealthy: 2 },
    },
    {
      name: 'minAvailable 100%',
      spec: { minAvailable: '100%' },
      pods: 1,
      scale: 4,
      want: { expectedCount: 4, desiredHealthy: 4 },
    },
    {
      name: 'maxUnavailable int',
      spec: { maxUnavailable: 1 },
      pods: 2,
      scale: 3,
      want: { expectedCount: 3, desiredHealthy: 2 },
    },
    {
      name: 'maxUnavailable 30% of 5 rounds up to 2',
      spec: { maxUnavailable: '30%' },
      pods: 5,
      scale: 5,
      want: { expectedCount: 5, desiredHealthy: 3 },
    },
    {
      name: 'maxUnavailable above scale floors at 0',
      spec: { maxUnavailable: 7 },
      pods: 5,
      scale: 5,
      want: { expectedCount: 5, desiredHealthy: 0 },
    },
    { name: 'neither', spec: {}, pods: 5, scale: 5, want: { expectedCount: 0, desiredHealthy: 0 } },
  ];
  for (const c of cases) assert.deepEqual(budgetFor(pdb(c.spec), c.pods, c.scale), c.want, c.name);
  assert.equal(needsExpectedScale(pdb({ minAvailable: 2 })), false);
  assert.equal(needsExpectedScale(pdb({ minAvailable: '20%' })), true);
  assert.equal(needsExpectedScale(pdb({ maxUnavailable: 1 })), true);
  assert.throws(
    () => budgetFor(pdb({ minAvailable: 'five' }), 5, 5),
    /^Error: invalid value for IntOrString: invalid type: string is not a percentage$/,
  );
});

test('buildDisruptedPodMap keeps fresh entries of live pods, drops deleting/missing ones, expires old ones', () => {
  const fresh = formatTime(now - 30_000);
  const old = formatTime(now - deletionTimeoutMs - 1000);
  const b = pdb(
    { minAvailable: 1 },
    {
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
      disruptedPods: { a: fresh, gone: fresh, deleting: fresh, stale: old },
    },
  );
  const got = buildDisruptedPodMap([pod('a'), pod('deleting', { deleting: true }), pod('stale'), pod('other')], b, now);
  assert.deepEqual(got.pods, { a: fresh });
  assert.deepEqual(
    got.expired.map((p) => p.metadata?.name),
    ['stale'],
  );
  assert.equal(got.recheckAt, Date.parse(fresh) + deletionTimeoutMs);
  assert.deepEqual(buildDisruptedPodMap([pod('a')], pdb({}), now), { pods: {}, expired: [] });
});

test('countHealthyPods counts ready pods not deleting and not recently disrupted', () => {
  const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true }), pod('d'), pod('e')];
  assert.equal(countHealthyPods(pods, {}, now), 3);
  assert.equal(countHealthyPods(pods, { d: formatTime(now - 1000) }, now), 2);
  // An expired disruption record no longer hides the pod.
  assert.equal(countHealthyPods(pods, { d: formatTime(now - deletionTimeoutMs - 1000) }, now), 3);
});

test('desiredStatus: allowed = healthy - desired, never below 0 nor with nothing expected; conditions follow', () => {
  const first = desiredStatus(
    pdb({ minAvailable: 2 }),
    { currentHealthy: 3, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} },
    now,
  );
  assert.deepEqual(first, {
    observedGeneration: 1,
    disruptionsAllowed: 1,
    currentHealthy: 3,
    desiredHealthy: 2,
    expectedPods: 3,
    conditions: [
      {
        type: 'DisruptionAllowed',
        status: 'True',
        observedGeneration: 1,
        lastTransitionTime: formatTime(now),
        reason: 'SufficientPods',
        message: '',
      },
    ],
  });
  // Same observation again: nothing to write.
  const b = pdb({ minAvailable: 2 }, first);
  assert.equal(
    desiredStatus(b, { currentHealthy: 3, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} }, now + 5000),
    undefined,
  );
  // One pod evicted: no disruption left; the condition flips with a new transition time.
  const after = desiredStatus(
    b,
    { currentHealthy: 2, desiredHealthy: 2, expectedCount: 3, disruptedPods: { p: formatTime(now) } },
    now + 5000,
  )!;
  assert.equal(after.disruptionsAllowed, 0);
  assert.deepEqual(after.disruptedPods, { p: formatTime(now) });
  assert.deepEqual(
    after.conditions!.map((c) => [c.status, c.reason, c.lastTransitionTime]),
    [['False', 'InsufficientPods', formatTime(now + 5000)]],
  );
  // Nothing expected yet (no pods): no disruptions even if desiredHealthy is 0.
  assert.equal(
    desiredStatus(
      pdb({ maxUnavailable: 1 }),
      { currentHealthy: 0, desiredHealthy: 0, expectedCount: 0, disruptedPods: {} },
      now,
    )!.disruptionsAllowed,
    0,
  );
  // A new generation must be observed even if the numbers match.
  assert.notEqual(
    desiredStatus(
      pdb({ minAvailable: 2 }, first, 2),
      { currentHealthy: 3, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} },
      now,
    ),
    undefined,
  );
});

test('failSafeStatus allows nothing and records SyncFailed with the error', () => {
  const b = pdb(
    { minAvailable: '50%' },
    { observedGeneration: 1, disruptionsAllowed: 2, currentHealthy: 4, desiredHealthy: 2, expectedPods: 4 },
  );
  const st = failSafeStatus(b, 'found no controllers for pod "x"', now);
  assert.equal(st.disruptionsAllowed, 0);
  assert.equal(st.currentHealthy, 4);
  assert.deepEqual(st.conditions, [
    {
      type: 'DisruptionAllowed',
      status: 'False',
      observedGeneration: 1,
      lastTransitionTime: formatTime(now),
      reason: 'SyncFailed',
      message: 'found no controllers for pod "x"',
    },
  ]);
});

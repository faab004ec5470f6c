import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import { scaledValueFromIntOrPercent } from '../../../../api/values/int-or-string.js';
import { isPodReady } from '../replicaset/pod-ranking.js';

/**
 * The pure half of the disruption controller (upstream
 * `pkg/controller/disruption` and `pkg/util/pdb`): which recorded disruptions
 * still count, how many pods are healthy, what the budget asks for, and the
 * status that results. Nothing here reads caches or writes to the API.
 */

/**
 * How long a pod the eviction subresource recorded in `status.disruptedPods`
 * is expected to take to show a deletionTimestamp (upstream DeletionTimeout).
 * Past it, the entry is dropped and the pod counts as healthy again.
 */
export const deletionTimeoutMs = 2 * 60_000;

export const disruptionAllowedCondition = 'DisruptionAllowed';
export const sufficientPodsReason = 'SufficientPods';
export const insufficientPodsReason = 'InsufficientPods';
export const syncFailedReason = 'SyncFailed';

export interface DisruptedPods {
  /** Entries of `status.disruptedPods` that still stand (pod present, not deleting, not expired). */
  pods: Record<string, string>;
  /** Earliest expiry among the kept entries (wall-clock ms): sync again then. */
  recheckAt?: number;
  /** Pods whose recorded disruption expired without a deletion (an event is due on each). */
  expired: Pod[];
}

/** Upstream buildDisruptedPodMap. */
export function buildDisruptedPodMap(pods: readonly Pod[], pdb: PodDisruptionBudget, now: number): DisruptedPods {
  const recorded = pdb.status?.disruptedPods;
  const out: DisruptedPods = { pods: {}, expired: [] };
  if (!recorded) return out;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const name = pod.metadata?.name ?? '';
    const at = recorded[name];
    if (at === undefined) continue;
    const expectedDeletion = Date.parse(at) + deletionTimeoutMs;
    if (expectedDeletion < now) {
      out.expired.push(pod);
      continue;
    }
    if (out.recheckAt === undefined || expectedDeletion < out.recheckAt) out.recheckAt = expectedDeletion;
    out.pods[name] = at;
  }
  return out;
}

/** Ready pods that are neither being deleted nor recently evicted (upstream countHealthyPods). */
export function countHealthyPods(pods: readonly Pod[], disrupted: Record<string, string>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const at = disrupted[pod.metadata?.name ?? ''];
    if (at !== undefined && Date.parse(at) + deletionTimeoutMs > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/**
 * Whether the budget is relative to the controllers' scale: maxUnavailable
 * (any form) and a percentage minAvailable are; an integer minAvailable
 * counts the selected pods instead.
 */
export function needsExpectedScale(pdb: PodDisruptionBudget): boolean {
  const spec = pdb.spec ?? {};
  return spec.maxUnavailable != null || typeof spec.minAvailable === 'string';
}

export interface Budget {
  expectedCount: number;
  desiredHealthy: number;
}

/**
 * Upstream getExpectedPodCount, given the number of selected pods and (when
 * needsExpectedScale) the summed scale of their controllers. Percentages
 * round up. Throws with upstream's IntOrString message on malformed values.
 */
export function budgetFor(pdb: PodDisruptionBudget, podCount: number, expectedScale: number): Budget {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable != null) {
    const maxUnavailable = scaledValueFromIntOrPercent(spec.maxUnavailable, expectedScale, true);
    return { expectedCount: expectedScale, desiredHealthy: Math.max(0, expectedScale - maxUnavailable) };
  }
  if (spec.minAvailable != null) {
    if (typeof spec.minAvailable === 'number') return { expectedCount: podCount, desiredHealthy: spec.minAvailable };
    return {
      expectedCount: expectedScale,
      desiredHealthy: scaledValueFromIntOrPercent(spec.minAvailable, expectedScale, true),
    };
  }
  return { expectedCount: 0, desiredHealthy: 0 };
}

/**
 * metav1 SetStatusCondition into a new list: an existing condition of the
 * type keeps its lastTransitionTime unless its status changes.
 */
export function setStatusCondition(
  conditions: readonly Condition[] | undefined,
  c: Condition,
  now: number,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  const cur = i < 0 ? undefined : list[i]!;
  const next: Condition = {
    type: c.type,
    status: c.status,
    // observedGeneration is omitempty on the wire.
    ...(c.observedGeneration ? { observedGeneration: c.observedGeneration } : {}),
    lastTransitionTime:
      cur && cur.status === c.status ? cur.lastTransitionTime : c.lastTransitionTime || formatTime(now),
    reason: c.reason,
    message: c.message,
  };
  if (cur) list[i] = next;
  else list.push(next);
  return list;
}

/** The DisruptionAllowed condition a status implies (upstream UpdateDisruptionAllowedCondition). */
function allowedCondition(status: PodDisruptionBudgetStatus): Condition {
  const allowed = status.disruptionsAllowed > 0;
  return {
    type: disruptionAllowedCondition,
    status: allowed ? 'True' : 'False',
    reason: allowed ? sufficientPodsReason : insufficientPodsReason,
    message: '',
    observedGeneration: status.observedGeneration,
    lastTransitionTime: '',
  };
}

/** Upstream ConditionsAreUpToDate. */
function conditionsUpToDate(pdb: PodDisruptionBudget): boolean {
  const st = pdb.status;
  const cond = st?.conditions?.find((c) => c.type === disruptionAllowedCondition);
  if (!cond || (st?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  return st!.disruptionsAllowed > 0
    ? cond.status === 'True' && cond.reason === sufficientPodsReason
    : cond.status === 'False' && cond.reason === insufficientPodsReason;
}

/** Semantic equality of disruptedPods maps: absent and empty are the same. */
function sameDisrupted(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && Date.parse(a![k]!) === Date.parse(b[k]!));
}

export interface Observed {
  currentHealthy: number;
  desiredHealthy: number;
  expectedCount: number;
  disruptedPods: Record<string, string>;
}

/**
 * The status to write for what was observed, or undefined when the stored
 * one already says it (upstream updatePdbStatus). No disruption is allowed
 * while nothing is expected, so a budget whose first pods appear before
 * this controller looked is safe.
 */
export function desiredStatus(
  pdb: PodDisruptionBudget,
  o: Observed,
  now: number,
): PodDisruptionBudgetStatus | undefined {
  let allowed = o.currentHealthy - o.desiredHealthy;
  if (o.expectedCount <= 0 || allowed <= 0) allowed = 0;
  const st = pdb.status;
  const generation = pdb.metadata?.generation ?? 0;
  if (
    st &&
    st.currentHealthy === o.currentHealthy &&
    st.desiredHealthy === o.desiredHealthy &&
    st.expectedPods === o.expectedCount &&
    st.disruptionsAllowed === allowed &&
    sameDisrupted(st.disruptedPods, o.disruptedPods) &&
    (st.observedGeneration ?? 0) === generation &&
    conditionsUpToDate(pdb)
  ) {
    return undefined;
  }
  const next: PodDisruptionBudgetStatus = {
    ...(generation ? { observedGeneration: generation } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: o.currentHealthy,
    desiredHealthy: o.desiredHealthy,
    expectedPods: o.expectedCount,
  };
  if (Object.keys(o.disruptedPods).length > 0) next.disruptedPods = { ...o.disruptedPods };
  next.conditions = setStatusCondition(st?.conditions, allowedCondition(next), now);
  return next;
}

/**
 * The fail-safe status after a failed sync (upstream failSafe): no
 * disruptions allowed, DisruptionAllowed=False/SyncFailed with the error, the
 * rest as it was, so the eviction subresource refuses rather than guesses.
 */
export function failSafeStatus(pdb: PodDisruptionBudget, message: string, now: number): PodDisruptionBudgetStatus {
  const st: PodDisruptionBudgetStatus = {
    currentHealthy: 0,
    desiredHealthy: 0,
    expectedPods: 0,
    ...structuredClone(pdb.status ?? {}),
    disruptionsAllowed: 0,
  };
  st.conditions = setStatusCondition(
    st.conditions,
    {
      type: disruptionAllowedCondition,
      status: 'False',
      reason: syncFailedReason,
      message,
      observedGeneration: st.observedGeneration,
      lastTransitionTime: '',
    },
    now,
  );
  return st;
}

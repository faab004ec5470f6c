import type { Pod } from 'kubernetes-types/core/v1.js';

/**
 * A DisruptionTarget=True condition on a pod that is still not terminating
 * this long after it was set is stale: the eviction (or preemption) that set
 * it never led to a deletion (upstream stalePodDisruptionTimeout).
 */
export const stalePodDisruptionTimeoutMs = 2 * 60_000;

/**
 * Upstream nonTerminatingPodHasStaleDisruptionCondition: undefined when the
 * pod has nothing to clean up (no DisruptionTarget=True, deleting, finished,
 * or the condition comes from the kubelet, which may take arbitrarily long),
 * otherwise how many ms until the condition is stale (0 = now).
 */
export function staleDisruptionWait(pod: Pod, now: number): number | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const cond = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
  if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet') return undefined;
  const since = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : 0;
  return Math.max(0, stalePodDisruptionTimeoutMs - (now - (Number.isNaN(since) ? 0 : since)));
}

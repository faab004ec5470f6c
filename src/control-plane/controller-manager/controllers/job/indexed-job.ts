import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { activePodsCompare, type JobSyncContext, validPodsWithFilter } from './job-context.js';
import {
  completionIndexOf,
  getFinishedTime,
  hasJobTrackingFinalizer,
  isIndexedJob,
  isPodFailed,
  isPodTerminating,
  JobCompletionIndexAnnotation,
  JobIndexFailureCountAnnotation,
  JobIndexIgnoredFailureCountAnnotation,
  onlyReplaceFailedPods,
  unknownCompletionIndex,
} from './job-util.js';
import { OrderedIntervals } from './ordered-intervals.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

/** Env var the pods of Indexed Jobs get, read from the completion-index label. */
export const completionIndexEnvName = 'JOB_COMPLETION_INDEX';
/** Upstream names.MaxGeneratedNameLength: 63 minus the 5 random characters. */
const maxGeneratedNameLength = 58;
const maxInt32 = 2 ** 31 - 1;

/**
 * The succeeded indexes as last recorded in status, and with the succeeded
 * pods not yet counted (those still carrying the tracking finalizer) added.
 */
export function calculateSucceededIndexes(job: Job, pods: readonly Pod[]): [OrderedIntervals, OrderedIntervals] {
  const completions = job.spec?.completions ?? 0;
  const prev = OrderedIntervals.parse(job.status?.completedIndexes, completions);
  const fresh = new Set<number>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (
      p.status?.phase === 'Succeeded' &&
      ix !== unknownCompletionIndex &&
      ix < completions &&
      hasJobTrackingFinalizer(p)
    )
      fresh.add(ix);
  }
  return [prev, prev.withOrderedIndexes([...fresh].sort((a, b) => a - b))];
}

/** backoffLimitPerIndex: the failed indexes in status plus those whose latest pod just exhausted its limit. */
export function calculateFailedIndexes(job: Job, pods: readonly Pod[]): OrderedIntervals {
  const completions = job.spec?.completions ?? 0;
  const prev = OrderedIntervals.parse(job.status?.failedIndexes, completions);
  const fresh = new Set<number>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix !== unknownCompletionIndex && ix < completions && hasJobTrackingFinalizer(p) && isIndexFailed(job, p))
      fresh.add(ix);
  }
  return prev.withOrderedIndexes([...fresh].sort((a, b) => a - b));
}

/** The pod's failure fails its index: a FailIndex rule matched, or a counted failure reached backoffLimitPerIndex. */
export function isIndexFailed(job: Job, pod: Pod): boolean {
  if (!isPodFailed(pod, job)) return false;
  let counted = true;
  if (job.spec?.podFailurePolicy) {
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
    if (m.action === 'FailIndex') return true;
    counted = m.countFailed;
  }
  return counted && indexFailureCount(pod) >= (job.spec?.backoffLimitPerIndex ?? 0);
}

export function indexesOf(pods: readonly Pod[]): Set<number> {
  const out = new Set<number>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix !== unknownCompletionIndex) out.add(ix);
  }
  return out;
}

const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);

/**
 * The lowest `count` indexes below completions that have no active pod, did
 * not succeed and did not fail (nor, when only failed pods are replaced, have
 * a terminating pod).
 */
export function firstPendingIndexes(ctx: JobSyncContext, count: number, completions: number): number[] {
  if (count === 0) return [];
  let nonPending = ctx.succeededIndexes.withOrderedIndexes(sorted(indexesOf(ctx.activePods)));
  if (onlyReplaceFailedPods(ctx.job))
    nonPending = nonPending.withOrderedIndexes(sorted(indexesOf(ctx.pods.filter(isPodTerminating))));
  if (ctx.failedIndexes) nonPending = nonPending.merge(ctx.failedIndexes);
  const out: number[] = [];
  let candidate = 0;
  for (const iv of nonPending.intervals) {
    for (; candidate < completions && out.length < count && candidate < iv.first; candidate++) out.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && out.length < count; candidate++) out.push(candidate);
  return out;
}

/**
 * Active pods to delete because they repeat an index (all but the best-placed
 * of each index), have no index, or an index past completions — and then more,
 * cheapest first, until at least `rmAtLeast` (upstream activePodsForRemoval).
 */
export function activePodsForRemoval(job: Job, pods: readonly Pod[], rmAtLeast: number): Pod[] {
  let rm: Pod[] = [];
  let left: Pod[];
  if (isIndexedJob(job)) {
    left = [];
    const completions = job.spec?.completions ?? 0;
    const byIndex = [...pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b));
    const groups = new Map<number, Pod[]>();
    for (const p of byIndex) {
      const ix = completionIndexOf(p);
      if (ix >= completions) rm.push(p);
      else groups.set(ix, [...(groups.get(ix) ?? []), p]);
    }
    for (const [ix, group] of groups) {
      if (ix === unknownCompletionIndex) rm.push(...group);
      else if (group.length === 1) left.push(group[0]!);
      else {
        group.sort(activePodsCompare);
        rm.push(...group.slice(0, -1));
        left.push(group.at(-1)!);
      }
    }
  } else left = [...pods];
  if (rm.length < rmAtLeast) {
    left.sort(activePodsCompare);
    rm = [...rm, ...left.slice(0, rmAtLeast - rm.length)];
  }
  return rm;
}

/**
 * backoffLimitPerIndex: for each index with neither an active pod nor a final
 * outcome, its latest failed pod — whose finalizer stays until the replacement
 * exists, so the failure count can be carried over in an annotation.
 */
export function podsWithDelayedDeletionPerIndex(ctx: JobSyncContext): Map<number, Pod> {
  const active = indexesOf(ctx.activePods);
  const out = new Map<number, Pod>();
  const completions = ctx.job.spec?.completions ?? 0;
  validPodsWithFilter(ctx, undefined, (p) => {
    if (!isPodFailed(p, ctx.job)) return false;
    const ix = completionIndexOf(p);
    if (ix === unknownCompletionIndex || ix >= completions) return false;
    if (ctx.succeededIndexes.has(ix) || ctx.failedIndexes?.has(ix) || active.has(ix)) return false;
    const last = out.get(ix);
    if (
      !last ||
      (absoluteFailureCount(last) <= absoluteFailureCount(p) && !(getFinishedTime(p) < getFinishedTime(last)))
    )
      out.set(ix, p);
    return false;
  });
  return out;
}

function annotationInt32(pod: Pod, key: string): number {
  const v = pod.metadata?.annotations?.[key];
  if (v === undefined || !/^[+-]?[0-9]+$/.test(v)) return 0;
  const n = Number(v);
  return n < 0 || n > maxInt32 ? 0 : n;
}

export function indexFailureCount(pod: Pod): number {
  return annotationInt32(pod, JobIndexFailureCountAnnotation);
}

function absoluteFailureCount(pod: Pod): number {
  return indexFailureCount(pod) + annotationInt32(pod, JobIndexIgnoredFailureCountAnnotation);
}

/** The failure-count annotations of the pod replacing `replaced` in its index. */
export function newIndexFailureCounts(job: Job, replaced: Pod | undefined): { counted: number; ignored: number } {
  if (!replaced) return { counted: 0, ignored: 0 };
  let counted = indexFailureCount(replaced);
  let ignored = annotationInt32(replaced, JobIndexIgnoredFailureCountAnnotation);
  if (job.spec?.podFailurePolicy && !matchPodFailurePolicy(job.spec.podFailurePolicy, replaced).countFailed) ignored++;
  else counted++;
  return { counted, ignored };
}

/** What the per-index backoff counts from (upstream getRemainingTimePerIndex): the index's last failed pod. */
export function indexBackoffFailures(replaced: Pod | undefined): { failures: number; lastFailure?: number } {
  if (!replaced) return { failures: 0 };
  return { failures: absoluteFailureCount(replaced) + 1, lastFailure: getFinishedTime(replaced) };
}

/** Adds JOB_COMPLETION_INDEX (from the completion-index label) to every container that lacks it. */
export function addCompletionIndexEnvVariables(template: PodTemplateSpec): void {
  const add = (c: Container) => {
    if (c.env?.some((e) => e.name === completionIndexEnvName)) return;
    c.env = [
      ...(c.env ?? []),
      {
        name: completionIndexEnvName,
        valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JobCompletionIndexAnnotation}']` } },
      },
    ];
  };
  for (const c of template.spec?.initContainers ?? []) add(c);
  for (const c of template.spec?.containers ?? []) add(c);
}

/** `<job>-<index>-`, with the job name cut so the whole stays within 58 characters. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > maxGeneratedNameLength
    ? prefix.slice(0, maxGeneratedNameLength - suffix.length) + suffix
    : prefix;
}

import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  completionIndexOf,
  hasJobTrackingFinalizer,
  isIndexedJob,
  isPodReady,
  time,
  unknownCompletionIndex,
} from './job-util.js';
import type { OrderedIntervals } from './ordered-intervals.js';
import type { BackoffRecord } from './pod-backoff.js';

/** Everything one sync of one Job computes (upstream syncJobCtx). `job` is the sync's private copy. */
export interface JobSyncContext {
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  /** The terminal (or interim FailureTarget / SuccessCriteriaMet) condition this sync decided on. */
  finishedCondition?: JobCondition;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: OrderedIntervals;
  succeededIndexes: OrderedIntervals;
  /** Only with backoffLimitPerIndex. */
  failedIndexes?: OrderedIntervals;
  newBackoffRecord: BackoffRecord;
  /** Pod UIDs whose finalizer removal was sent but not yet observed. */
  expectedRmFinalizers: ReadonlySet<string>;
  /** `status.uncountedTerminatedPods` as sets, as the sync found them. */
  uncounted: { succeeded: ReadonlySet<string>; failed: ReadonlySet<string> };
  /** backoffLimitPerIndex: per index, the failed pod kept until its replacement exists. */
  podsWithDelayedDeletionPerIndex: Map<number, Pod>;
  terminating: number;
  ready: number;
}

/**
 * Pods not yet accounted for that pass `filter` (upstream
 * getValidPodsWithFilter): they still carry the tracking finalizer, are not in
 * `uncounted` nor awaiting finalizer removal, and — for Indexed Jobs — have a
 * valid completion index.
 */
export function validPodsWithFilter(
  ctx: JobSyncContext,
  uncounted: ReadonlySet<string> | undefined,
  filter: (p: Pod) => boolean,
): Pod[] {
  const out: Pod[] = [];
  const indexed = isIndexedJob(ctx.job);
  const completions = ctx.job.spec?.completions ?? 0;
  for (const p of ctx.pods) {
    const uid = p.metadata?.uid ?? '';
    if (!hasJobTrackingFinalizer(p) || uncounted?.has(uid) || ctx.expectedRmFinalizers.has(uid)) continue;
    if (indexed) {
      const ix = completionIndexOf(p);
      if (ix === unknownCompletionIndex || ix >= completions) continue;
    }
    if (filter(p)) out.push(p);
  }
  return out;
}

const phaseOrdinal = (p: Pod): number => ({ Pending: 0, Unknown: 1, Running: 2 })[p.status?.phase ?? ''] ?? 0;

function readyTime(p: Pod): number {
  const c = p.status?.conditions?.find((x) => x.type === 'Ready');
  return c?.status === 'True' ? time(c.lastTransitionTime) : 0;
}

function maxRestarts(p: Pod): number {
  return Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

/** `t1` is later, or zero (zero sorts first). */
const afterOrZero = (t1: number, t2: number): boolean => (t1 === 0 || t2 === 0 ? t1 === 0 : t1 > t2);

/**
 * Deletion order among active pods, cheapest first (upstream
 * controller.ActivePods): unscheduled, earlier phase, not ready, ready more
 * recently, more restarts, newer.
 */
export function activePodsCompare(a: Pod, b: Pod): number {
  const less = (x: Pod, y: Pod): boolean => {
    const nx = x.spec?.nodeName ?? '';
    const ny = y.spec?.nodeName ?? '';
    if (nx !== ny && (nx === '' || ny === '')) return nx === '';
    if (phaseOrdinal(x) !== phaseOrdinal(y)) return phaseOrdinal(x) < phaseOrdinal(y);
    if (isPodReady(x) !== isPodReady(y)) return !isPodReady(x);
    if (isPodReady(x) && isPodReady(y)) {
      const tx = readyTime(x);
      const ty = readyTime(y);
      if (tx !== ty) return afterOrZero(tx, ty);
    }
    if (maxRestarts(x) !== maxRestarts(y)) return maxRestarts(x) > maxRestarts(y);
    const cx = time(x.metadata?.creationTimestamp);
    const cy = time(y.metadata?.creationTimestamp);
    if (cx !== cy) return afterOrZero(cx, cy);
    return false;
  };
  return less(a, b) ? -1 : less(b, a) ? 1 : 0;
}

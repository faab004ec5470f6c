import type { Job, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import type { JobSyncContext } from './job-context.js';
import { type JobDeps, jobSubject, maxUncountedPods } from './job-deps.js';
import {
  completionIndexOf,
  ensureJobConditionStatus,
  hasBackoffLimitPerIndex,
  hasJobTrackingFinalizer,
  isIndexedJob,
  isPodFailed,
  newCondition,
  removeTrackingFinalizerPatch,
  unknownCompletionIndex,
} from './job-util.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { isSuccessCriteriaMet, successCriteriaMetCondition } from './success-policy.js';

/**
 * Writes the Job's status; the result is copied because the sync keeps
 * changing it. Zero counters are left out as Go's `omitempty` leaves them out
 * (`ready` and `terminating` are pointers there, so their zero is kept).
 */
export async function updateJobStatus(d: JobDeps, job: Job): Promise<Job> {
  const st = job.status;
  if (st) {
    for (const f of ['active', 'succeeded', 'failed'] as const) if (st[f] === 0) delete st[f];
    if (st.completedIndexes === '') delete st.completedIndexes;
  }
  const updated = await d.jobs.namespace(job.metadata!.namespace!).updateStatus(job);
  return structuredClone(updated);
}

/**
 * Moves UIDs whose pods no longer carry the finalizer from
 * uncountedTerminatedPods into the succeeded/failed counters (upstream
 * cleanUncountedPodsWithoutFinalizers). Returns whether status changed.
 */
function cleanUncountedPodsWithoutFinalizers(status: JobStatus, withFinalizer: ReadonlySet<string>): boolean {
  const u = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  for (const kind of ['succeeded', 'failed'] as const) {
    const list = u[kind] ?? [];
    const keep = list.filter((uid) => withFinalizer.has(uid));
    if (keep.length === list.length) continue;
    changed = true;
    status[kind] = (status[kind] ?? 0) + list.length - keep.length;
    if (keep.length > 0) u[kind] = keep;
    else delete u[kind];
  }
  return changed;
}

/**
 * Whether the pod's finalizer may go now: the Job is being deleted or has
 * decided its outcome, the pod succeeded, or it failed — unless, with
 * backoffLimitPerIndex, it is the failed pod its index's replacement must
 * still learn the failure count from.
 */
function canRemoveFinalizer(ctx: JobSyncContext, pod: Pod, considerFailed: boolean): boolean {
  if (ctx.job.metadata?.deletionTimestamp || ctx.finishedCondition || pod.status?.phase === 'Succeeded') return true;
  if (!considerFailed) return false;
  if (hasBackoffLimitPerIndex(ctx.job)) {
    const ix = completionIndexOf(pod);
    if (
      ix !== unknownCompletionIndex &&
      ctx.podsWithDelayedDeletionPerIndex.get(ix)?.metadata?.uid === pod.metadata?.uid
    )
      return false;
  }
  return true;
}

/**
 * Removes the tracking finalizer from `pods` in parallel; `ok[i]` tells
 * whether pod i no longer has it (a pod already gone counts as removed).
 */
async function removeTrackingFinalizers(
  d: JobDeps,
  key: string,
  pods: readonly Pod[],
): Promise<{ ok: boolean[]; error?: unknown }> {
  d.finalizerExpectations.expectFinalizersRemoved(
    key,
    pods.map((p) => p.metadata!.uid!),
  );
  const ok = pods.map(() => false);
  let error: unknown;
  await Promise.all(
    pods.map(async (pod, i) => {
      const patch = removeTrackingFinalizerPatch(pod);
      if (!patch) return;
      try {
        await d.podControl.patchPod(pod.metadata!.namespace!, pod.metadata!.name!, patch);
      } catch (err) {
        // No update for this removal will be seen: stop expecting it.
        d.finalizerExpectations.finalizerRemovalObserved(key, pod.metadata!.uid!);
        if (!isNotFound(err)) {
          error ??= err;
          d.log.warn('removing tracking finalizer failed', { job: key, pod: pod.metadata?.name, err });
          return;
        }
      }
      ok[i] = true;
    }),
  );
  return { ok, error };
}

/**
 * The two-phase pod accounting (upstream trackJobStatusAndRemoveFinalizers):
 * 1. finished pods still holding the finalizer are written to
 *    status.uncountedTerminatedPods (Indexed Jobs: completedIndexes), together
 *    with any interim FailureTarget / SuccessCriteriaMet condition;
 * 2. only then are their finalizers removed;
 * 3. UIDs whose finalizer is gone move into the succeeded/failed counters;
 * 4. the final Complete/Failed condition is added once nothing is uncounted
 *    and no pod is terminating.
 * A crash between any two steps loses nothing and counts nothing twice: a
 * pod is counted from status while its UID is listed, and from its own
 * finalizer before that.
 */
export async function trackJobStatusAndRemoveFinalizers(
  d: JobDeps,
  key: string,
  ctx: JobSyncContext,
  needsFlushIn: boolean,
): Promise<void> {
  let needsFlush = needsFlushIn;
  const job = ctx.job;
  const st = (job.status ??= {});
  const indexed = isIndexedJob(job);
  const completions = job.spec?.completions ?? 0;
  const uncounted = (st.uncountedTerminatedPods ??= {});
  const newSucceededIndexes: number[] = [];
  // Completed indexes are introduced in order.
  if (indexed) ctx.pods.sort((a, b) => completionIndexOf(a) - completionIndexOf(b));
  const withFinalizer = new Set<string>();
  for (const p of ctx.pods) {
    const uid = p.metadata!.uid!;
    if (hasJobTrackingFinalizer(p) && !ctx.expectedRmFinalizers.has(uid)) withFinalizer.add(uid);
  }
  if (cleanUncountedPodsWithoutFinalizers(st, withFinalizer)) needsFlush = true;
  const toRemove: Pod[] = [];
  let reachedMaxUncounted = false;
  for (const pod of ctx.pods) {
    const uid = pod.metadata!.uid!;
    if (!hasJobTrackingFinalizer(pod) || ctx.expectedRmFinalizers.has(uid)) continue;
    const considerFailed = isPodFailed(pod, job);
    if (!canRemoveFinalizer(ctx, pod, considerFailed)) continue;
    toRemove.push(pod);
    if (pod.status?.phase === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
      if (indexed) {
        // The completion index alone prevents counting a success twice.
        const ix = completionIndexOf(pod);
        if (ix !== unknownCompletionIndex && ix < completions && !ctx.prevSucceededIndexes.has(ix)) {
          newSucceededIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!ctx.uncounted.succeeded.has(uid)) {
        needsFlush = true;
        (uncounted.succeeded ??= []).push(uid);
      }
    } else if (considerFailed || (ctx.finishedCondition && !isSuccessCriteriaMet(ctx.finishedCondition))) {
      // Once the Job has failed, every pod that did not succeed counts as failed.
      const ix = completionIndexOf(pod);
      if (!ctx.uncounted.failed.has(uid) && (!indexed || (ix !== unknownCompletionIndex && ix < completions))) {
        if (matchPodFailurePolicy(job.spec?.podFailurePolicy, pod).countFailed) {
          needsFlush = true;
          (uncounted.failed ??= []).push(uid);
        }
      }
    }
    const pending = newSucceededIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0);
    if (pending >= maxUncountedPods) {
      // Keep status small and the sync short; the status and pod updates bring the Job back.
      reachedMaxUncounted = true;
      break;
    }
  }
  if (indexed) {
    ctx.succeededIndexes = ctx.succeededIndexes.withOrderedIndexes(newSucceededIndexes);
    const completed = ctx.succeededIndexes.toString();
    if (completed !== (st.completedIndexes ?? '')) needsFlush = true;
    st.succeeded = ctx.succeededIndexes.total();
    if (completed) st.completedIndexes = completed;
    else delete st.completedIndexes;
    const failedIndexes = ctx.failedIndexes?.toString();
    if (failedIndexes !== st.failedIndexes) {
      if (failedIndexes === undefined) delete st.failedIndexes;
      else st.failedIndexes = failedIndexes;
      needsFlush = true;
    }
  }
  const now = d.clock.now();
  const fc = ctx.finishedCondition;
  if (fc?.type === 'FailureTarget') {
    // Record why the Job fails before the finalizers that hold its pods go away.
    (st.conditions ??= []).push(fc);
    needsFlush = true;
    ctx.finishedCondition = newCondition('Failed', 'True', fc.reason ?? '', fc.message ?? '', now);
  }
  if (isSuccessCriteriaMet(fc)) {
    if (!successCriteriaMetCondition(job)) {
      (st.conditions ??= []).push(fc!);
      needsFlush = true;
    }
    ctx.finishedCondition = newCondition('Complete', 'True', fc!.reason ?? '', fc!.message ?? '', now);
  }
  needsFlush = await flushUncountedAndRemoveFinalizers(d, key, ctx, toRemove, withFinalizer, needsFlush);
  const finished = !reachedMaxUncounted && enactJobFinished(ctx, now);
  if (finished) needsFlush = true;
  if (needsFlush) {
    ctx.job = await updateJobStatus(d, ctx.job);
    if (finished) recordJobFinished(d, ctx.job, ctx.finishedCondition!);
  }
}

/**
 * Steps 1–3: writes status if needed (and then remembers the new pod-failure
 * backoff), removes finalizers, folds removed UIDs into the counters, and on
 * a partial failure writes that progress before failing the sync. Returns
 * whether status still has unwritten changes.
 */
async function flushUncountedAndRemoveFinalizers(
  d: JobDeps,
  key: string,
  ctx: JobSyncContext,
  toRemove: readonly Pod[],
  withFinalizer: Set<string>,
  needsFlushIn: boolean,
): Promise<boolean> {
  let needsFlush = needsFlushIn;
  if (needsFlush) {
    ctx.job = await updateJobStatus(d, ctx.job).catch((err: unknown) => {
      throw new Error(`adding uncounted pods to status: ${String(err)}`, { cause: err });
    });
    d.backoff.update(ctx.newBackoffRecord);
    needsFlush = false;
  }
  let rmError: unknown;
  if (toRemove.length > 0) {
    const r = await removeTrackingFinalizers(d, key, toRemove);
    rmError = r.error;
    toRemove.forEach((p, i) => {
      if (r.ok[i]) withFinalizer.delete(p.metadata!.uid!);
    });
  }
  if (cleanUncountedPodsWithoutFinalizers((ctx.job.status ??= {}), withFinalizer)) needsFlush = true;
  if (rmError !== undefined) {
    if (needsFlush) {
      await updateJobStatus(d, ctx.job).catch((err: unknown) => {
        throw new Error(`removing uncounted pods from status: ${String(err)}`, { cause: err });
      });
    }
    throw rmError;
  }
  return needsFlush;
}

/**
 * Step 4: adds the final condition (and completionTime for Complete) once no
 * pod is uncounted or terminating. Returns whether the Job is now finished.
 */
function enactJobFinished(ctx: JobSyncContext, now: number): boolean {
  const fc = ctx.finishedCondition;
  if (!fc) return false;
  const job = ctx.job;
  const u = job.status?.uncountedTerminatedPods;
  if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false;
  if (ctx.terminating > 0) return false;
  ensureJobConditionStatus(job, fc.type, fc.status, fc.reason ?? '', fc.message ?? '', now);
  if (fc.type === 'Complete') job.status!.completionTime = fc.lastTransitionTime;
  return true;
}

/** Upstream recordJobFinished: the events of a finished Job. */
function recordJobFinished(d: JobDeps, job: Job, fc: { type: string; reason?: string; message?: string }): void {
  const subject = jobSubject(job);
  if (fc.type === 'Complete') {
    const completions = job.spec?.completions;
    if (typeof completions === 'number' && (job.status?.succeeded ?? 0) > completions) {
      d.recorder.event(
        subject,
        'Warning',
        'TooManySucceededPods',
        'Too many succeeded pods running after completion count reached',
      );
    }
    d.recorder.event(subject, 'Normal', 'Completed', 'Job completed');
  } else {
    d.recorder.event(subject, 'Warning', fc.reason ?? '', fc.message ?? '');
  }
}

import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import { type JobSyncContext, validPodsWithFilter } from './job-context.js';
import { type JobDeps, jobSubject } from './job-deps.js';
import { calculateFailedIndexes, calculateSucceededIndexes, podsWithDelayedDeletionPerIndex } from './indexed-job.js';
import {
  ensureJobConditionStatus,
  findCondition,
  hasBackoffLimitPerIndex,
  isIndexedJob,
  isPodFailed,
  isPodReady,
  isPodTerminating,
  JobMessage,
  JobReason,
  jobSuspended,
  newCondition,
  time,
} from './job-util.js';
import { deleteActivePods, manageJob } from './manage-job.js';
import { OrderedIntervals } from './ordered-intervals.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { matchSuccessPolicy, successCriteriaMetCondition } from './success-policy.js';
import { trackJobStatusAndRemoveFinalizers } from './track-status.js';

/** Not finished and not being deleted (upstream controller.FilterActivePods). */
export function isPodActive(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata?.deletionTimestamp;
}

/** The FailJob message of the first failed pod a podFailurePolicy FailJob rule matches. */
function failJobMessage(job: Job, pods: readonly Pod[]): string | undefined {
  if (!job.spec?.podFailurePolicy) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p).failJobMessage;
    if (m) return m;
  }
  return undefined;
}

/**
 * restartPolicy OnFailure: container restarts of running and pending pods
 * stand in for pod failures (upstream pastBackoffLimitOnFailure).
 */
function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const cs of [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])])
      restarts += cs.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function pastActiveDeadline(job: Job, now: number): boolean {
  const ads = job.spec?.activeDeadlineSeconds;
  const start = time(job.status?.startTime);
  if (typeof ads !== 'number' || start === 0 || jobSuspended(job)) return false;
  return now - start >= ads * 1000;
}

/**
 * One sync of one unfinished Job (upstream syncJob after the cache lookups):
 * counts newly finished pods, decides whether the Job succeeded or failed
 * (FailJob rules, backoffLimit, activeDeadlineSeconds, failed indexes,
 * successPolicy, completions), deletes or creates pods, and writes status
 * through the finalizer-based accounting. `job` is a private copy;
 * `satisfiedExpectations` was sampled before the pods were listed.
 */
export async function syncJobWithPods(
  d: JobDeps,
  key: string,
  job: Job,
  pods: Pod[],
  satisfiedExpectations: boolean,
): Promise<void> {
  const now = d.clock.now();
  const st = (job.status ??= {});
  st.uncountedTerminatedPods ??= {};
  const activePods = pods.filter(isPodActive);
  const ctx: JobSyncContext = {
    job,
    pods,
    activePods,
    succeeded: 0,
    failed: 0,
    prevSucceededIndexes: new OrderedIntervals(),
    succeededIndexes: new OrderedIntervals(),
    newBackoffRecord: { key, failuresAfterLastSuccess: 0 },
    expectedRmFinalizers: d.finalizerExpectations.expectedUIDs(key),
    uncounted: {
      succeeded: new Set(st.uncountedTerminatedPods.succeeded ?? []),
      failed: new Set(st.uncountedTerminatedPods.failed ?? []),
    },
    podsWithDelayedDeletionPerIndex: new Map(),
    terminating: pods.filter(isPodTerminating).length,
    ready: activePods.filter(isPodReady).length,
  };
  let active = activePods.length;
  const newSucceeded = validPodsWithFilter(ctx, ctx.uncounted.succeeded, (p) => p.status?.phase === 'Succeeded');
  const newFailed = validPodsWithFilter(ctx, ctx.uncounted.failed, (p) => isPodFailed(p, job));
  const policy = job.spec?.podFailurePolicy;
  const countedNewFailed = newFailed.filter((p) => matchPodFailurePolicy(policy, p).countFailed).length;
  ctx.succeeded = (st.succeeded ?? 0) + newSucceeded.length + ctx.uncounted.succeeded.size;
  ctx.failed = (st.failed ?? 0) + countedNewFailed + ctx.uncounted.failed.size;

  // First start; a Job created suspended starts when resumed.
  if (!st.startTime && !jobSuspended(job)) st.startTime = formatTime(now);
  ctx.newBackoffRecord = d.backoff.newRecord(key, newSucceeded, newFailed);

  const failure = (reason: string, message: string) => newCondition('FailureTarget', 'True', reason, message, now);
  // SuccessCriteriaMet already decided the outcome in an earlier sync: failure policies no longer apply.
  ctx.finishedCondition = successCriteriaMetCondition(job);
  if (!ctx.finishedCondition) {
    const target = findCondition(st.conditions, 'FailureTarget');
    if (target?.status === 'True') {
      ctx.finishedCondition = newCondition('Failed', 'True', target.reason ?? '', target.message ?? '', now);
    } else {
      const msg = failJobMessage(job, pods);
      if (msg) ctx.finishedCondition = failure(JobReason.PodFailurePolicy, msg);
    }
  }
  if (!ctx.finishedCondition) {
    if (ctx.failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
      ctx.finishedCondition = failure(JobReason.BackoffLimitExceeded, JobMessage.BackoffLimitExceeded);
    } else if (pastActiveDeadline(job, now)) {
      ctx.finishedCondition = failure(JobReason.DeadlineExceeded, JobMessage.DeadlineExceeded);
    } else if (typeof job.spec?.activeDeadlineSeconds === 'number' && !jobSuspended(job)) {
      d.enqueueAfter(key, job.spec.activeDeadlineSeconds * 1000 - (now - time(st.startTime)));
    }
  }

  if (isIndexedJob(job)) {
    const completions = job.spec?.completions ?? 0;
    [ctx.prevSucceededIndexes, ctx.succeededIndexes] = calculateSucceededIndexes(job, pods);
    ctx.succeeded = ctx.succeededIndexes.total();
    if (hasBackoffLimitPerIndex(job)) {
      ctx.failedIndexes = calculateFailedIndexes(job, pods);
      const failedTotal = ctx.failedIndexes.total();
      if (!ctx.finishedCondition) {
        const maxFailed = job.spec?.maxFailedIndexes;
        if (typeof maxFailed === 'number' && failedTotal > maxFailed) {
          ctx.finishedCondition = failure(JobReason.MaxFailedIndexesExceeded, JobMessage.MaxFailedIndexesExceeded);
        } else if (failedTotal > 0 && failedTotal + ctx.succeededIndexes.total() >= completions) {
          ctx.finishedCondition = failure(JobReason.FailedIndexes, JobMessage.FailedIndexes);
        }
      }
      ctx.podsWithDelayedDeletionPerIndex = podsWithDelayedDeletionPerIndex(ctx);
    }
    if (!ctx.finishedCondition) {
      const msg = matchSuccessPolicy(job.spec?.successPolicy, completions, ctx.succeededIndexes);
      if (msg) ctx.finishedCondition = newCondition('SuccessCriteriaMet', 'True', JobReason.SuccessPolicy, msg, now);
    }
  }

  let manageError: unknown;
  let suspendChanged = false;
  if (ctx.finishedCondition) {
    // The outcome is decided: stop what still runs (finalizers stay, so those pods are counted).
    const r = await deleteActivePods(d, job, ctx.activePods);
    // Pods not yet deleted or not yet in the cache could still change the counts.
    if (r.deleted !== active || !satisfiedExpectations) ctx.finishedCondition = undefined;
    active -= r.deleted;
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    manageError = r.error;
  } else {
    let managed = false;
    if (satisfiedExpectations && !job.metadata?.deletionTimestamp) {
      const r = await manageJob(d, key, job, ctx);
      active = r.active;
      manageError = r.error;
      managed = true;
    }
    const completions = job.spec?.completions;
    // Without completions, any success completes the Job once nothing runs any more.
    const complete =
      typeof completions === 'number'
        ? ctx.succeeded >= completions && active === 0
        : ctx.succeeded > 0 && active === 0;
    if (complete) {
      ctx.finishedCondition = newCondition(
        'SuccessCriteriaMet',
        'True',
        JobReason.CompletionsReached,
        JobMessage.CompletionsReached,
        now,
      );
    } else if (managed) {
      // Conditions and events change only in the sync that acted on the current spec.
      if (jobSuspended(job)) {
        if (ensureJobConditionStatus(job, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) {
          suspendChanged = true;
          d.recorder.event(jobSubject(job), 'Normal', 'Suspended', 'Job suspended');
        }
      } else if (ensureJobConditionStatus(job, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
        suspendChanged = true;
        d.recorder.event(jobSubject(job), 'Normal', 'Resumed', 'Job resumed');
        // activeDeadlineSeconds counts continuous activity: the clock restarts on resume.
        st.startTime = formatTime(now);
      }
    }
  }

  const needsStatusUpdate =
    suspendChanged || active !== (st.active ?? 0) || ctx.ready !== st.ready || ctx.terminating !== st.terminating;
  st.active = active;
  st.ready = ctx.ready;
  st.terminating = ctx.terminating;
  try {
    await trackJobStatusAndRemoveFinalizers(d, key, ctx, needsStatusUpdate);
  } catch (err) {
    throw new Error(`tracking status: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (manageError !== undefined) throw manageError;
}

import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { formatTime, tryParseTime } from '../../../../api/values/time.js';

/** Finalizer on every pod the Job controller creates, removed once the pod's outcome is counted. */
export const JobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';
/** Annotation (and, with PodIndexLabel, label) carrying an Indexed Job pod's completion index. */
export const JobCompletionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';
/** Counted failures of earlier pods of the same index (backoffLimitPerIndex). */
export const JobIndexFailureCountAnnotation = 'batch.kubernetes.io/job-index-failure-count';
/** Failures of earlier pods of the same index that a podFailurePolicy Ignore rule did not count. */
export const JobIndexIgnoredFailureCountAnnotation = 'batch.kubernetes.io/job-index-ignored-failure-count';
/** `spec.managedBy` value that means this controller (JobManagedBy, beta in 1.32). */
export const JobControllerName = 'kubernetes.io/job-controller';

/** Upstream condition reasons (k8s.io/api/batch/v1). */
export const JobReason = {
  PodFailurePolicy: 'PodFailurePolicy',
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  MaxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  FailedIndexes: 'FailedIndexes',
  SuccessPolicy: 'SuccessPolicy',
  CompletionsReached: 'CompletionsReached',
} as const;

/** Upstream condition messages for the reasons above. */
export const JobMessage = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
  MaxFailedIndexesExceeded: 'Job has exceeded the specified maximal number of failed indexes',
  FailedIndexes: 'Job has failed indexes',
  CompletionsReached: 'Reached expected number of succeeded pods',
} as const;

export const time = (s: string | undefined | null): number => (s ? (tryParseTime(s) ?? 0) : 0);

export function findCondition(list: readonly JobCondition[] | undefined, type: string): JobCondition | undefined {
  return list?.find((c) => c.type === type);
}

/** A Complete or Failed condition with status True (upstream util.FinishedCondition). */
export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}

export function isJobSucceeded(job: Job): boolean {
  return finishedCondition(job)?.type === 'Complete';
}

export function jobSuspended(job: Job): boolean {
  return job.spec?.suspend === true;
}

export const unknownCompletionIndex = -1;

/** The pod's completion index annotation as a non-negative int, or unknownCompletionIndex. */
export function completionIndexOf(p: Pod): number {
  const v = p.metadata?.annotations?.[JobCompletionIndexAnnotation];
  if (v === undefined || !/^[+-]?[0-9]+$/.test(v)) return unknownCompletionIndex;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : unknownCompletionIndex;
}

export function isIndexedJob(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

export function hasBackoffLimitPerIndex(job: Job): boolean {
  return job.spec?.backoffLimitPerIndex !== undefined && job.spec.backoffLimitPerIndex !== null;
}

/** The controller name when the Job is managed by someone else (upstream managedByExternalController). */
export function managedByExternalController(job: Job): string | undefined {
  const m = job.spec?.managedBy;
  return m && m !== JobControllerName ? m : undefined;
}

export function newCondition(
  type: string,
  status: string,
  reason: string,
  message: string,
  nowMs: number,
): JobCondition {
  const t = formatTime(nowMs);
  const c: JobCondition = { type, status, lastProbeTime: t, lastTransitionTime: t };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/**
 * Sets the condition of `type` to `status` (upstream ensureJobConditionStatus):
 * replaces it when status, reason or message differ; appends it when absent,
 * unless the new status is False (absent already means that). Returns whether
 * the list changed.
 */
export function ensureJobConditionStatus(
  job: Job,
  type: string,
  status: string,
  reason: string,
  message: string,
  nowMs: number,
): boolean {
  const st = (job.status ??= {});
  const list = (st.conditions ??= []);
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i]!;
    if (c.status === status && (c.reason ?? '') === reason && (c.message ?? '') === message) return false;
    list[i] = newCondition(type, status, reason, message, nowMs);
    return true;
  }
  if (status === 'False') return false;
  list.push(newCondition(type, status, reason, message, nowMs));
  return true;
}

export function hasJobTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JobTrackingFinalizer) ?? false;
}

/** Strategic merge patch removing the tracking finalizer, or undefined when the pod has none. */
export function removeTrackingFinalizerPatch(pod: Pod): unknown {
  if (!hasJobTrackingFinalizer(pod)) return undefined;
  return { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JobTrackingFinalizer] } };
}

export function isPodTerminal(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/** Being deleted and not yet in a terminal phase (upstream controller.IsPodTerminating). */
export function isPodTerminating(p: Pod): boolean {
  return !isPodTerminal(p) && !!p.metadata?.deletionTimestamp;
}

/**
 * Replacement pods are created only once a pod has reached phase Failed (not
 * merely terminating): podReplacementPolicy Failed, or any podFailurePolicy.
 */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;
}

/**
 * Whether the pod counts as failed (upstream isPodFailed): phase Failed, or —
 * unless only failed pods are replaced — deleted before succeeding, so orphans
 * that never reach a terminal phase are still accounted for.
 */
export function isPodFailed(p: Pod, job: Job): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

export function isPodReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * When the pod finished (upstream getFinishedTime): the latest container
 * finish when every container terminated, else the Ready=False transition,
 * else the deletion time minus its grace period, else creation.
 */
export function getFinishedTime(p: Pod): number {
  const fromContainers = latestFinish(p);
  if (fromContainers !== undefined) return fromContainers;
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'False' && time(ready.lastTransitionTime) > 0) return time(ready.lastTransitionTime);
  if (p.metadata?.deletionTimestamp) {
    return time(p.metadata.deletionTimestamp) - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  }
  return time(p.metadata?.creationTimestamp);
}

function latestFinish(p: Pod): number | undefined {
  let latest: number | undefined;
  const scan = (statuses: ContainerStatus[] | undefined) => {
    for (const cs of statuses ?? []) {
      const at = time(cs.state?.terminated?.finishedAt);
      if (at === 0) return false;
      if (latest === undefined || at > latest) latest = at;
    }
    return true;
  };
  if (!scan(p.status?.containerStatuses)) return undefined;
  // Sidecars (restartable init containers) finish after the regular containers.
  const sidecars = new Set(
    (p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name),
  );
  if (!scan((p.status?.initContainerStatuses ?? []).filter((s) => sidecars.has(s.name)))) return undefined;
  return latest;
}

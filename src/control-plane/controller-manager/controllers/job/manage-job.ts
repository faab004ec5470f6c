import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import { metaNamespaceKey } from '../../../../client/index.js';
import { newControllerRef } from '../replicaset/controller-ref.js';
import { isNamespaceTerminating } from '../replicaset/pod-control.js';
import type { JobSyncContext } from './job-context.js';
import { type JobDeps, jobSubject, maxPodCreateDeletePerSync } from './job-deps.js';
import {
  activePodsForRemoval,
  addCompletionIndexEnvVariables,
  firstPendingIndexes,
  indexBackoffFailures,
  newIndexFailureCounts,
  podGenerateNameWithIndex,
} from './indexed-job.js';
import {
  hasBackoffLimitPerIndex,
  isIndexedJob,
  isPodReady,
  JobCompletionIndexAnnotation,
  JobIndexFailureCountAnnotation,
  JobIndexIgnoredFailureCountAnnotation,
  JobTrackingFinalizer,
  jobSuspended,
  onlyReplaceFailedPods,
  removeTrackingFinalizerPatch,
} from './job-util.js';
import { remainingBackoffMs } from './pod-backoff.js';

export interface DeleteResult {
  /** Pods whose deletion succeeded (or that were already gone). */
  deleted: number;
  /** Of those, how many were ready. */
  deletedReady: number;
  error?: unknown;
}

async function settleAll<T>(items: readonly T[], fn: (t: T) => Promise<void>): Promise<void> {
  await Promise.all(items.map((t) => fn(t).catch(() => undefined)));
}

/**
 * Deletes active pods when the Job finishes, keeping their finalizers so
 * their outcome is still counted (upstream deleteActivePods).
 */
export async function deleteActivePods(d: JobDeps, job: Job, pods: readonly Pod[]): Promise<DeleteResult> {
  const r: DeleteResult = { deleted: pods.length, deletedReady: 0 };
  await settleAll(pods, async (pod) => {
    try {
      await d.podControl.deletePod(job.metadata!.namespace!, pod.metadata!.name!, jobSubject(job));
    } catch (err) {
      if (!isNotFound(err)) {
        r.deleted--;
        r.error ??= err;
      }
    }
    if (isPodReady(pod)) r.deletedReady++;
  });
  return r;
}

/**
 * Deletes surplus pods, removing the finalizer first: a pod deleted this way
 * is not a failure to count (upstream deleteJobPods). Deletions were
 * expected by the caller; a deletion that fails is un-expected here.
 */
export async function deleteJobPods(d: JobDeps, job: Job, key: string, pods: readonly Pod[]): Promise<DeleteResult> {
  const r: DeleteResult = { deleted: pods.length, deletedReady: 0 };
  const fail = (pod: Pod, err: unknown) => {
    d.expectations.deletionObserved(key, metaNamespaceKey(pod));
    if (isNotFound(err)) return;
    r.deleted--;
    r.error ??= err;
  };
  await settleAll(pods, async (pod) => {
    const ns = pod.metadata!.namespace!;
    const patch = removeTrackingFinalizerPatch(pod);
    if (patch) {
      try {
        await d.podControl.patchPod(ns, pod.metadata!.name!, patch);
      } catch (err) {
        fail(pod, isNotFound(err) ? err : new Error(`removing completion finalizer: ${String(err)}`, { cause: err }));
        return;
      }
    }
    try {
      await d.podControl.deletePod(job.metadata!.namespace!, pod.metadata!.name!, jobSubject(job));
    } catch (err) {
      fail(pod, err);
    }
    if (isPodReady(pod)) r.deletedReady++;
  });
  return r;
}

/**
 * Converges the number of active pods (upstream manageJob): a suspended Job
 * loses all of them; otherwise surplus pods (and, for Indexed Jobs, repeated
 * or out-of-range indexes) are deleted, or missing ones created in slow-start
 * batches once the pod-failure backoff has passed. Deleting and creating never
 * happen in the same sync. Returns the new active count.
 */
export async function manageJob(
  d: JobDeps,
  key: string,
  job: Job,
  ctx: JobSyncContext,
): Promise<{ active: number; error?: unknown }> {
  let active = ctx.activePods.length;
  const spec = job.spec!;
  const parallelism = spec.parallelism ?? 1;
  const remove = async (pods: Pod[]) => {
    d.expectations.expectDeletions(
      key,
      pods.map((p) => metaNamespaceKey(p)),
    );
    const r = await deleteJobPods(d, job, key, pods);
    active -= r.deleted;
    ctx.terminating += r.deleted;
    ctx.ready -= r.deletedReady;
    return { active, error: r.error };
  };
  if (jobSuspended(job)) return remove(activePodsForRemoval(job, ctx.activePods, active));

  let wantActive: number;
  if (spec.completions === undefined || spec.completions === null) {
    // Without completions, the first success means "let what runs finish, start nothing new".
    wantActive = ctx.succeeded > 0 ? active : parallelism;
  } else {
    wantActive = Math.max(0, Math.min(spec.completions - ctx.succeeded, parallelism));
  }
  const surplus = activePodsForRemoval(job, ctx.activePods, Math.max(0, active - wantActive)).slice(
    0,
    maxPodCreateDeletePerSync,
  );
  if (surplus.length > 0) return remove(surplus);

  const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
  let diff = wantActive - terminating - active;
  if (diff <= 0) return { active };
  const now = d.clock.now();
  const o = d.options;
  if (!hasBackoffLimitPerIndex(job)) {
    const rec = ctx.newBackoffRecord;
    const wait = remainingBackoffMs(
      rec.failuresAfterLastSuccess,
      rec.lastFailureTime,
      now,
      o.podFailureBackoffMs,
      o.maxPodFailureBackoffMs,
    );
    if (wait > 0) {
      d.enqueueAfter(key, wait);
      return { active };
    }
  }
  diff = Math.min(diff, maxPodCreateDeletePerSync);
  let indexes: number[] | undefined;
  if (isIndexedJob(job)) {
    indexes = firstPendingIndexes(ctx, diff, spec.completions ?? 0);
    if (hasBackoffLimitPerIndex(job)) {
      let minWait: number | undefined;
      indexes = indexes.filter((ix) => {
        const b = indexBackoffFailures(ctx.podsWithDelayedDeletionPerIndex.get(ix));
        const wait = remainingBackoffMs(
          b.failures,
          b.lastFailure,
          now,
          o.podFailureBackoffMs,
          o.maxPodFailureBackoffMs,
        );
        if (wait > 0 && (minWait === undefined || wait < minWait)) minWait = wait;
        return wait === 0;
      });
      if (indexes.length === 0 && minWait !== undefined) {
        d.enqueueAfter(key, minWait);
        return { active };
      }
    }
    diff = indexes.length;
  }
  if (diff === 0) return { active };
  return createPods(d, key, job, ctx, diff, indexes, active);
}

/** Creates `diff` pods in batches of 1, 2, 4, ...; stops after the first batch with a failure. */
async function createPods(
  d: JobDeps,
  key: string,
  job: Job,
  ctx: JobSyncContext,
  diff: number,
  indexes: number[] | undefined,
  active: number,
): Promise<{ active: number; error?: unknown }> {
  d.expectations.expectCreations(key, diff);
  active += diff;
  const base: PodTemplateSpec = structuredClone(job.spec?.template ?? {});
  if (indexes) addCompletionIndexEnvVariables(base);
  const meta = (base.metadata ??= {});
  if (!meta.finalizers?.includes(JobTrackingFinalizer))
    meta.finalizers = [...(meta.finalizers ?? []), JobTrackingFinalizer];
  const ref = newControllerRef(job, 'batch/v1', 'Job');
  const name = job.metadata!.name!;
  const ns = job.metadata!.namespace!;
  let error: unknown;
  let failures = 0;
  const createOne = async (ix: number | undefined) => {
    let template = base;
    let generateName: string | undefined;
    if (ix !== undefined) {
      template = structuredClone(base);
      const m = template.metadata!;
      m.annotations = { ...(m.annotations ?? {}), [JobCompletionIndexAnnotation]: String(ix) };
      m.labels = { ...(m.labels ?? {}), [JobCompletionIndexAnnotation]: String(ix) };
      template.spec = { ...template.spec!, hostname: `${name}-${ix}` };
      generateName = podGenerateNameWithIndex(name, ix);
      if (hasBackoffLimitPerIndex(job)) {
        const c = newIndexFailureCounts(job, ctx.podsWithDelayedDeletionPerIndex.get(ix));
        m.annotations[JobIndexFailureCountAnnotation] = String(c.counted);
        if (c.ignored > 0) m.annotations[JobIndexIgnoredFailureCountAnnotation] = String(c.ignored);
      }
    }
    try {
      await d.podControl.createPod(ns, template, jobSubject(job), name, ref, generateName);
    } catch (err) {
      // The namespace is going away: every further create fails too, nothing to report.
      if (isNamespaceTerminating(err)) return false;
      d.expectations.creationObserved(key);
      active--;
      failures++;
      error ??= err;
      d.log.warn('failed to create a pod for job', { job: key, err });
      return false;
    }
    return true;
  };
  let remaining = diff;
  for (let batch = Math.min(remaining, 1); remaining > 0; batch = Math.min(2 * batch, remaining)) {
    const failuresBefore = failures;
    const slice = Array.from({ length: batch }, () => indexes?.shift());
    await Promise.all(slice.map((ix) => createOne(ix)));
    const skipped = remaining - batch;
    if (failures > failuresBefore && skipped > 0) {
      // Pods never attempted will not be observed: stop expecting them, the next sync retries.
      active -= skipped;
      for (let i = 0; i < skipped; i++) d.expectations.creationObserved(key);
      break;
    }
    remaining -= batch;
  }
  return { active, error };
}

import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isInvalid, isNotFound } from '../../../../api/errors/status-error.js';
import { type LabelMatcher, selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import type { Lister, ResourceClient } from '../../../../client/index.js';
import { claimCandidates, controllerRefOf, newControllerRef } from '../replicaset/controller-ref.js';
import { JobTrackingFinalizer } from './job-util.js';

/**
 * The Job's pods (upstream getPodsForJob with a PodControllerRefManager that
 * carries the tracking finalizer): pods it controls that still match its
 * selector; matching orphans, adopted with the finalizer added; controlled
 * pods that stopped matching are released, finalizer included. Pods
 * controlled by others are never touched. Throws the first failure after
 * trying every pod.
 */
export async function claimJobPods(
  job: Job,
  pods: Lister<Pod>,
  podClient: ResourceClient<Pod>,
  jobClient: ResourceClient<Job>,
): Promise<Pod[]> {
  let selector: LabelMatcher;
  try {
    selector = selectorFromLabelSelector(job.spec?.selector);
  } catch (err) {
    throw new Error(`couldn't convert Job selector: ${String(err)}`, { cause: err });
  }
  const m = job.metadata!;
  const deleting = !!m.deletionTimestamp;
  const claimed: Pod[] = [];
  const errors: unknown[] = [];
  let recheck: Promise<void> | undefined;
  for (const pod of claimCandidates(pods, job)) {
    const pm = pod.metadata!;
    const ref = controllerRefOf(pod);
    const matches = selector.matches(pm.labels);
    try {
      if (ref) {
        if (ref.uid !== m.uid) continue;
        if (matches) claimed.push(pod);
        else if (!deleting) await releasePod(podClient, pod, m.uid!);
        continue;
      }
      if (deleting || !matches || pm.deletionTimestamp || pm.namespace !== m.namespace) continue;
      recheck ??= recheckJob(jobClient, job);
      await recheck;
      const adopted = await podClient.namespace(pm.namespace!).patch(pm.name!, 'strategic', {
        metadata: {
          ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
          uid: pm.uid,
          finalizers: [JobTrackingFinalizer],
        },
      });
      claimed.push(adopted);
    } catch (err) {
      if (!isNotFound(err)) errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
  return claimed;
}

async function releasePod(podClient: ResourceClient<Pod>, pod: Pod, jobUid: string): Promise<void> {
  const pm = pod.metadata!;
  try {
    await podClient.namespace(pm.namespace!).patch(pm.name!, 'strategic', {
      metadata: {
        ownerReferences: [{ $patch: 'delete', uid: jobUid }],
        uid: pm.uid,
        [`$deleteFromPrimitiveList/finalizers`]: [JobTrackingFinalizer],
      },
    });
  } catch (err) {
    // Invalid: the reference is already gone, or the pod was replaced (uid mismatch).
    if (!isInvalid(err)) throw err;
  }
}

/** Adoption must not race with the Job's deletion (upstream RecheckDeletionTimestamp). */
async function recheckJob(jobClient: ResourceClient<Job>, job: Job): Promise<void> {
  const m = job.metadata!;
  const fresh = await jobClient.namespace(m.namespace!).get(m.name!);
  if (fresh.metadata?.uid !== m.uid)
    throw new Error(`original Job ${m.namespace}/${m.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${m.uid}`);
  if (fresh.metadata?.deletionTimestamp)
    throw new Error(`${m.namespace}/${m.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
}

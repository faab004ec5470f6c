/**
 * Whether the kubelet runs a pod it was just given (upstream `canAdmitPod`
 * over its admit handlers, in registration order): the eviction manager
 * first (no new pods under node pressure), then the predicates
 * (predicate-admission.ts). A rejected pod never starts: its status becomes
 * phase Failed with the handler's reason and `Pod was rejected: <message>`
 * (upstream `rejectPod`), and a Warning event with the same reason.
 */
import type { Node, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { qosClass } from '../eviction/ranking.js';
import { admitByPredicates, type AdmitResult } from './predicate-admission.js';

export interface PodAdmissionSources {
  /** The eviction manager's admit handler. */
  eviction(pod: Pod): AdmitResult;
  /** The node as last seen (informer), or as registered. */
  node(): Node;
  /** The node read from the API now (used when only node affinity failed). */
  refreshNode?(): Promise<Node | undefined>;
}

export async function admitPod(src: PodAdmissionSources, pod: Pod, activePods: Pod[]): Promise<AdmitResult> {
  const uid = pod.metadata?.uid;
  const others = activePods.filter((p) => p.metadata?.uid !== uid);
  const byEviction = src.eviction(pod);
  if (!byEviction.admit) return byEviction;
  return admitByPredicates(pod, src.node(), others, src.refreshNode);
}

/** The whole status a rejected pod gets (the kubelet writes nothing else for it). */
export function rejectedPodStatus(pod: Pod, reason: string, message: string): PodStatus {
  return {
    phase: 'Failed',
    reason,
    message: `Pod was rejected: ${message}`,
    qosClass: pod.status?.qosClass ?? qosClass(pod),
  };
}

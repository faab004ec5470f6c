import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import type { KubeObject, ResourceClient } from '../../../../client/index.js';
import { isPodAvailable, isPodReady } from './pod-ranking.js';

/** A ReplicaSet or ReplicationController condition (same shape in apps/v1 and v1). */
export interface ReplicaCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
}

/** What the replica core needs of a ReplicaSet or ReplicationController. */
export interface ReplicaOwner extends KubeObject {
  spec?: { replicas?: number; minReadySeconds?: number; template?: PodTemplateSpec; selector?: unknown };
  status?: ReplicaStatus;
}

export const ReplicaFailure = 'ReplicaFailure';

export function desiredReplicas(o: ReplicaOwner): number {
  return o.spec?.replicas ?? 1;
}

/** Upstream SetCondition: no-op when status and reason are unchanged; otherwise replaces the condition of that type. */
export function setCondition(status: ReplicaStatus, cond: ReplicaCondition): void {
  const cur = status.conditions?.find((c) => c.type === cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

export function removeCondition(status: ReplicaStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}

/**
 * The status a sync observed (upstream calculateStatus): counts over the
 * active owned pods — all, those carrying every template label, ready, and
 * available for minReadySeconds — plus the ReplicaFailure condition while
 * creating or deleting pods fails.
 */
export function calculateStatus(
  owner: ReplicaOwner,
  pods: readonly Pod[],
  manageError: unknown,
  nowMs: number,
): ReplicaStatus {
  const status: ReplicaStatus = structuredClone(owner.status ?? { replicas: 0 });
  const templateLabels = Object.entries(owner.spec?.template?.metadata?.labels ?? {});
  const minReady = owner.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    const labels = p.metadata?.labels ?? {};
    if (templateLabels.every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, nowMs)) available++;
    }
  }
  const failure = status.conditions?.find((c) => c.type === ReplicaFailure);
  if (manageError !== undefined && !failure) {
    const diff = pods.length - desiredReplicas(owner);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const message = manageError instanceof Error ? manageError.message : String(manageError);
    setCondition(status, {
      type: ReplicaFailure,
      status: 'True',
      lastTransitionTime: formatTime(nowMs),
      reason,
      message,
    });
  } else if (manageError === undefined && failure) {
    removeCondition(status, ReplicaFailure);
  }
  status.replicas = pods.length;
  status.fullyLabeledReplicas = fullyLabeled;
  status.readyReplicas = ready;
  status.availableReplicas = available;
  return status;
}

const sameConditions = (a: ReplicaCondition[] | undefined, b: ReplicaCondition[] | undefined) =>
  JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * Writes `status` unless nothing changed (upstream updateReplicaSetStatus),
 * stamping observedGeneration with the generation acted on. One retry after a
 * conflict, with the object re-read; returns the object as written.
 */
export async function updateReplicaStatus<T extends ReplicaOwner>(
  client: ResourceClient<T>,
  owner: T,
  status: ReplicaStatus,
): Promise<T> {
  const cur = owner.status;
  const generation = owner.metadata?.generation ?? 0;
  if (
    (cur?.replicas ?? 0) === status.replicas &&
    (cur?.fullyLabeledReplicas ?? 0) === (status.fullyLabeledReplicas ?? 0) &&
    (cur?.readyReplicas ?? 0) === (status.readyReplicas ?? 0) &&
    (cur?.availableReplicas ?? 0) === (status.availableReplicas ?? 0) &&
    generation === (cur?.observedGeneration ?? 0) &&
    sameConditions(cur?.conditions, status.conditions)
  ) {
    return owner;
  }
  const next: ReplicaStatus = { ...status, observedGeneration: generation };
  const ns = client.namespace(owner.metadata!.namespace!);
  let obj = owner;
  for (let i = 0; ; i++) {
    try {
      return await ns.updateStatus({ ...obj, status: next } as T);
    } catch (err) {
      if (i >= 1) throw err;
      obj = await ns.get(owner.metadata!.name!);
    }
  }
}

import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { scaledValueFromIntOrPercent } from '../../../../api/values/int-or-string.js';
import { newControllerRevision } from '../history/controller-history.js';
import { applyTemplatePatch, templatePatch } from '../history/template-patch.js';
import { newControllerRef } from '../replicaset/controller-ref.js';
import { podFromTemplate } from '../replicaset/pod-control.js';
import { isPodAvailable, isPodReady } from '../replicaset/pod-ranking.js';

/** Label with the pod's own name, for per-pod Services (apps.StatefulSetPodNameLabel). */
export const StatefulSetPodNameLabel = 'statefulset.kubernetes.io/pod-name';
/** Label with the pod's ordinal (apps.PodIndexLabel; PodIndexLabel is GA in 1.32). */
export const PodIndexLabel = 'apps.kubernetes.io/pod-index';
/** Label with the name of the ControllerRevision the pod was made from (apps.StatefulSetRevisionLabel). */
export const StatefulSetRevisionLabel = 'controller-revision-hash';

export const statefulSetApiVersion = 'apps/v1';
export const statefulSetKind = 'StatefulSet';

const statefulPodRegex = /^(.*)-([0-9]+)$/;

/** The parent set's name and the ordinal encoded in a pod's name; ordinal -1 when there is none (upstream getParentNameAndOrdinal). */
export function parentNameAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = statefulPodRegex.exec(pod.metadata?.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  // Go's ParseInt(s, 10, 32): out-of-range ordinals do not parse.
  return { parent: m[1]!, ordinal: n <= 2 ** 31 - 1 ? n : -1 };
}

export const getOrdinal = (pod: Pod): number => parentNameAndOrdinal(pod).ordinal;

/** spec.ordinals.start, 0 when unset. */
export const getStartOrdinal = (set: StatefulSet): number => set.spec?.ordinals?.start ?? 0;

export const replicasOf = (set: StatefulSet): number => set.spec?.replicas ?? 1;

/** The last ordinal the set should have (inclusive). */
export const getEndOrdinal = (set: StatefulSet): number => getStartOrdinal(set) + replicasOf(set) - 1;

export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const o = getOrdinal(pod);
  return o >= getStartOrdinal(set) && o <= getEndOrdinal(set);
}

export const getPodName = (set: StatefulSet, ordinal: number): string => `${set.metadata!.name}-${ordinal}`;

/** `<template>-<set>-<ordinal>`. */
export const getPersistentVolumeClaimName = (set: StatefulSet, claimName: string, ordinal: number): string =>
  `${claimName}-${set.metadata!.name}-${ordinal}`;

export const isMemberOf = (set: StatefulSet, pod: Pod): boolean =>
  parentNameAndOrdinal(pod).parent === set.metadata?.name;

/** The pod has the name, namespace and pod-name label of a member of `set`. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentNameAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    set.metadata?.name === parent &&
    pod.metadata?.name === getPodName(set, ordinal) &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    pod.metadata?.labels?.[StatefulSetPodNameLabel] === pod.metadata?.name
  );
}

/** Every volume claim template is mounted from the pod's own claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const claim of set.spec?.volumeClaimTemplates ?? []) {
    const v = volumes.get(claim.metadata?.name ?? '');
    if (v?.persistentVolumeClaim?.claimName !== getPersistentVolumeClaimName(set, claim.metadata?.name ?? '', ordinal))
      return false;
  }
  return true;
}

/**
 * The claims the pod needs, by template name: the template with the pod's
 * claim name, the set's namespace, and the template labels plus the set's
 * matchLabels (upstream getPersistentVolumeClaims).
 */
export function getPersistentVolumeClaims(set: StatefulSet, pod: Pod): Map<string, PersistentVolumeClaim> {
  const ordinal = getOrdinal(pod);
  const out = new Map<string, PersistentVolumeClaim>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const templateName = t.metadata?.name ?? '';
    const { creationTimestamp: _ct, ...meta } = structuredClone(t.metadata ?? {});
    const matchLabels = set.spec?.selector?.matchLabels;
    const labels = meta.labels ? { ...meta.labels, ...matchLabels } : matchLabels ? { ...matchLabels } : undefined;
    const claim: PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        ...meta,
        name: getPersistentVolumeClaimName(set, templateName, ordinal),
        namespace: set.metadata?.namespace,
      },
      spec: structuredClone(t.spec ?? {}),
    };
    if (labels) claim.metadata!.labels = labels;
    else delete claim.metadata!.labels;
    out.set(templateName, claim);
  }
  return out;
}

/** Mounts the pod's claims under the template names, replacing same-named volumes (upstream updateStorage). */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = getPersistentVolumeClaims(set, pod);
  if (claims.size === 0 && !pod.spec?.volumes) return;
  const volumes: Volume[] = [];
  for (const [name, claim] of claims)
    volumes.push({ name, persistentVolumeClaim: { claimName: claim.metadata!.name!, readOnly: false } });
  for (const v of pod.spec?.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  pod.spec = { ...pod.spec!, volumes };
}

/** Name, namespace, pod-name and pod-index labels (upstream updateIdentity). */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = getOrdinal(pod);
  const meta = (pod.metadata ??= {});
  meta.name = getPodName(set, ordinal);
  meta.namespace = set.metadata?.namespace;
  meta.labels = { ...meta.labels, [StatefulSetPodNameLabel]: meta.name, [PodIndexLabel]: String(ordinal) };
}

/** updateIdentity plus the hostname and subdomain, which are immutable and set only at creation. */
export function initIdentity(set: StatefulSet, pod: Pod): void {
  updateIdentity(set, pod);
  pod.spec = { ...pod.spec!, hostname: pod.metadata!.name };
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
}

export const isCreated = (pod: Pod): boolean => !!pod.status?.phase;
export const isPending = (pod: Pod): boolean => pod.status?.phase === 'Pending';
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
export const isTerminating = (pod: Pod): boolean => !!pod.metadata?.deletionTimestamp;
export const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, nowMs: number): boolean =>
  isPodAvailable(pod, minReadySeconds, nowMs);
/** Not available, or terminating. */
export const isUnavailable = (pod: Pod, minReadySeconds: number, nowMs: number): boolean =>
  !isRunningAndAvailable(pod, minReadySeconds, nowMs) || isTerminating(pod);

/** Parallel pod management: create and delete without waiting for order. */
export const allowsBurst = (set: StatefulSet): boolean => set.spec?.podManagementPolicy === 'Parallel';

export function setPodRevision(pod: Pod, revision: string): void {
  const meta = (pod.metadata ??= {});
  meta.labels = { ...meta.labels, [StatefulSetRevisionLabel]: revision };
}

export const getPodRevision = (pod: Pod): string => pod.metadata?.labels?.[StatefulSetRevisionLabel] ?? '';

/** A pod for `ordinal` from the set's template, with identity and storage (upstream newStatefulSetPod). */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const pod = podFromTemplate(
    set.spec?.template,
    set.metadata!.name!,
    newControllerRef(set, statefulSetApiVersion, statefulSetKind),
  );
  pod.metadata!.name = getPodName(set, ordinal);
  initIdentity(set, pod);
  updateStorage(set, pod);
  return pod;
}

/**
 * The pod for `ordinal` at the revision it should have: below the partition
 * (or below the current replica count when RollingUpdate has no
 * rollingUpdate block) the current revision, else the update revision.
 * Mirrors upstream newVersionedStatefulSetPod, operator precedence included.
 */
export function newVersionedStatefulSetPod(
  currentSet: StatefulSet,
  updateSet: StatefulSet,
  currentRevision: string,
  updateRevision: string,
  ordinal: number,
): Pod {
  const strategy = currentSet.spec?.updateStrategy;
  const start = getStartOrdinal(currentSet);
  const ru = strategy?.rollingUpdate;
  const useCurrent =
    (strategy?.type === 'RollingUpdate' && !ru && ordinal < start + (currentSet.status?.currentReplicas ?? 0)) ||
    (!!ru && ordinal < start + (ru.partition ?? 0));
  const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal);
  setPodRevision(pod, useCurrent ? currentRevision : updateRevision);
  return pod;
}

/**
 * A revision recording the set's template, annotated with the set's
 * annotations (so `kubectl rollout history` shows change-cause) (upstream newRevision).
 */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const cr = newControllerRevision(
    set,
    statefulSetApiVersion,
    statefulSetKind,
    set.spec?.template?.metadata?.labels,
    templatePatch(set),
    revision,
    collisionCount,
  );
  const annotations = set.metadata?.annotations;
  if (annotations && Object.keys(annotations).length > 0) cr.metadata!.annotations = { ...annotations };
  return cr;
}

/** The set as it was at `revision` (its template restored) (upstream ApplyRevision). */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  return applyTemplatePatch(set, revision.data);
}

/** The computed status differs from the recorded one (upstream inconsistentStatus). */
export function inconsistentStatus(set: StatefulSet, status: StatefulSetStatus): boolean {
  const s = set.status;
  return (
    (status.observedGeneration ?? 0) > (s?.observedGeneration ?? 0) ||
    status.replicas !== (s?.replicas ?? 0) ||
    (status.currentReplicas ?? 0) !== (s?.currentReplicas ?? 0) ||
    (status.readyReplicas ?? 0) !== (s?.readyReplicas ?? 0) ||
    (status.updatedReplicas ?? 0) !== (s?.updatedReplicas ?? 0) ||
    (status.currentRevision ?? '') !== (s?.currentRevision ?? '') ||
    (status.availableReplicas ?? 0) !== (s?.availableReplicas ?? 0) ||
    (status.updateRevision ?? '') !== (s?.updateRevision ?? '')
  );
}

/** Once every replica is updated and ready, the update revision becomes the current one (upstream completeRollingUpdate). */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  const want = replicasOf(set);
  if (
    set.spec?.updateStrategy?.type === 'RollingUpdate' &&
    status.updatedReplicas === want &&
    status.readyReplicas === want &&
    status.replicas === want
  ) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

/** maxUnavailable resolved against the replica count, rounded down but at least 1 (upstream getStatefulSetMaxUnavailable). */
export function getStatefulSetMaxUnavailable(set: StatefulSet): number {
  const v = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  return Math.max(1, scaledValueFromIntOrPercent(v, replicasOf(set), false));
}

/** Descending ordinal (pods without an ordinal last). */
export const byDescendingOrdinal = (a: Pod, b: Pod): number => getOrdinal(b) - getOrdinal(a);

/** Recounts replicas, ready, available, current and updated pods over the given lists (upstream updateStatus). */
export function countReplicas(
  status: StatefulSetStatus,
  minReadySeconds: number,
  now: number,
  currentRevision: string,
  updateRevision: string,
  ...lists: readonly Pod[][]
): void {
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const list of lists) {
    for (const pod of list) {
      if (isCreated(pod)) replicas++;
      if (isRunningAndReady(pod)) {
        ready++;
        if (isRunningAndAvailable(pod, minReadySeconds, now)) available++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        const rev = getPodRevision(pod);
        if (rev === currentRevision) current++;
        if (rev === updateRevision) updated++;
      }
    }
  }
  Object.assign(status, {
    replicas,
    readyReplicas: ready,
    availableReplicas: available,
    currentReplicas: current,
    updatedReplicas: updated,
  });
}

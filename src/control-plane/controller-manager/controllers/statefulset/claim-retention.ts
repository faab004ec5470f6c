import type { StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { newControllerRef } from '../replicaset/controller-ref.js';
import { podInOrdinalRange, statefulSetApiVersion, statefulSetKind } from './stateful-set-utils.js';

/**
 * PVC ownership for `persistentVolumeClaimRetentionPolicy` (upstream
 * stateful_set_utils.go, StatefulSetAutoDeletePVC GA in 1.32): the garbage
 * collector deletes a claim once its controller owner is gone, so the policy
 * is expressed as which owner references a claim carries:
 *
 *   whenScaled Retain, whenDeleted Retain: none
 *   whenScaled Retain, whenDeleted Delete: the set
 *   whenScaled Delete, whenDeleted Retain: the pod, once the pod is scaled away
 *   whenScaled Delete, whenDeleted Delete: the pod once scaled away, else the set
 */

type Owner = { metadata?: ObjectMeta };
type OwnerKind = { apiVersion: string; kind: string };

const setKind: OwnerKind = { apiVersion: statefulSetApiVersion, kind: statefulSetKind };
const podKind: OwnerKind = { apiVersion: 'v1', kind: 'Pod' };

/** The policy with Retain for anything unset. */
export function retentionPolicy(set: StatefulSet): Required<StatefulSetPersistentVolumeClaimRetentionPolicy> {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted || 'Retain', whenScaled: p?.whenScaled || 'Retain' };
}

/** The reference names this object with this kind (UID not compared). */
function matchesRef(ref: OwnerReference, obj: Owner, k: OwnerKind): boolean {
  return ref.apiVersion === k.apiVersion && ref.kind === k.kind && ref.name === obj.metadata?.name;
}

/** The claim has a reference to `owner`'s UID, controller or not. */
export function hasOwnerRef(target: Owner, owner: Owner): boolean {
  const uid = owner.metadata?.uid;
  return (target.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
}

/** A reference naming `obj` carries another UID: it points at an earlier object of that name. */
export function hasStaleOwnerRef(target: PersistentVolumeClaim, obj: Owner, k: OwnerKind): boolean {
  const ref = (target.metadata?.ownerReferences ?? []).find((r) => matchesRef(r, obj, k));
  return ref !== undefined && ref.uid !== (obj.metadata?.uid ?? '');
}

export const hasStaleSetRef = (claim: PersistentVolumeClaim, set: StatefulSet) => hasStaleOwnerRef(claim, set, setKind);
export const hasStalePodRef = (claim: PersistentVolumeClaim, pod: Pod) => hasStaleOwnerRef(claim, pod, podKind);

/**
 * With a non-Retain policy, some other object controls the claim (or a
 * reference to our set or pod has the wrong UID): the claim is left alone.
 */
export function hasUnexpectedController(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const p = retentionPolicy(set);
  if (p.whenScaled === 'Retain' && p.whenDeleted === 'Retain') return false;
  for (const ref of claim.metadata?.ownerReferences ?? []) {
    if (matchesRef(ref, set, setKind)) {
      if (ref.uid !== set.metadata?.uid) return true;
      continue;
    }
    if (matchesRef(ref, pod, podKind)) {
      if (ref.uid !== pod.metadata?.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

/** The set or pod owns the claim without being its controller. */
function hasNonControllerOwner(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  return (claim.metadata?.ownerReferences ?? []).some(
    (r) => (r.uid === set.metadata?.uid || r.uid === pod.metadata?.uid) && r.controller !== true,
  );
}

/**
 * The claim's references already express the policy (upstream
 * isClaimOwnerUpToDate). Claims in an unknown state (stale references, other
 * controllers without ours) count as up to date so they are not touched.
 */
export function isClaimOwnerUpToDate(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  if (hasStaleOwnerRef(claim, set, setKind) || hasStaleOwnerRef(claim, pod, podKind)) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const p = retentionPolicy(set);
  const setRef = hasOwnerRef(claim, set);
  const podRef = hasOwnerRef(claim, pod);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (p.whenScaled === 'Delete' && p.whenDeleted === 'Delete') return scaledDown !== setRef && scaledDown === podRef;
  if (p.whenScaled === 'Delete') return !setRef && scaledDown === podRef;
  if (p.whenDeleted === 'Delete') return setRef && !podRef;
  return !setRef && !podRef;
}

/** Adds `owner` as controller unless a reference to its UID is already there. */
function addControllerRef(refs: OwnerReference[], owner: Owner, k: OwnerKind): OwnerReference[] {
  if (refs.some((r) => r.uid === owner.metadata?.uid)) return refs;
  return [...refs, newControllerRef(owner, k.apiVersion, k.kind)];
}

/**
 * Rewrites the claim's references to our set and pod to express the policy
 * (upstream updateClaimOwnerRefForSetAndPod); with an unexpected controller
 * ours are only removed. Mutates `claim` (pass a copy).
 */
export function updateClaimOwnerRefForSetAndPod(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): void {
  const unexpected = hasUnexpectedController(claim, set, pod);
  let refs = (claim.metadata?.ownerReferences ?? []).filter(
    (r) => !matchesRef(r, set, setKind) && !matchesRef(r, pod, podKind),
  );
  if (!unexpected) {
    const p = retentionPolicy(set);
    const scaledDown = !podInOrdinalRange(pod, set);
    if (p.whenScaled === 'Delete' && scaledDown) refs = addControllerRef(refs, pod, podKind);
    if (p.whenDeleted === 'Delete' && (p.whenScaled !== 'Delete' || !scaledDown))
      refs = addControllerRef(refs, set, setKind);
  }
  const meta = (claim.metadata ??= {});
  if (refs.length > 0) meta.ownerReferences = refs;
  else delete meta.ownerReferences;
}

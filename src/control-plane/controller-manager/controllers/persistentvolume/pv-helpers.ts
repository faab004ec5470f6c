/**
 * Volume/claim matching shared by the persistentvolume-binder controller
 * (upstream component-helpers `storage/volume/pv_helpers.go` and the
 * controller's access-mode index). Pure functions over API objects.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { Quantity } from '../../../../api/quantity/quantity.js';
import { selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';

/** The claim has been bound by the controller at least once (claim annotation). */
export const AnnBindCompleted = 'pv.kubernetes.io/bind-completed';
/** The binding (claimRef / volumeName) was written by the controller, not the user. */
export const AnnBoundByController = 'pv.kubernetes.io/bound-by-controller';
/** On a PV: the provisioner that created it. */
export const AnnDynamicallyProvisioned = 'pv.kubernetes.io/provisioned-by';
/** On a claim: the node the scheduler picked for a WaitForFirstConsumer claim. */
export const AnnSelectedNode = 'volume.kubernetes.io/selected-node';
/** On a claim: the provisioner asked to provision it (and its beta twin). */
export const AnnStorageProvisioner = 'volume.kubernetes.io/storage-provisioner';
export const AnnBetaStorageProvisioner = 'volume.beta.kubernetes.io/storage-provisioner';
export const AnnBetaStorageClass = 'volume.beta.kubernetes.io/storage-class';
export const NotSupportedProvisioner = 'kubernetes.io/no-provisioner';

/** The claim's class: the beta annotation wins over spec.storageClassName; '' when none. */
export function claimClass(pvc: PersistentVolumeClaim): string {
  const ann = pvc.metadata?.annotations?.[AnnBetaStorageClass];
  if (ann !== undefined) return ann;
  return pvc.spec?.storageClassName ?? '';
}

/** The claim names a class at all (even ''), so no default class is assigned. */
export function claimHasClass(pvc: PersistentVolumeClaim): boolean {
  return pvc.metadata?.annotations?.[AnnBetaStorageClass] !== undefined || pvc.spec?.storageClassName != null;
}

export function volumeClass(pv: PersistentVolume): string {
  const ann = pv.metadata?.annotations?.[AnnBetaStorageClass];
  if (ann !== undefined) return ann;
  return pv.spec?.storageClassName ?? '';
}

/** The claim's class delays binding until a pod uses it (WaitForFirstConsumer). */
export function isDelayBindingMode(pvc: PersistentVolumeClaim, getClass: (name: string) => StorageClass | undefined) {
  const name = claimClass(pvc);
  if (!name) return false;
  return getClass(name)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** The scheduler picked a node for this delayed claim, so it may now be provisioned. */
export function isDelayBindingProvisioning(pvc: PersistentVolumeClaim): boolean {
  return pvc.metadata?.annotations?.[AnnSelectedNode] !== undefined;
}

/** The volume's claimRef names this claim (and its UID, when the ref carries one). */
export function isVolumeBoundToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

const storageOf = (q: string | undefined) => Quantity.tryParse(q ?? '0') ?? Quantity.parse('0');

export function requestedStorage(pvc: PersistentVolumeClaim): Quantity {
  return storageOf(pvc.spec?.resources?.requests?.storage);
}

export function volumeStorage(pv: PersistentVolume): Quantity {
  return storageOf(pv.spec?.capacity?.storage);
}

/** Filesystem unless set; a claim and volume must agree. */
export function volumeModeMismatch(pvc: PersistentVolumeClaim, pv: PersistentVolume): boolean {
  return (pvc.spec?.volumeMode ?? 'Filesystem') !== (pv.spec?.volumeMode ?? 'Filesystem');
}

/** Every access mode the claim asks for is offered by the volume. */
export function accessModesSatisfied(pvc: PersistentVolumeClaim, pv: PersistentVolume): boolean {
  const offered = new Set(pv.spec?.accessModes ?? []);
  return (pvc.spec?.accessModes ?? []).every((m) => offered.has(m));
}

/**
 * Why a volume the claim asked for by name cannot serve it, or undefined
 * (upstream checkVolumeSatisfyClaim; messages verbatim).
 */
export function checkVolumeSatisfyClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): string | undefined {
  if (pv.metadata?.deletionTimestamp) return `the volume is marked for deletion "${pv.metadata.name}"`;
  if (volumeStorage(pv).value() < requestedStorage(pvc).value()) return 'requested PV is too small';
  if (volumeClass(pv) !== claimClass(pvc)) return 'storageClassName does not match';
  if (volumeModeMismatch(pvc, pv)) return 'incompatible volumeMode';
  if (!accessModesSatisfied(pvc, pv)) return 'incompatible accessMode';
  return undefined;
}

/**
 * The best volume for the claim among `volumes` (upstream FindMatchingVolume
 * with node == nil, i.e. the controller's path): a volume already pre-bound
 * to the claim wins outright; otherwise the smallest Available volume of the
 * claim's class whose labels match its selector and that is large enough.
 * With `delayBinding`, only pre-bound volumes are taken: choosing among
 * unbound ones is the scheduler's job, which knows the node.
 */
export function findMatchingVolume(
  pvc: PersistentVolumeClaim,
  volumes: readonly PersistentVolume[],
  delayBinding: boolean,
): PersistentVolume | undefined {
  const want = requestedStorage(pvc);
  const cls = claimClass(pvc);
  const selector = pvc.spec?.selector ? selectorFromLabelSelector(pvc.spec.selector) : undefined;
  let best: PersistentVolume | undefined;
  let bestSize: Quantity | undefined;
  for (const pv of volumes) {
    if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, pvc)) continue;
    const size = volumeStorage(pv);
    if (size.cmp(want) < 0) continue;
    if (volumeModeMismatch(pvc, pv)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    if (isVolumeBoundToClaim(pv, pvc)) return pv;
    if (delayBinding) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(pv.metadata?.labels)) continue;
    if (volumeClass(pv) !== cls) continue;
    if (!bestSize || bestSize.cmp(size) > 0) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}

/**
 * The controller's choice for a claim (upstream persistentVolumeOrderedIndex
 * findBestMatchForClaim): volumes are grouped by their access-mode set; only
 * sets containing every requested mode are considered, the smallest sets
 * first, and the first group with a match wins — so a claim for RWO prefers
 * an RWO-only volume over a larger-mode one of equal size.
 */
export function findBestMatchForClaim(
  pvc: PersistentVolumeClaim,
  volumes: readonly PersistentVolume[],
  delayBinding: boolean,
): PersistentVolume | undefined {
  const groups = new Map<string, PersistentVolume[]>();
  for (const pv of volumes) {
    if (!accessModesSatisfied(pvc, pv)) continue;
    const key = [...new Set(pv.spec?.accessModes ?? [])].sort().join(',');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(pv);
  }
  const ordered = [...groups.entries()].sort(
    (a, b) => a[0].split(',').length - b[0].split(',').length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  for (const [, group] of ordered) {
    const pv = findMatchingVolume(pvc, group, delayBinding);
    if (pv) return pv;
  }
  return undefined;
}

export const AnnIsDefaultClass = 'storageclass.kubernetes.io/is-default-class';
const AnnBetaIsDefaultClass = 'storageclass.beta.kubernetes.io/is-default-class';

/** The cluster's default class: of those annotated default, the newest, then by name (upstream GetDefaultClass). */
export function defaultClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const created = (c: StorageClass) => Date.parse(c.metadata?.creationTimestamp ?? '') || 0;
  const name = (c: StorageClass) => c.metadata?.name ?? '';
  return classes
    .filter((c) => {
      const a = c.metadata?.annotations ?? {};
      return a[AnnIsDefaultClass] === 'true' || a[AnnBetaIsDefaultClass] === 'true';
    })
    .sort((a, b) => created(b) - created(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0))[0];
}

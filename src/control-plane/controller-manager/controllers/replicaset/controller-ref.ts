import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isInvalid, isNotFound } from '../../../../api/errors/status-error.js';
import type { LabelMatcher } from '../../../../api/selectors/label-selector.js';
import type { KubeObject, ResourceClient } from '../../../../client/index.js';

/** The owner reference marked `controller: true`, if any (upstream metav1.GetControllerOf). */
export function controllerRefOf(obj: KubeObject | undefined): OwnerReference | undefined {
  return obj?.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** A controller reference to `owner` (upstream metav1.NewControllerRef). */
export function newControllerRef(owner: { metadata?: ObjectMeta }, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata!.name!,
    uid: owner.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Index of objects by controller UID; objects without a controller are indexed as `orphan:<namespace>`. */
export const ControllerIndex = 'controllerUid';

export function controllerIndexFunc(obj: KubeObject): string[] {
  const ref = controllerRefOf(obj);
  return [ref ? ref.uid : `orphan:${obj.metadata?.namespace ?? ''}`];
}

/**
 * The objects a claim must look at for `owner`: those it controls and the
 * orphans of its namespace (objects controlled by others are never claimed),
 * without scanning the whole namespace.
 */
export function claimCandidates<T extends KubeObject>(
  lister: { byIndex(index: string, value: string): T[] },
  owner: KubeObject,
): T[] {
  return [
    ...lister.byIndex(ControllerIndex, owner.metadata!.uid!),
    ...lister.byIndex(ControllerIndex, `orphan:${owner.metadata!.namespace ?? ''}`),
  ];
}

/** Strategic merge patch that makes `owner` the controller of the object with `uid` (upstream ownerRefControllerPatch). */
export function adoptPatch(ref: OwnerReference, uid: string): unknown {
  return { metadata: { ownerReferences: [ref], uid } };
}

/** Strategic merge patch removing the reference to `ownerUid` (upstream GenerateDeleteOwnerRefStrategicMergeBytes). */
export function releasePatch(ownerUid: string, uid: string): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid } };
}

export interface ClaimOptions<T extends KubeObject> {
  /** The would-be controller, as cached. */
  owner: KubeObject;
  ownerRef: OwnerReference;
  selector: LabelMatcher;
  /** Where adopt/release patches go (the claimed objects' resource). */
  client: ResourceClient<T>;
  /**
   * Re-reads the owner from the API (not the cache) and throws when it is gone
   * or being deleted: adoption must not race with the owner's deletion
   * (upstream RecheckDeletionTimestamp). Called at most once per claim.
   */
  recheckOwner: () => Promise<void>;
  /** Extra condition an object must meet to be adopted (e.g. not terminating). */
  filter?: (obj: T) => boolean;
}

/**
 * Reconciles ControllerRefs (upstream `BaseControllerRefManager.ClaimObject`):
 * objects we control that still match are kept; those that no longer match
 * are released (unless we are being deleted); matching orphans are adopted;
 * objects controlled by others are left alone. Returns the objects now owned,
 * and throws the first failure after trying every object.
 */
export async function claimObjects<T extends KubeObject>(objs: readonly T[], o: ClaimOptions<T>): Promise<T[]> {
  const ownerUid = o.owner.metadata?.uid;
  const ownerDeleting = !!o.owner.metadata?.deletionTimestamp;
  const match = (obj: T) => o.selector.matches(obj.metadata?.labels) && (o.filter?.(obj) ?? true);
  let recheck: Promise<void> | undefined;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  for (const obj of objs) {
    const ref = controllerRefOf(obj);
    const meta = obj.metadata!;
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (match(obj)) {
          claimed.push(obj);
          continue;
        }
        if (ownerDeleting) continue;
        try {
          await o.client.namespace(meta.namespace!).patch(meta.name!, 'strategic', releasePatch(ownerUid!, meta.uid!));
        } catch (err) {
          // Invalid: the reference is already gone, or the object was replaced (uid mismatch).
          if (!isInvalid(err)) throw err;
        }
        continue;
      }
      if (ownerDeleting || !match(obj) || meta.deletionTimestamp) continue;
      if (o.owner.metadata?.namespace && o.owner.metadata.namespace !== meta.namespace) continue;
      recheck ??= o.recheckOwner();
      await recheck;
      const adopted = await o.client
        .namespace(meta.namespace!)
        .patch(meta.name!, 'strategic', adoptPatch(o.ownerRef, meta.uid!));
      claimed.push(adopted);
    } catch (err) {
      // Gone: nothing to claim or release. Anything else (someone else adopted it first, a
      // transient failure) is retried by the caller's next sync.
      if (isNotFound(err)) continue;
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
  return claimed;
}

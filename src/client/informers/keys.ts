import type { KubeObject } from '../resource-client.js';

/**
 * The final state of an object whose deletion the informer did not see: it
 * vanished between a watch break and the relist that followed. Delete
 * handlers receive this instead of the object (client-go
 * `cache.DeletedFinalStateUnknown`); `obj` is the last state the cache had,
 * possibly stale.
 */
export class DeletedFinalStateUnknown<T = KubeObject> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

/** `namespace/name`, or `name` for cluster-scoped objects (client-go MetaNamespaceKeyFunc). */
export function metaNamespaceKey(obj: KubeObject | DeletedFinalStateUnknown<unknown>): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Splits a key made by metaNamespaceKey; throws on more than one `/`. */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0]! };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new Error(`unexpected key format: ${JSON.stringify(key)}`);
}

/** The object out of a delete notification, whether or not it is a tombstone. */
export function objectOf<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

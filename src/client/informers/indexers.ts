import type { KubeObject } from '../resource-client.js';

/** Index values of an object; an object may appear under several values (or none). */
export type IndexFunc<T> = (obj: T) => string[];
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** client-go `cache.NamespaceIndex`. */
export const NamespaceIndex = 'namespace';
/** Objects by the UIDs of their owners (`metadata.ownerReferences[].uid`). */
export const OwnerUidIndex = 'ownerUid';
/** Pods by `spec.nodeName` (unscheduled pods are not indexed). */
export const NodeNameIndex = 'nodeName';

export const namespaceIndexFunc: IndexFunc<KubeObject> = (obj) => {
  const ns = obj.metadata?.namespace;
  return ns ? [ns] : [];
};

export const ownerUidIndexFunc: IndexFunc<KubeObject> = (obj) =>
  (obj.metadata?.ownerReferences ?? []).map((r) => r.uid).filter((u): u is string => !!u);

export const nodeNameIndexFunc: IndexFunc<KubeObject & { spec?: { nodeName?: string } }> = (obj) => {
  const n = obj.spec?.nodeName;
  return n ? [n] : [];
};

/** The standard indexers by name, for informer requests that list index names. */
export const standardIndexers: Indexers<any> = {
  [NamespaceIndex]: namespaceIndexFunc,
  [OwnerUidIndex]: ownerUidIndexFunc,
  [NodeNameIndex]: nodeNameIndexFunc,
};

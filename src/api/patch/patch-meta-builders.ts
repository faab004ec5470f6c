import type { FieldPatchMeta } from './patch-table-types.js';

/**
 * Shorthands for patch-table entries. Each names one upstream marker
 * combination; entries are frozen and shared, so consumers must copy before
 * changing one.
 */

/** `+listType=atomic` (also the SSA default for a list without markers): replaced whole. */
export const atomic: FieldPatchMeta = Object.freeze({ listType: 'atomic' });

/** `+listType=set`: a set of scalars for SSA; SMP still replaces it. */
export const set: FieldPatchMeta = Object.freeze({ listType: 'set' });

/** `patchStrategy:"merge"` on a list of scalars (finalizers, podCIDRs): unioned by SMP, a set for SSA. */
export const mergeSet: FieldPatchMeta = Object.freeze({ strategy: 'merge', listType: 'set' });

/** `+mapType=atomic`: a map replaced whole by SSA (SMP still merges maps). */
export const atomicMap: FieldPatchMeta = Object.freeze({ mapType: 'atomic' });

/** `+mapType=granular`, stated explicitly upstream. */
export const granularMap: FieldPatchMeta = Object.freeze({ mapType: 'granular' });

/** `patchStrategy:"retainKeys"` on a struct (Deployment `strategy`). */
export const retainKeys: FieldPatchMeta = Object.freeze({ strategy: 'retainKeys' });

/** `patchStrategy:"replace"` on a struct (PodDisruptionBudget `selector`). */
export const replace: FieldPatchMeta = Object.freeze({ strategy: 'replace' });

/**
 * `patchStrategy:"merge" patchMergeKey:"<key>"`: SMP merges element-wise by
 * `key`; for SSA the list is a map keyed by `listMapKeys` (the merge key unless
 * upstream declares more keys, e.g. container ports by containerPort+protocol).
 */
export function mergeBy(key: string, listMapKeys: string[] = [key]): FieldPatchMeta {
  return Object.freeze({ strategy: 'merge', mergeKey: key, listType: 'map', listMapKeys });
}

/** `patchStrategy:"merge,retainKeys"` with a merge key (pod `volumes`, `resourceClaims`). */
export function mergeRetainKeysBy(key: string): FieldPatchMeta {
  return Object.freeze({ strategy: 'merge,retainKeys', mergeKey: key, listType: 'map', listMapKeys: [key] });
}

/**
 * SMP merges by `key` but upstream marks the list `+listType=atomic` for SSA
 * because the key is not unique enough (node addresses, pod hostIPs, job conditions).
 */
export function mergeAtomic(key: string): FieldPatchMeta {
  return Object.freeze({ strategy: 'merge', mergeKey: key, listType: 'atomic' });
}

/** `+listType=map +listMapKey=...` without a patch strategy: SSA merges, SMP replaces. */
export function mapBy(...keys: string[]): FieldPatchMeta {
  return Object.freeze({ listType: 'map', listMapKeys: keys });
}

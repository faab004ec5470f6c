/**
 * What strategic merge patch needs to know about a position in an object
 * (upstream `strategicpatch.LookupPatchMeta`): for a field holding a map or a
 * list, the schema of its value (a list's *element* schema) and the field's
 * patch strategy and merge key.
 *
 * Implementations: `noPatchSchema` (every map merges, every list is replaced —
 * what JSON merge patch does) and `openApiPatchSchema` over OpenAPI
 * definitions carrying `x-kubernetes-patch-strategy`/`-merge-key`.
 * Lookups never fail: an unknown field gets `noPatchSchema` and no strategy.
 */
export interface PatchMeta {
  /** The strategy split on `,`: `[]`, `['merge']`, `['merge', 'retainKeys']`, `['replace']`... */
  readonly strategies: readonly string[];
  /** The merge key, or `''` when there is none. */
  readonly mergeKey: string;
}

export interface PatchLookup {
  readonly schema: PatchSchema;
  readonly meta: PatchMeta;
}

export interface PatchSchema {
  /** A name for error messages (the definition name where known). */
  readonly name: string;
  /** The field `key` holds a map/object: its schema and patch metadata. */
  lookupStruct(key: string): PatchLookup;
  /** The field `key` holds a list: the schema of its elements and the field's patch metadata. */
  lookupSlice(key: string): PatchLookup;
}

export const emptyPatchMeta: PatchMeta = Object.freeze({ strategies: Object.freeze([]), mergeKey: '' });

export function patchMeta(strategy: string | undefined, mergeKey: string | undefined): PatchMeta {
  if (!strategy && !mergeKey) return emptyPatchMeta;
  const strategies = strategy
    ? strategy
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : [];
  return { strategies, mergeKey: mergeKey ?? '' };
}

/** A schema that knows nothing: maps merge recursively and lists are replaced. */
export const noPatchSchema: PatchSchema = Object.freeze({
  name: '',
  lookupStruct: (): PatchLookup => noSchemaLookup,
  lookupSlice: (): PatchLookup => noSchemaLookup,
});

const noSchemaLookup: PatchLookup = Object.freeze({ schema: noPatchSchema, meta: emptyPatchMeta });

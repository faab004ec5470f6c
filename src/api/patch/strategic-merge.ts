import {
  deepCopy,
  deepEqual,
  hasKey,
  isJsonObject,
  kindOf,
  setKey,
  type JsonObject,
  type JsonValue,
} from './json-value.js';
import { mergePatchMessages, patchBadRequest } from './patch-errors.js';
import type { PatchSchema } from './patch-schema.js';
import {
  badArgTypeError,
  badPatchTypeError,
  deleteDirective,
  deleteFromPrimitiveListPrefix,
  directiveMarker,
  extractDirectiveKey,
  mergeDirective,
  noMergeKeyError,
  replaceDirective,
  retainKeysDirective,
  setElementOrderPrefix,
  splitRetainKeys,
} from './strategic-directives.js';
import {
  dedupeScalars,
  deleteFromSlice,
  findByMergeKey,
  normalizeElementOrder,
  partitionByPresence,
  sameValue,
  sliceElementKind,
  validatePatchWithSetOrderList,
} from './strategic-list-order.js';

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), following
 * upstream `apimachinery/pkg/util/strategicpatch/patch.go`:
 *
 * - maps merge recursively and `null` deletes a key; a map field whose
 *   strategy is `replace` is replaced;
 * - lists whose strategy is `merge` merge element-wise by the merge key (maps)
 *   or as a union (scalars); other lists are replaced;
 * - directives: `$patch: replace|delete` in a map or a list element (`merge`
 *   is accepted as the default it names; upstream rejects it),
 *   `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`,
 *   `$retainKeys`.
 *
 * Applying never stores a directive: a patch value with nothing to merge with
 * is itself merged onto nothing, which resolves its directives and drops its
 * `null`s. Upstream copies such values verbatim and relies on typed decoding
 * to drop what is left.
 *
 * Deviation, for a malformed patch only: `$deleteFromPrimitiveList` on a list
 * without the merge strategy deletes the values (upstream replaces the list
 * with them), and on a list of maps it is a 400 (upstream panics).
 */
export function applyStrategicMergePatch(original: JsonObject, patch: JsonObject, schema: PatchSchema): JsonObject {
  return new StrategicMerger(true).mergeMap(deepCopy(original), patch, schema);
}

/**
 * Combines two strategic merge patches into one that does both (upstream
 * `mergeMap` with `MergeParallelList: false`, as `CreateThreeWayMergePatch`
 * uses it): directives are kept, `null`s are kept, parallel lists must agree.
 */
export function combineStrategicPatches(first: JsonObject, second: JsonObject, schema: PatchSchema): JsonObject {
  return new StrategicMerger(false).mergeMap(deepCopy(first), second, schema);
}

/**
 * `server` selects between applying a patch to an object (true) and combining
 * two patches (false). In both modes `original` is owned (mutated and
 * returned) and `patch` is only read.
 */
class StrategicMerger {
  constructor(private readonly server: boolean) {}

  mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema): JsonObject {
    if (hasKey(patch, directiveMarker)) {
      const directive = patch[directiveMarker]!;
      if (directive === replaceDirective) {
        const rest = { ...patch };
        delete rest[directiveMarker];
        return this.server ? this.mergeMap({}, rest, schema) : deepCopy(rest);
      }
      if (directive === deleteDirective) return {};
      if (directive !== mergeDirective) throw badPatchTypeError(directive, patch);
    }
    const done = new Set<string>([directiveMarker]);
    this.applyRetainKeys(original, patch, done);
    this.mergeOrderedLists(original, patch, schema, done);
    for (const key of Object.keys(patch)) {
      if (!done.has(key)) this.mergeField(original, key, patch[key]!, schema);
    }
    return original;
  }

  /** `$retainKeys`: drop every key of `original` the list does not name. */
  private applyRetainKeys(original: JsonObject, patch: JsonObject, done: Set<string>): void {
    if (!hasKey(patch, retainKeysDirective)) return;
    done.add(retainKeysDirective);
    const list = patch[retainKeysDirective]!;
    if (!this.server) {
      if (!hasKey(original, retainKeysDirective)) setKey(original, retainKeysDirective, deepCopy(list));
      else if (!deepEqual(original[retainKeysDirective], list)) {
        throw patchBadRequest(
          'the $retainKeys lists of the patches are not deep equal: this may happen when calculating the 3-way diff patch',
        );
      }
      return;
    }
    if (!Array.isArray(list)) throw patchBadRequest(mergePatchMessages.badRetainKeys);
    const retained = new Set(list.filter((k): k is string => typeof k === 'string'));
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k === directiveMarker || k === retainKeysDirective) continue;
      if (k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue;
      if (!retained.has(k)) throw patchBadRequest(mergePatchMessages.badRetainKeys);
    }
    for (const k of Object.keys(original)) if (!retained.has(k)) delete original[k];
  }

  /** Each `$setElementOrder/<list>` together with `<list>`: merge, then order. */
  private mergeOrderedLists(original: JsonObject, patch: JsonObject, schema: PatchSchema, done: Set<string>): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(setElementOrderPrefix)) continue;
      done.add(key);
      const order = patch[key]!;
      if (!this.server) {
        if (!hasKey(original, key)) setKey(original, key, deepCopy(order));
        else if (!deepEqual(original[key], order)) throw patchBadRequest(mergePatchMessages.badSetElementOrder);
      }
      if (!Array.isArray(order)) throw badArgTypeError('slice', order);
      const field = extractDirectiveKey(key, setElementOrderPrefix);
      const originalList = hasKey(original, field) ? original[field] : undefined;
      const patchList = hasKey(patch, field) ? patch[field] : undefined;
      if (originalList !== undefined && !Array.isArray(originalList)) throw badArgTypeError('slice', originalList);
      if (patchList !== undefined && !Array.isArray(patchList)) throw badArgTypeError('slice', patchList);
      if (originalList === undefined && patchList === undefined) continue;

      const { schema: elemSchema, meta } = schema.lookupSlice(field);
      const { strategy } = splitRetainKeys(meta.strategies);
      validatePatchWithSetOrderList(patchList ?? [], order, meta.mergeKey);
      let merged: JsonValue[];
      if (patchList === undefined) merged = originalList!;
      else if (originalList === undefined && !this.server) merged = deepCopy(patchList);
      else merged = this.mergeSliceHandler(originalList ?? [], patchList, elemSchema, strategy, meta.mergeKey, false);
      done.add(field);

      const kind = sliceElementKind(originalList ?? [], patchList ?? []);
      if (kind === undefined) {
        setKey(original, field, merged);
        continue;
      }
      const [patchItems, serverOnly] = partitionByPresence(merged, order, meta.mergeKey);
      const ordered = normalizeElementOrder(
        patchItems,
        serverOnly,
        order,
        originalList ?? [],
        meta.mergeKey,
        kind === 'object',
      );
      setKey(original, field, ordered);
    }
  }

  private mergeField(original: JsonObject, key: string, patchValue: JsonValue, schema: PatchSchema): void {
    let field = key;
    let isDeleteList = false;
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      if (!this.server) {
        setKey(original, key, deepCopy(patchValue));
        return;
      }
      field = extractDirectiveKey(key, deleteFromPrimitiveListPrefix);
      isDeleteList = true;
    }
    if (patchValue === null) {
      delete original[field];
      if (this.server) return;
    }
    if (!hasKey(original, field) || kindOf(original[field]!) !== kindOf(patchValue)) {
      if (!isDeleteList) setKey(original, field, this.take(patchValue, schema, field));
      return;
    }
    const current = original[field]!;
    if (isJsonObject(current) && isJsonObject(patchValue) && !isDeleteList) {
      const { schema: sub, meta } = schema.lookupStruct(field);
      const { strategy } = splitRetainKeys(meta.strategies);
      const merged =
        strategy === replaceDirective ? this.take(patchValue, schema, field) : this.mergeMap(current, patchValue, sub);
      setKey(original, field, merged);
    } else if (Array.isArray(current) && Array.isArray(patchValue)) {
      const { schema: elemSchema, meta } = schema.lookupSlice(field);
      const { strategy } = splitRetainKeys(meta.strategies);
      setKey(
        original,
        field,
        this.mergeSliceHandler(current, patchValue, elemSchema, strategy, meta.mergeKey, isDeleteList),
      );
    } else if (isDeleteList) {
      throw patchBadRequest(mergePatchMessages.badPrimitiveList);
    } else {
      setKey(original, field, deepCopy(patchValue));
    }
  }

  /** A patch value with nothing to merge into: resolved against an empty value when applying. */
  private take(value: JsonValue, schema: PatchSchema, field: string): JsonValue {
    if (!this.server) return deepCopy(value);
    if (isJsonObject(value)) return this.mergeMap({}, value, schema.lookupStruct(field).schema);
    if (Array.isArray(value)) {
      const { schema: elemSchema, meta } = schema.lookupSlice(field);
      return this.mergeSliceHandler(
        [],
        value,
        elemSchema,
        splitRetainKeys(meta.strategies).strategy,
        meta.mergeKey,
        false,
      );
    }
    return value;
  }

  private takeList(list: readonly JsonValue[], elemSchema: PatchSchema): JsonValue[] {
    if (!this.server) return deepCopy([...list]);
    return list.map((e) => (isJsonObject(e) ? this.mergeMap({}, e, elemSchema) : deepCopy(e)));
  }

  private mergeSliceHandler(
    original: JsonValue[],
    patch: JsonValue[],
    elemSchema: PatchSchema,
    strategy: string,
    mergeKey: string,
    isDeleteList: boolean,
  ): JsonValue[] {
    if (strategy === mergeDirective) return this.mergeSlice(original, patch, elemSchema, mergeKey, isDeleteList);
    if (isDeleteList) return deleteFromSlice(original, patch);
    return this.takeList(patch, elemSchema);
  }

  private mergeSlice(
    original: JsonValue[],
    patch: JsonValue[],
    elemSchema: PatchSchema,
    mergeKey: string,
    isDeleteList: boolean,
  ): JsonValue[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = sliceElementKind(original, patch);
    let merged: JsonValue[];
    if (kind !== 'object') {
      if (isDeleteList) return deleteFromSlice(original, patch);
      merged = dedupeScalars([...original, ...patch]);
    } else {
      if (isDeleteList) throw patchBadRequest(mergePatchMessages.badPrimitiveList);
      if (!mergeKey) throw patchBadRequest(`cannot merge lists without merge key for ${elemSchema.name || 'object'}`);
      ({ original, patch } = this.applySpecialElements(original, patch, mergeKey, elemSchema));
      merged = this.mergeElements(original, patch, mergeKey, elemSchema);
    }
    const [patchItems, serverOnly] = partitionByPresence(merged, patch, mergeKey);
    return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind === 'object');
  }

  /** Resolves `$patch` list elements: deletions by merge key, and `replace` of the whole list. */
  private applySpecialElements(
    original: JsonValue[],
    patch: JsonValue[],
    mergeKey: string,
    elemSchema: PatchSchema,
  ): { original: JsonValue[]; patch: JsonValue[] } {
    const plain: JsonValue[] = [];
    let replace = false;
    for (const v of patch) {
      const element = v as JsonObject;
      if (!hasKey(element, directiveMarker) || element[directiveMarker] === mergeDirective) {
        plain.push(v);
        continue;
      }
      const directive = element[directiveMarker]!;
      if (directive === deleteDirective) {
        if (!hasKey(element, mergeKey)) throw noMergeKeyError(element, mergeKey);
        const key = element[mergeKey]!;
        original = original.filter((e) => !(isJsonObject(e) && hasKey(e, mergeKey) && sameValue(e[mergeKey], key)));
      } else if (directive === replaceDirective) {
        replace = true;
      } else {
        throw badPatchTypeError(directive, element);
      }
    }
    return replace ? { original: this.takeList(plain, elemSchema), patch: [] } : { original, patch: plain };
  }

  /** Merges each patch element into the original element with the same merge key, or appends it. */
  private mergeElements(
    original: JsonValue[],
    patch: JsonValue[],
    mergeKey: string,
    elemSchema: PatchSchema,
  ): JsonValue[] {
    const out = [...original];
    for (const v of patch) {
      const element = v as JsonObject;
      if (!hasKey(element, mergeKey)) throw noMergeKeyError(element, mergeKey);
      const at = findByMergeKey(out, mergeKey, element[mergeKey]!);
      if (at >= 0) out[at] = this.mergeMap(out[at] as JsonObject, element, elemSchema);
      else out.push(this.server ? this.mergeMap({}, element, elemSchema) : deepCopy(element));
    }
    return out;
  }
}

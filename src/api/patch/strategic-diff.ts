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
import { patchBadRequest } from './patch-errors.js';
import type { PatchSchema } from './patch-schema.js';
import {
  deleteDirective,
  deleteFromPrimitiveListPrefix,
  directiveMarker,
  mergeDirective,
  noMergeKeyError,
  badArgTypeError,
  replaceDirective,
  retainKeysDirective,
  setElementOrderPrefix,
  splitRetainKeys,
} from './strategic-directives.js';
import { sliceElementKind, sortByOrder } from './strategic-list-order.js';

/**
 * The strategic merge patch that turns `original` into `modified` (upstream
 * `diffMaps`): added and changed fields carry the new value, removed map
 * fields become `null`, elements removed from a merge list become
 * `{$patch: delete, <key>: ...}`, values removed from a merged scalar list go
 * to `$deleteFromPrimitiveList/<list>`, merged lists get a
 * `$setElementOrder/<list>` when their content or order changes, and fields
 * with the `retainKeys` strategy get a `$retainKeys` list. The options select
 * the halves three-way patches are built from.
 */
export interface DiffOptions {
  /** Emit `$setElementOrder` lists. */
  setElementOrder?: boolean;
  /** Leave out additions and changes (only deletions). */
  ignoreChangesAndAdditions?: boolean;
  /** Leave out deletions (only additions and changes). */
  ignoreDeletions?: boolean;
  /** Emit `$retainKeys` for this map (set while descending into a `retainKeys` field). */
  buildRetainKeysDirective?: boolean;
}

export function diffStrategic(
  original: JsonObject,
  modified: JsonObject,
  schema: PatchSchema,
  options: DiffOptions = {},
): JsonObject {
  const patch: JsonObject = {};
  const retainKeys: string[] = [];
  for (const key of Object.keys(modified)) {
    const m = modified[key]!;
    if (options.buildRetainKeysDirective && m !== null) retainKeys.push(key);
    if (!hasKey(original, key)) {
      if (!options.ignoreChangesAndAdditions) setKey(patch, key, deepCopy(m));
      continue;
    }
    const o = original[key]!;
    if (key === directiveMarker) {
      if (typeof o !== 'string' || typeof m !== 'string') {
        throw patchBadRequest(`invalid value for special key: ${directiveMarker}`);
      }
      if (o !== m) setKey(patch, key, m);
      continue;
    }
    if (kindOf(o) !== kindOf(m)) {
      if (!options.ignoreChangesAndAdditions) setKey(patch, key, deepCopy(m));
    } else if (isJsonObject(o)) {
      diffMapField(key, o, m as JsonObject, patch, schema, options);
    } else if (Array.isArray(o)) {
      diffListField(key, o, m as JsonValue[], patch, schema, options);
    } else if (!options.ignoreChangesAndAdditions && o !== m) {
      setKey(patch, key, m);
    }
  }
  if (!options.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!hasKey(modified, key)) setKey(patch, key, null);
  }
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalField(original, modified))) {
    setKey(patch, retainKeysDirective, retainKeys.sort());
  }
  return patch;
}

/** `original` has a non-null field `modified` lacks. */
function hasAdditionalField(original: JsonObject, modified: JsonObject): boolean {
  return Object.keys(original).some((k) => original[k] !== null && !hasKey(modified, k));
}

function diffMapField(
  key: string,
  o: JsonObject,
  m: JsonObject,
  patch: JsonObject,
  schema: PatchSchema,
  options: DiffOptions,
): void {
  const { schema: sub, meta } = schema.lookupStruct(key);
  const { retainKeys, strategy } = splitRetainKeys(meta.strategies);
  if (strategy === replaceDirective) {
    // Upstream emits the whole map even when unchanged; equal maps need no patch.
    if (!options.ignoreChangesAndAdditions && !deepEqual(o, m)) setKey(patch, key, deepCopy(m));
    return;
  }
  const value = diffStrategic(o, m, sub, { ...options, buildRetainKeysDirective: retainKeys });
  if (Object.keys(value).length > 0) setKey(patch, key, value);
}

function diffListField(
  key: string,
  o: JsonValue[],
  m: JsonValue[],
  patch: JsonObject,
  schema: PatchSchema,
  options: DiffOptions,
): void {
  const { schema: elemSchema, meta } = schema.lookupSlice(key);
  const { retainKeys, strategy } = splitRetainKeys(meta.strategies);
  if (strategy !== mergeDirective) {
    if (!options.ignoreChangesAndAdditions && !deepEqual(o, m)) setKey(patch, key, deepCopy(m));
    return;
  }
  const lists = diffLists(o, m, elemSchema, meta.mergeKey, { ...options, buildRetainKeysDirective: retainKeys });
  if (lists.patch.length > 0) setKey(patch, key, lists.patch);
  if (lists.deletions.length > 0) setKey(patch, `${deleteFromPrimitiveListPrefix}/${key}`, lists.deletions);
  if (lists.order.length > 0) setKey(patch, `${setElementOrderPrefix}/${key}`, lists.order);
}

interface ListDiff {
  patch: JsonValue[];
  deletions: JsonValue[];
  order: JsonValue[];
}

function diffLists(
  o: JsonValue[],
  m: JsonValue[],
  elemSchema: PatchSchema,
  mergeKey: string,
  options: DiffOptions,
): ListDiff {
  if (o.length === 0) {
    if (m.length === 0 || options.ignoreChangesAndAdditions) return { patch: [], deletions: [], order: [] };
    return { patch: deepCopy(m), deletions: [], order: [] };
  }
  const kind = sliceElementKind(o, m);
  if (kind === 'object') {
    const { changes, deletes } = diffListsOfMaps(o, m, elemSchema, mergeKey, options);
    const patch = [...sortByOrder(changes, m, mergeKey, true), ...deletes];
    let order: JsonValue[] = [];
    const orderSame = o.length === m.length && o.every((e, i) => sameKey(e, m[i]!, mergeKey));
    if (
      options.setElementOrder &&
      ((!options.ignoreChangesAndAdditions && (patch.length > 0 || !orderSame)) ||
        (!options.ignoreDeletions && patch.length > 0))
    ) {
      order = m.map((e) => ({ [mergeKey]: (e as JsonObject)[mergeKey]! }));
    }
    return { patch, deletions: [], order };
  }
  const { additions, deletions } = diffListsOfScalars(o, m, options);
  let order: JsonValue[] = [];
  if (
    options.setElementOrder &&
    ((!options.ignoreDeletions && deletions.length > 0) || (!options.ignoreChangesAndAdditions && !deepEqual(o, m)))
  ) {
    order = deepCopy(m);
  }
  return { patch: sortByOrder(additions, m, '', false), deletions, order };
}

function sameKey(a: JsonValue, b: JsonValue, mergeKey: string): boolean {
  return isJsonObject(a) && isJsonObject(b) && deepEqual(a[mergeKey], b[mergeKey]);
}

/** Go's `%v` of a merge-key or scalar value, the sort key upstream diffs by. */
function sortString(v: JsonValue | undefined): string {
  return v === null || v === undefined ? '<nil>' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keyedAndSorted(list: JsonValue[], mergeKey: string): { element: JsonObject; key: string }[] {
  return list
    .map((e) => {
      if (!isJsonObject(e)) throw badArgTypeError('map', e);
      if (!hasKey(e, mergeKey)) throw noMergeKeyError(e, mergeKey);
      return { element: e, key: sortString(e[mergeKey]) };
    })
    .sort((a, b) => byString(a.key, b.key));
}

/** Walks both lists sorted by merge key: matched elements diff recursively, the rest are added or deleted. */
function diffListsOfMaps(
  o: JsonValue[],
  m: JsonValue[],
  elemSchema: PatchSchema,
  mergeKey: string,
  options: DiffOptions,
): { changes: JsonValue[]; deletes: JsonValue[] } {
  if (!mergeKey) throw patchBadRequest(`cannot merge lists without merge key for ${elemSchema.name || 'object'}`);
  const os = keyedAndSorted(o, mergeKey);
  const ms = keyedAndSorted(m, mergeKey);
  const changes: JsonValue[] = [];
  const deletes: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < os.length || j < ms.length) {
    const cmp = i >= os.length ? 1 : j >= ms.length ? -1 : byString(os[i]!.key, ms[j]!.key);
    if (cmp === 0) {
      const value = diffStrategic(os[i]!.element, ms[j]!.element, elemSchema, options);
      if (Object.keys(value).length > 0) {
        setKey(value, mergeKey, deepCopy(ms[j]!.element[mergeKey]!));
        changes.push(value);
      }
      i++;
      j++;
    } else if (cmp > 0) {
      if (!options.ignoreChangesAndAdditions) changes.push(deepCopy(ms[j]!.element));
      j++;
    } else {
      if (!options.ignoreDeletions) {
        deletes.push({ [directiveMarker]: deleteDirective, [mergeKey]: deepCopy(os[i]!.element[mergeKey]!) });
      }
      i++;
    }
  }
  return { changes, deletes };
}

function diffListsOfScalars(
  o: JsonValue[],
  m: JsonValue[],
  options: DiffOptions,
): { additions: JsonValue[]; deletions: JsonValue[] } {
  const os = o.map((v) => ({ v, s: sortString(v) })).sort((a, b) => byString(a.s, b.s));
  const ms = m.map((v) => ({ v, s: sortString(v) })).sort((a, b) => byString(a.s, b.s));
  const additions: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < os.length || j < ms.length) {
    const cmp = i >= os.length ? 1 : j >= ms.length ? -1 : byString(os[i]!.s, ms[j]!.s);
    if (cmp === 0) {
      i++;
      j++;
    } else if (cmp > 0) {
      if (!options.ignoreChangesAndAdditions) additions.push(deepCopy(ms[j]!.v));
      j++;
    } else {
      if (!options.ignoreDeletions && !deletions.some((d) => d === os[i]!.v)) deletions.push(deepCopy(os[i]!.v));
      i++;
    }
  }
  return { additions, deletions };
}

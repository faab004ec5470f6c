import { deepEqual, goFormat, hasKey, isJsonObject, kindOf, type JsonKind, type JsonValue } from './json-value.js';
import { mergePatchMessages, patchBadRequest, patchUnprocessable } from './patch-errors.js';
import {
  badArgTypeError,
  deleteDirective,
  directiveMarker,
  noMergeKeyError,
  setElementOrderPrefix,
} from './strategic-directives.js';

/**
 * List helpers for strategic merge patch: element identity (by merge key, or by
 * value for scalars) and upstream's ordering rules. After a merge, the items
 * named by the patch (or by `$setElementOrder`) come in the patch's order, the
 * items only the server had keep their relative order, and the two are
 * interleaved by their positions in the live list where both appear there
 * (upstream `normalizeElementOrder` / `mergeSortedSlice`).
 */

/** The common kind of the elements of some lists; undefined when all are empty. */
export function sliceElementKind(...lists: JsonValue[][]): JsonKind | undefined {
  let kind: JsonKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (k === 'array') throw patchUnprocessable(mergePatchMessages.noListOfLists);
      if (kind === undefined) kind = k;
      else if (kind !== k) throw patchBadRequest(`list element types are not identical: ${goFormat(lists)}`);
    }
  }
  return kind;
}

/** Primitive comparison as Go's `==` on decoded JSON; structured values by content. */
export function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return a === b || (typeof a === 'object' && a !== null && deepEqual(a, b));
}

/** The identity of an element: its merge-key value for maps, itself for scalars. */
function identity(item: JsonValue, mergeKey: string, isMap: boolean): JsonValue | undefined {
  if (!isMap) return item;
  return isJsonObject(item) ? item[mergeKey] : undefined;
}

export function indexOfItem(list: readonly JsonValue[], item: JsonValue, mergeKey: string, isMap: boolean): number {
  const id = identity(item, mergeKey, isMap);
  for (let i = 0; i < list.length; i++) if (sameValue(identity(list[i]!, mergeKey, isMap), id)) return i;
  return -1;
}

/** The index of the map whose `mergeKey` equals `value`, or -1. Every element must be a map. */
export function findByMergeKey(list: readonly JsonValue[], mergeKey: string, value: JsonValue): number {
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (!isJsonObject(e)) throw patchBadRequest(`value for key ${i} is not a map.`);
    if (hasKey(e, mergeKey) && sameValue(e[mergeKey], value)) return i;
  }
  return -1;
}

export function isDeleteElement(v: JsonValue): boolean {
  return isJsonObject(v) && v[directiveMarker] === deleteDirective;
}

/** Splits `$patch: delete` elements from the others; every element must be a map. */
export function splitDeleteItems(list: readonly JsonValue[]): { keep: JsonValue[]; toDelete: JsonValue[] } {
  const keep: JsonValue[] = [];
  const toDelete: JsonValue[] = [];
  for (const v of list) {
    if (!isJsonObject(v)) throw badArgTypeError('map', v);
    (isDeleteElement(v) ? toDelete : keep).push(v);
  }
  return { keep, toDelete };
}

function requireMergeKey(list: readonly JsonValue[], mergeKey: string): void {
  for (const v of list) {
    if (!isJsonObject(v)) throw badArgTypeError('map', v);
    if (!hasKey(v, mergeKey)) throw noMergeKeyError(v, mergeKey);
  }
}

/** Splits `items` by whether `by` names them: [present, absent], each in `items` order. */
export function partitionByPresence(
  items: readonly JsonValue[],
  by: readonly JsonValue[],
  mergeKey: string,
): [JsonValue[], JsonValue[]] {
  const present: JsonValue[] = [];
  const absent: JsonValue[] = [];
  for (const v of items) {
    let found: boolean;
    if (mergeKey) {
      if (!isJsonObject(v)) throw badArgTypeError('map', v);
      if (!hasKey(v, mergeKey)) throw noMergeKeyError(v, mergeKey);
      found = findByMergeKey(by, mergeKey, v[mergeKey]!) >= 0;
    } else {
      found = by.some((b) => sameValue(b, v));
    }
    (found ? present : absent).push(v);
  }
  return [present, absent];
}

/** Stable sort of `toSort` by position in `order`; `$patch: delete` elements go last. */
export function sortByOrder(
  toSort: JsonValue[],
  order: readonly JsonValue[],
  mergeKey: string,
  isMap: boolean,
): JsonValue[] {
  let rest: JsonValue[] = toSort;
  let toDelete: JsonValue[] = [];
  if (isMap) {
    requireMergeKey(toSort, mergeKey);
    requireMergeKey(order, mergeKey);
    ({ keep: rest, toDelete } = splitDeleteItems(toSort));
  }
  const ranked = rest.map((v, i) => {
    const at = indexOfItem(order, v, mergeKey, isMap);
    return { v, rank: at < 0 ? Number.MAX_SAFE_INTEGER : at, i };
  });
  ranked.sort((a, b) => a.rank - b.rank || a.i - b.i);
  return [...ranked.map((r) => r.v), ...toDelete];
}

/**
 * Orders `patchItems` by `patchOrder` and `serverOnly` by `serverOrder`, then
 * interleaves them: a server-only item goes before a patch item only when both
 * appear in the live list and it comes first there.
 */
export function normalizeElementOrder(
  patchItems: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string,
  isMap: boolean,
): JsonValue[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, isMap);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, isMap);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexOfItem(serverOrder, left[i]!, mergeKey, isMap);
      const ri = indexOfItem(serverOrder, right[j]!, mergeKey, isMap);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (!mergeKey) return sameValue(left, right);
  if (!isJsonObject(left)) throw badArgTypeError('map', left);
  if (!isJsonObject(right)) throw badArgTypeError('map', right);
  if (!hasKey(left, mergeKey)) throw noMergeKeyError(left, mergeKey);
  if (!hasKey(right, mergeKey)) throw noMergeKeyError(right, mergeKey);
  return sameValue(left[mergeKey], right[mergeKey]);
}

/**
 * A `$setElementOrder` list must name every (non-deleted) patch element, in
 * the same relative order as the patch list.
 */
export function validatePatchWithSetOrderList(
  patchList: readonly JsonValue[],
  setOrderList: readonly JsonValue[],
  mergeKey: string,
): void {
  if (setOrderList.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? splitDeleteItems(patchList).keep : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrderList.length) {
    const item = nonDelete[p]!;
    if (isJsonObject(item) && hasKey(item, directiveMarker)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrderList[s]!, mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrderList.length) {
    throw patchBadRequest(
      `The order in patch list:\n${goFormat([...patchList])}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat([...setOrderList])}\n`,
    );
  }
}

/** Union of scalar lists keeping the first occurrence of each value. */
export function dedupeScalars(list: readonly JsonValue[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const v of list) if (!out.some((o) => sameValue(o, v))) out.push(v);
  return out;
}

export function deleteFromSlice(current: readonly JsonValue[], toDelete: readonly JsonValue[]): JsonValue[] {
  return current.filter((v) => !toDelete.some((d) => sameValue(d, v)));
}

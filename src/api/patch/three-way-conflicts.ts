import { deepEqual, hasKey, isJsonObject, type JsonObject, type JsonValue } from './json-value.js';
import type { PatchSchema } from './patch-schema.js';
import {
  directiveMarker,
  mergeDirective,
  replaceDirective,
  retainKeysDirective,
  splitRetainKeys,
} from './strategic-directives.js';
import { dedupeScalars } from './strategic-list-order.js';

/**
 * Whether two strategic merge patches touch some key differently (upstream
 * `MergingMapsHaveConflicts`): used by three-way patches without overwrite
 * to refuse clobbering changes made to the live object since the last apply.
 * Elements of merged lists are compared by merge key; scalar merge lists never
 * conflict; other lists conflict unless equal (scalars as sets).
 */
export function strategicPatchesConflict(left: JsonObject, right: JsonObject, schema: PatchSchema): boolean {
  return fieldsConflict(left, right, schema, '', '');
}

function fieldsConflict(
  left: JsonValue,
  right: JsonValue,
  schema: PatchSchema,
  strategy: string,
  mergeKey: string,
): boolean {
  if (isJsonObject(left)) {
    if (!isJsonObject(right)) return true;
    const l = hasKey(left, directiveMarker);
    const r = hasKey(right, directiveMarker);
    if ((l || r) && (l !== r || left[directiveMarker] !== right[directiveMarker])) return true;
    if (strategy === replaceDirective) return false;
    return mapsConflict(left, right, schema);
  }
  if (Array.isArray(left)) {
    if (!Array.isArray(right)) return true;
    return listsConflict(left, right, schema, strategy, mergeKey);
  }
  return !deepEqual(left, right);
}

function mapsConflict(left: JsonObject, right: JsonObject, schema: PatchSchema): boolean {
  for (const key of Object.keys(left)) {
    if (key === directiveMarker || key === retainKeysDirective || !hasKey(right, key)) continue;
    const l = left[key]!;
    let sub = schema;
    let strategy = '';
    let mergeKey = '';
    if (Array.isArray(l) || isJsonObject(l)) {
      const lookup = Array.isArray(l) ? schema.lookupSlice(key) : schema.lookupStruct(key);
      sub = lookup.schema;
      strategy = splitRetainKeys(lookup.meta.strategies).strategy;
      mergeKey = lookup.meta.mergeKey;
    }
    if (fieldsConflict(l, right[key]!, sub, strategy, mergeKey)) return true;
  }
  return false;
}

function listsConflict(
  left: JsonValue[],
  right: JsonValue[],
  elemSchema: PatchSchema,
  strategy: string,
  mergeKey: string,
): boolean {
  const all = [...left, ...right];
  if (all.length === 0) return false;
  const mapsOnly = all.every(isJsonObject);
  if (!mapsOnly && all.some(isJsonObject)) return true;
  if (strategy === mergeDirective) {
    if (!mapsOnly) return false;
    const byKey = (list: JsonValue[]) => {
      const m = new Map<string, JsonObject>();
      for (const e of list as JsonObject[]) {
        if (!hasKey(e, mergeKey)) return undefined;
        m.set(JSON.stringify(e[mergeKey]), e);
      }
      return m;
    };
    const l = byKey(left);
    const r = byKey(right);
    if (!l || !r) return true;
    for (const [k, v] of l) {
      const other = r.get(k);
      if (other && fieldsConflict(v, other, elemSchema, '', '')) return true;
    }
    return false;
  }
  if (left.length !== right.length) return true;
  let l = left;
  let r = right;
  if (!mapsOnly) {
    const key = (v: JsonValue) => JSON.stringify(v);
    l = dedupeScalars(left).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    r = dedupeScalars(right).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    if (l.length !== r.length) return true;
  }
  return l.some((v, i) => fieldsConflict(v, r[i]!, elemSchema, '', ''));
}

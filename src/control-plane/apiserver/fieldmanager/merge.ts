/**
 * Structured merge of an applied configuration into the live object (upstream
 * `TypedValue.Merge` with the keep-RHS rule): leaves, atomic lists and atomic
 * maps take the config's value; granular maps merge key by key; associative
 * lists merge item by item on their keys and sets union their values. The item
 * order follows upstream: live order, with the config's items placed in the
 * config's relative order and new ones inserted where the config has them.
 *
 * A `null` the config gives a field removes it from the result, as decoding into
 * a Go type (or custom-resource pruning) does upstream; a `null` for a granular
 * map or list leaves the live content alone. Nulls already in the live object are
 * kept: an apply changes only what the config touches.
 */
import { isJsonObject, type JsonObject } from './go-json.js';
import { serializePathElement } from './path-element.js';
import type { ListType, TypeNode } from './type-schema.js';
import { fieldTypeOf, indexList, shapeOf } from './typed-value.js';

const isEmptyContainer = (v: unknown): boolean =>
  v === undefined || v === null || (Array.isArray(v) ? v.length === 0 : isJsonObject(v) && Object.keys(v).length === 0);

const keepRHS = (l: unknown, r: unknown): unknown => (r !== undefined ? r : l);

/** Merges `rhs` (the applied config) into `lhs` (live); undefined means "no value". */
export function mergeValues(lhs: unknown, rhs: unknown, type: TypeNode): unknown {
  if (lhs === undefined && rhs === undefined) return undefined;
  const sl = lhs === undefined ? undefined : shapeOf(type, lhs);
  const sr = rhs === undefined ? undefined : shapeOf(type, rhs);
  // Different shapes (a scalar replaced by a map...): the config's value alone.
  if (sl && sr && sl.kind !== sr.kind) return mergeValues(undefined, rhs, type);
  const s = (sr ?? sl)!;
  if (s.kind === 'leaf') return keepRHS(lhs, rhs);
  if (s.kind === 'map') {
    if (s.map.atomic || (isEmptyContainer(lhs) && isEmptyContainer(rhs))) return keepRHS(lhs, rhs);
    const lm: JsonObject = isJsonObject(lhs) ? lhs : {};
    const rm: JsonObject = isJsonObject(rhs) ? rhs : {};
    const out: JsonObject = {};
    for (const k of new Set([...Object.keys(lm), ...Object.keys(rm)])) {
      const v = mergeValues(lm[k], rm[k], fieldTypeOf(s.map, k));
      // Only the config's nulls unset fields; nulls already stored stay as they are.
      if (v === undefined || (v === null && rm[k] === null)) continue;
      out[k] = v as JsonObject[string];
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (s.list.atomic || (isEmptyContainer(lhs) && isEmptyContainer(rhs))) return keepRHS(lhs, rhs);
  const out = mergeList(Array.isArray(lhs) ? lhs : [], Array.isArray(rhs) ? rhs : [], s.list);
  return out.length ? out : undefined;
}

function mergeList(la: readonly unknown[], ra: readonly unknown[], list: ListType): unknown[] {
  const li = indexList(list, la);
  const ri = indexList(list, ra);
  const key = (pes: typeof li.pes, i: number) => serializePathElement(pes[i]!);
  // Positions of valid items; config items are unique (validated before merging).
  const lPos = la.map((_, i) => i).filter((i) => li.pes[i] !== undefined);
  const rPos = ra.map((_, i) => i).filter((i) => ri.pes[i] !== undefined);
  const lKeys = lPos.map((i) => key(li.pes, i));
  const rKeys = rPos.map((i) => key(ri.pes, i));
  const inRHS = new Set(rKeys);
  const shared = rKeys.filter((k) => li.first.has(k));
  let sharedAt = 0;
  const nextShared = () => shared[sharedAt];
  const advanceShared = (k: string) => {
    if (nextShared() === k) sharedAt++;
  };
  // A live item whose key repeats is replaced as a whole by the config's item.
  const liveItem = (k: string) => (li.first.has(k) && !li.dups.has(k) ? la[li.first.get(k)!] : undefined);
  const merged = new Set<string>();
  const out: unknown[] = [];
  const emit = (v: unknown) => {
    if (v !== undefined && v !== null) out.push(v);
  };

  let l = 0;
  let r = 0;
  while (l < lKeys.length || r < rKeys.length) {
    if (l < lKeys.length && r < rKeys.length) {
      const k = lKeys[l];
      if (k === rKeys[r]) {
        merged.add(k);
        emit(mergeValues(liveItem(k), ra[rPos[r]], list.elem));
        l++;
        r++;
        advanceShared(k);
        continue;
      }
      if (inRHS.has(k) && nextShared() !== undefined && nextShared() !== k) {
        // A shared item, but not the next one in the config's order: it comes later.
        l++;
        continue;
      }
    }
    if (l < lKeys.length) {
      const k = lKeys[l];
      if (!inRHS.has(k)) {
        emit(mergeValues(la[lPos[l]], undefined, list.elem));
        l++;
        continue;
      }
      if (merged.has(k)) {
        l++;
        continue;
      }
    }
    if (r < rKeys.length) {
      const k = rKeys[r];
      merged.add(k);
      emit(mergeValues(liveItem(k), ra[rPos[r]], list.elem));
      r++;
      advanceShared(k);
    }
  }
  return out;
}

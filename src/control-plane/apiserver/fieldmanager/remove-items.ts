/**
 * Removes the fields of a set from an object (upstream `TypedValue.RemoveItems`):
 * a member path removes that field, list item or map entry with everything below
 * it; paths below a node recurse into it. A map or list left empty by removals is
 * dropped from its parent, as upstream's nil result is when decoded into a Go type.
 * Apply uses this to prune what an applier stopped setting.
 */
import type { FieldSet } from './field-set.js';
import { isJsonObject, type JsonObject } from './go-json.js';
import type { TypeNode } from './type-schema.js';
import { fieldTypeOf, listItemElement, shapeOf } from './typed-value.js';

/** A copy of `v` without the fields in `toRemove`; undefined when nothing is left. */
export function removeItems(v: unknown, toRemove: FieldSet, type: TypeNode): unknown {
  const s = shapeOf(type, v);
  if (s.kind === 'leaf') return v;
  if (s.kind === 'map') {
    if (!isJsonObject(v) || Object.keys(v).length === 0 || s.map.atomic) return undefined;
    const out: JsonObject = {};
    for (const [k, val] of Object.entries(v)) {
      const pe = { kind: 'field', name: k } as const;
      if (toRemove.hasMember(pe)) continue;
      const sub = toRemove.child(pe);
      if (!sub || sub.isEmpty()) {
        out[k] = val;
        continue;
      }
      const kept = removeItems(val, sub, fieldTypeOf(s.map, k));
      if (kept !== undefined && kept !== null) out[k] = kept as JsonObject[string];
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (!Array.isArray(v) || v.length === 0 || s.list.atomic) return undefined;
  const out: unknown[] = [];
  v.forEach((item, i) => {
    const pe = listItemElement(s.list, i, item);
    if (typeof pe === 'string') {
      out.push(item);
      return;
    }
    if (toRemove.hasMember(pe)) return;
    const sub = toRemove.child(pe);
    if (!sub || sub.isEmpty()) {
      out.push(item);
      return;
    }
    const kept = removeItems(item, sub, s.list.elem);
    if (kept !== undefined && kept !== null) out.push(kept);
  });
  return out.length ? out : undefined;
}

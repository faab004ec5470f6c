/**
 * What changed between two versions of an object (upstream `TypedValue.Compare`),
 * as three field sets: leaves added, removed and modified, plus whole list items
 * and map entries added or removed. Update tracking gives the writer the added
 * and modified fields and takes them (and the removed ones) from everyone else;
 * apply reports conflicts on them.
 *
 * Two deliberate approximations of upstream, which compares Go-typed objects:
 * `null` counts as absent (a nil pointer or slice is omitted there), and a
 * struct-valued or required field of a node that exists is "virtually present"
 * (a Go zero value: non-pointer structs and non-omitempty slices always exist),
 * so creating `.spec` does not make the creator own `.spec` itself — only what
 * is in it, as upstream's `kubectl-create` entries show.
 */
import { FieldSet } from './field-set.js';
import { isJsonObject, jsonEqual, type JsonObject } from './go-json.js';
import { serializePathElement, type PathElement } from './path-element.js';
import type { ListType, TypeNode } from './type-schema.js';
import { indexList, shapeOf } from './typed-value.js';

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

const absentIfNull = (v: unknown): unknown => (v === null ? undefined : v);

const isEmptyContainer = (v: unknown): boolean =>
  v === undefined || (Array.isArray(v) ? v.length === 0 : isJsonObject(v) && Object.keys(v).length === 0);

export function compareObjects(lhs: unknown, rhs: unknown, type: TypeNode): Comparison {
  const added = new FieldSet();
  const modified = new FieldSet();
  const removed = new FieldSet();
  const path: PathElement[] = [];

  const leafRule = (l: unknown, r: unknown) => {
    if (l === undefined) added.insert(path);
    else if (r === undefined) removed.insert(path);
    else if (!jsonEqual(l, r)) modified.insert(path);
  };

  // lp/rp: this node exists on that side, really or as a Go zero value.
  const walk = (l: unknown, r: unknown, t: TypeNode, lp: boolean, rp: boolean): void => {
    if (l === undefined && r === undefined) return;
    const sl = l === undefined ? undefined : shapeOf(t, l);
    const sr = r === undefined ? undefined : shapeOf(t, r);
    if (sl && sr && sl.kind !== sr.kind) {
      leafRule(l, r);
      return;
    }
    const s = (sr ?? sl)!;
    if (s.kind === 'leaf') {
      leafRule(l, r);
      return;
    }
    const lc = l === null ? undefined : l;
    const rc = r === null ? undefined : r;
    if (s.kind === 'map') {
      if (s.map.atomic || (isEmptyContainer(lc) && isEmptyContainer(rc))) {
        leafRule(l, r);
        return;
      }
      const lm: JsonObject = isJsonObject(lc) ? lc : {};
      const rm: JsonObject = isJsonObject(rc) ? rc : {};
      const keys = new Set([...Object.keys(lm), ...Object.keys(rm)]);
      for (const k of keys) {
        const declared = s.map.field(k);
        const ct = declared ?? s.map.elem;
        const virtual = declared !== undefined && (declared.map?.struct === true || s.map.isRequired(k));
        const cl = absentIfNull(lm[k]);
        const cr = absentIfNull(rm[k]);
        path.push({ kind: 'field', name: k });
        walk(cl, cr, ct, cl !== undefined || (virtual && lp), cr !== undefined || (virtual && rp));
        path.pop();
      }
    } else {
      if (s.list.atomic || (isEmptyContainer(lc) && isEmptyContainer(rc))) {
        leafRule(l, r);
        return;
      }
      walkList(Array.isArray(lc) ? lc : [], Array.isArray(rc) ? rc : [], s.list);
    }
    if (l === undefined) {
      if (!lp) added.insert(path);
    } else if (r === undefined && !rp) {
      removed.insert(path);
    }
  };

  // Items pair up by key (or set value); an item whose key repeats on either
  // side is compared as one leaf holding all of its copies.
  const walkList = (la: readonly unknown[], ra: readonly unknown[], list: ListType) => {
    const li = indexList(list, la);
    const ri = indexList(list, ra);
    const elements = new Map<string, PathElement>();
    for (const pe of [...li.pes, ...ri.pes]) if (pe) elements.set(serializePathElement(pe), pe);
    const copies = (items: readonly unknown[], idx: typeof li, key: string) => {
      const found = items.filter((_, i) => idx.pes[i] && serializePathElement(idx.pes[i]!) === key);
      return found.length ? found : undefined;
    };
    for (const [key, pe] of elements) {
      path.push(pe);
      if (li.dups.has(key) || ri.dups.has(key)) {
        leafRule(copies(la, li, key), copies(ra, ri, key));
      } else {
        const l = absentIfNull(li.first.has(key) ? la[li.first.get(key)!] : undefined);
        const r = absentIfNull(ri.first.has(key) ? ra[ri.first.get(key)!] : undefined);
        walk(l, r, list.elem, l !== undefined, r !== undefined);
      }
      path.pop();
    }
  };

  walk(lhs, rhs, type, true, true);
  return { added, modified, removed };
}

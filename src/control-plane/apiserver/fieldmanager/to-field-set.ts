/**
 * The field set of an object (upstream `TypedValue.ToFieldSet`): every leaf
 * (scalar, atomic list or atomic map), every list item, and every key of a map
 * that is not a declared struct field. Declared struct fields that only hold
 * other fields are not members themselves, which is why an applied config owns
 * `.spec.replicas` but not `.spec`. Items that share a key (allowed in stored
 * objects, not in applied configs) are owned as a whole, without children.
 */
import { FieldSet } from './field-set.js';
import { isJsonObject } from './go-json.js';
import { serializePathElement, type PathElement } from './path-element.js';
import type { TypeNode } from './type-schema.js';
import { fieldTypeOf, indexList, shapeOf } from './typed-value.js';

export function fieldSetOf(obj: unknown, type: TypeNode): FieldSet {
  const set = new FieldSet();
  const path: PathElement[] = [];
  const walk = (v: unknown, t: TypeNode) => {
    const s = shapeOf(t, v);
    if (s.kind === 'leaf') {
      set.insert(path);
      return;
    }
    if (s.kind === 'map') {
      if (s.map.atomic) {
        set.insert(path);
        return;
      }
      if (!isJsonObject(v)) return;
      for (const [k, child] of Object.entries(v)) {
        if (child === undefined) continue;
        path.push({ kind: 'field', name: k });
        walk(child, fieldTypeOf(s.map, k));
        if (!s.map.field(k)) set.insert(path);
        path.pop();
      }
      return;
    }
    if (s.list.atomic) {
      set.insert(path);
      return;
    }
    if (!Array.isArray(v)) return;
    const idx = indexList(s.list, v);
    const done = new Set<string>();
    v.forEach((item, i) => {
      const pe = idx.pes[i];
      if (!pe) return;
      const key = serializePathElement(pe);
      path.push(pe);
      if (idx.dups.has(key)) {
        if (!done.has(key)) set.insert(path);
        done.add(key);
      } else {
        walk(item, s.list.elem);
        set.insert(path);
      }
      path.pop();
    });
  };
  walk(obj, type);
  return set;
}

/**
 * `set` plus, at every level, the declared struct fields it has children under
 * (upstream `EnsureNamedFieldsAreMembers`). Pruning uses it so that removing
 * what an applier no longer sets can remove whole structs, not only their leaves.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, type: TypeNode | undefined): FieldSet {
  const out = new FieldSet();
  for (const pe of set.memberElements()) out.insert([pe]);
  for (const { pe, set: sub } of set.childEntries()) {
    let childType: TypeNode | undefined;
    if (pe.kind === 'field' && type?.map) {
      if (type.map.field(pe.name)) out.insert([pe]);
      childType = fieldTypeOf(type.map, pe.name);
    } else if (pe.kind === 'key' && type?.list) {
      childType = type.list.elem;
    }
    out.graft(pe, ensureNamedFieldsAreMembers(sub, childType));
  }
  return out;
}

/**
 * Uniqueness of `x-kubernetes-list-type: set` elements and `map` keys
 * (apiextensions-apiserver `schema/listtype/validation.go`). Each value seen a
 * second time is reported once, at the index of that second appearance; items
 * of a map list missing a key count as "key unspecified" and collide with each
 * other. Paths use field-path syntax (`spec.ports[1]`, map values as `[key]`).
 */
import { FieldPath, omitValue, type FieldError } from '../../validation/field-error.js';
import { goSharpV } from './go-format.js';
import { additionalPropertiesSchema, isJSONObject, itemsSchema, type SchemaProps } from './schema-props.js';

/**
 * field.Duplicate. Compound values print as Go's `%#v` (`map[string]interface {}{"name":"a"}`),
 * which the shared error printer cannot render, so the text goes in the detail.
 */
function duplicate(path: FieldPath, value: unknown): FieldError {
  if (typeof value === 'object' && value !== null) {
    return { type: 'FieldValueDuplicate', field: path.toString(), badValue: omitValue, detail: goSharpV(value) };
  }
  return path.duplicate(value);
}

const UNSPECIFIED = Symbol('unspecified key');

/** Indices of second appearances: compound values compare by their JSON encoding (sorted keys), scalars by value. */
function secondAppearances(values: unknown[]): number[] {
  if (values.length <= 1) return [];
  const seen = new Map<unknown, number>();
  const out: number[] = [];
  values.forEach((v, i) => {
    const key = typeof v === 'object' && v !== null ? `json:${canonicalJSON(v)}` : v;
    const times = seen.get(key) ?? 0;
    seen.set(key, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}

function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  if (isJSONObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJSON(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

function validateListMap(path: FieldPath, s: SchemaProps, list: unknown[]): FieldError[] {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (x !== null && !isJSONObject(x))
      return [path.index(i).invalid(x, 'must be an object for an array of list-type map')];
  }
  if (list.length <= 1) return [];
  const keyFields = s['x-kubernetes-list-map-keys'] ?? [];
  if (keyFields.length === 1) {
    const field = keyFields[0]!;
    const keys = list.map((x) => (isJSONObject(x) && field in x ? x[field] : UNSPECIFIED));
    return secondAppearances(keys).map((i) =>
      duplicate(path.index(i), keys[i] === UNSPECIFIED ? {} : { [field]: keys[i] }),
    );
  }
  const keys = list.map((x) => {
    const key: Record<string, unknown> = {};
    if (isJSONObject(x)) for (const f of keyFields) if (f in x) key[f] = x[f];
    return key;
  });
  return secondAppearances(keys).map((i) => duplicate(path.index(i), keys[i]));
}

function validateArray(path: FieldPath, s: SchemaProps, list: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    for (const i of secondAppearances(list)) errs.push(duplicate(path.index(i), list[i]));
  } else if (listType === 'map') {
    errs.push(...validateListMap(path, s, list));
  }
  const items = itemsSchema(s);
  if (items) list.forEach((v, i) => errs.push(...validateValue(path.index(i), items, v)));
  return errs;
}

function validateValue(path: FieldPath, s: SchemaProps, v: unknown): FieldError[] {
  if (Array.isArray(v)) return validateArray(path, s, v);
  if (isJSONObject(v)) return validateObject(path, s, v);
  return [];
}

function validateObject(path: FieldPath, s: SchemaProps, obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const ap = additionalPropertiesSchema(s);
  if (ap) for (const [k, v] of Object.entries(obj)) errs.push(...validateValue(path.key(k), ap, v));
  if (s.properties) {
    for (const [k, v] of Object.entries(obj)) {
      const sub = s.properties[k];
      if (sub) errs.push(...validateValue(path.child(k), sub, v));
    }
  }
  return errs;
}

/** Duplicate-value errors of set and map lists anywhere in `obj`. */
export function validateListSetsAndMaps(
  obj: unknown,
  schema: SchemaProps,
  rootPath: FieldPath = FieldPath.root(''),
): FieldError[] {
  return isJSONObject(obj) ? validateObject(rootPath, schema, obj) : [];
}

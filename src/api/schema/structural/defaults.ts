/**
 * Structural defaulting of custom objects (apiextensions-apiserver
 * `schema/defaulting`). Both functions mutate `obj` in place: the caller passes
 * its own freshly decoded copy, as the decoder does upstream.
 *
 * Order on the request path is prune, pruneNonNullableNullsWithoutDefaults, then
 * applyDefaults: a `null` in a non-nullable field is dropped when the field has
 * no default, and replaced by the default when it has one.
 */
import {
  additionalPropertiesSchema,
  copyJSON,
  has,
  isJSONObject,
  itemsSchema,
  type SchemaProps,
} from './schema-props.js';

const isNonNullableNull = (v: unknown, s: SchemaProps | undefined): boolean =>
  v === null && s !== undefined && !s.nullable;

function defaultValues(x: unknown, s: SchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(x)) {
    const items = itemsSchema(s);
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items)) x[i] = copyJSON(items!.default ?? null);
      defaultValues(x[i], items);
    }
    return;
  }
  if (!isJSONObject(x)) return;
  const props = s.properties ?? {};
  for (const [k, prop] of Object.entries(props)) {
    if (prop.default === undefined) continue;
    if (!has(x, k) || x[k] === undefined || isNonNullableNull(x[k], prop)) x[k] = copyJSON(prop.default);
  }
  const ap = s.additionalProperties !== undefined ? additionalPropertiesSchema(s) : undefined;
  for (const k of Object.keys(x)) {
    const prop = props[k];
    if (prop) {
      defaultValues(x[k], prop);
    } else if (s.additionalProperties !== undefined) {
      if (isNonNullableNull(x[k], ap)) x[k] = copyJSON(ap!.default ?? null);
      defaultValues(x[k], ap);
    }
  }
}

/**
 * Fills absent fields (and non-nullable nulls) that have a `default`, recursing
 * into objects, additionalProperties values and array items, including inside
 * values that were just defaulted. Returns `obj`.
 */
export function applyDefaults<T>(obj: T, schema: SchemaProps): T {
  defaultValues(obj, schema);
  return obj;
}

function schemaForField(field: string, s: SchemaProps | undefined): SchemaProps | undefined {
  if (!s) return undefined;
  const prop = s.properties?.[field];
  if (prop) return prop;
  return additionalPropertiesSchema(s);
}

/** Removes `null` values of non-nullable fields that have no default (they are left for applyDefaults otherwise). */
export function pruneNonNullableNullsWithoutDefaults(x: unknown, s: SchemaProps | undefined): void {
  if (Array.isArray(x)) {
    const items = itemsSchema(s);
    for (const v of x) pruneNonNullableNullsWithoutDefaults(v, items);
    return;
  }
  if (!isJSONObject(x)) return;
  for (const k of Object.keys(x)) {
    const fs = schemaForField(k, s);
    if (x[k] === null && fs !== undefined && !fs.nullable && fs.default === undefined) delete x[k];
    else pruneNonNullableNullsWithoutDefaults(x[k], fs);
  }
}

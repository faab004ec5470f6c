/**
 * The schema model of CustomResourceDefinitions: apiextensions v1 JSONSchemaProps
 * plus the x-kubernetes-* extensions that `kubernetes-types` leaves out. Any
 * JSONSchemaProps value is assignable to SchemaProps, so callers pass
 * `crd.spec.versions[i].schema.openAPIV3Schema` as is.
 *
 * Also the small JSON-value vocabulary the structural algorithms share: custom
 * objects are plain JSON (objects, arrays, strings, numbers, booleans, null), as
 * decoded from a request body; integral numbers count as JSON integers, as in
 * apimachinery's unstructured decoding (int64 for integers, float64 otherwise).
 */
import type { JSONSchemaProps, ValidationRule } from 'kubernetes-types/apiextensions/v1.js';

type Nested =
  | 'properties'
  | 'items'
  | 'additionalProperties'
  | 'additionalItems'
  | 'allOf'
  | 'anyOf'
  | 'oneOf'
  | 'not'
  | 'definitions'
  | 'patternProperties'
  | 'dependencies'
  | 'default'
  | 'enum'
  | 'example';

export interface SchemaProps extends Omit<JSONSchemaProps, Nested> {
  properties?: Record<string, SchemaProps>;
  items?: SchemaProps | SchemaProps[];
  additionalProperties?: SchemaProps | boolean;
  additionalItems?: SchemaProps | boolean;
  allOf?: SchemaProps[];
  anyOf?: SchemaProps[];
  oneOf?: SchemaProps[];
  not?: SchemaProps;
  definitions?: Record<string, SchemaProps>;
  patternProperties?: Record<string, SchemaProps>;
  dependencies?: Record<string, SchemaProps | string[]>;
  default?: unknown;
  enum?: unknown[];
  example?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: ValidationRule[];
}

export type JSONObject = Record<string, unknown>;

export function isJSONObject(v: unknown): v is JSONObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON kind of a decoded value, with integral numbers as `integer`. */
export type JSONKind = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

export function jsonKind(v: unknown): JSONKind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'bigint':
      return Number.isInteger(Number(v)) ? 'integer' : 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

/** Deep equality of JSON values (object key order ignored), like reflect.DeepEqual on unstructured data. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isJSONObject(a)) {
    if (!isJSONObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return (a ?? null) === (b ?? null);
}

/** A deep copy of a JSON value (defaults are copied before they are stored in an object). */
export function copyJSON<T>(v: T): T {
  return v === undefined ? v : (structuredClone(v) as T);
}

/** The single `items` schema (arrays of schemas are rejected at CRD creation and ignored here). */
export function itemsSchema(s: SchemaProps | undefined): SchemaProps | undefined {
  const items = s?.items;
  return items === undefined || Array.isArray(items) ? undefined : items;
}

/** `additionalProperties` as a schema, when it is one. */
export function additionalPropertiesSchema(s: SchemaProps | undefined): SchemaProps | undefined {
  const ap = s?.additionalProperties;
  return typeof ap === 'object' && ap !== null ? ap : undefined;
}

export const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

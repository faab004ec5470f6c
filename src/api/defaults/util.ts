/**
 * Helpers for defaulting JSON objects the way upstream defaults Go structs.
 * Go's "unset" has several JSON spellings, so each helper names the Go
 * condition it stands for:
 * - a nil pointer / nil map / nil slice: the key is absent or `null`;
 * - an empty string: absent, `null` or `''`;
 * - a zero number: absent, `null` or `0`;
 * - a zero-length slice or map: absent, `null`, `[]` or `{}`.
 */

export type JsonObject = Record<string, any>;

/** A function that defaults one object in place. `version` is the object's API version. */
export type Defaulter = (obj: JsonObject, version: string) => void;

/** Defaulters of one API group, keyed by kind. */
export type DefaulterTable = Readonly<Record<string, Defaulter>>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go: pointer, map or slice is nil. */
export function isNil(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

/** Go: string is empty. */
export function isEmptyString(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** Go: integer is zero. */
export function isZero(v: unknown): boolean {
  return v === undefined || v === null || v === 0;
}

/** Go: `len(x) == 0` for a slice or map. */
export function isEmptyCollection(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.keys(v).length === 0;
  return false;
}

/** Calls `fn` for each element of `list` that is an object; ignores anything else. */
export function forEachObject(list: unknown, fn: (item: JsonObject, index: number) => void): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    if (isObject(item)) fn(item, i);
  });
}

/**
 * Returns `parent[key]`, first setting it to `{}` when it is nil. Used for
 * Go struct (non-pointer) fields, which always exist. A non-object value
 * (malformed input) is left alone and `undefined` returned, so validation
 * reports it rather than defaulting silently replacing it.
 */
export function structField(parent: JsonObject, key: string): JsonObject | undefined {
  const v = parent[key];
  if (isNil(v)) {
    const created: JsonObject = {};
    parent[key] = created;
    return created;
  }
  return isObject(v) ? v : undefined;
}

/** Returns `parent[key]` when it is an object (a set pointer-to-struct), else undefined. */
export function objectField(parent: JsonObject, key: string): JsonObject | undefined {
  const v = parent[key];
  return isObject(v) ? v : undefined;
}

/** A copy of a JSON value, so defaults never alias another part of the object. */
export function copyJson<T>(v: T): T {
  return structuredClone(v);
}

/** The version part of an `apiVersion` (`apps/v1` -> `v1`, `v1` -> `v1`); `''` when absent. */
export function versionOf(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const i = apiVersion.indexOf('/');
  return i < 0 ? apiVersion : apiVersion.slice(i + 1);
}

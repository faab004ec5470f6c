import type { FieldError, FieldPath } from './field-error.js';

/**
 * Small building blocks shared by the per-kind validators, mirroring the helpers
 * upstream keeps in apimachinery `api/validation` (ValidateNonnegativeField,
 * ValidateImmutableField) plus the semantic equality those helpers rely on.
 */
export const isNegativeErrorMsg = 'must be greater than or equal to 0';
export const fieldImmutableErrorMsg = 'field is immutable';
export const isNotPositiveErrorMsg = 'must be greater than zero';

/** One Invalid error per message, at `path`, all carrying `value` (the upstream loop over `IsXxx` results). */
export function invalidEach(path: FieldPath, value: unknown, msgs: readonly string[]): FieldError[] {
  return msgs.map((m) => path.invalid(value, m));
}

/** ValidateNonnegativeField: an absent value is Go's zero and therefore valid. */
export function validateNonnegative(value: number | undefined | null, path: FieldPath): FieldError[] {
  return typeof value === 'number' && value < 0 ? [path.invalid(value, isNegativeErrorMsg)] : [];
}

/** ValidateImmutableField: `field is immutable` with the new value, when old and new differ semantically. */
export function validateImmutable(newVal: unknown, oldVal: unknown, path: FieldPath): FieldError[] {
  return semanticEqual(newVal, oldVal) ? [] : [path.invalid(newVal ?? null, fieldImmutableErrorMsg)];
}

/**
 * Go's zero values as seen on the wire: an omitted field decodes to the same Go
 * value as `""`, `0`, `false`, `[]` or `{}` for non-pointer fields, and upstream's
 * Semantic.DeepEqual treats nil and empty slices/maps alike. Without the Go types
 * we cannot tell pointer fields apart, so a missing value equals any zero value;
 * that errs on the side of accepting an update rather than rejecting a no-op.
 */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const aMissing = a === undefined || a === null;
  const bMissing = b === undefined || b === null;
  if (aMissing || bMissing) return isZero(a) && isZero(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      if (!semanticEqual(ao[k], bo[k])) return false;
    }
    return true;
  }
  return false;
}

/** Go's `len(s)` counts UTF-8 bytes; size limits (annotations, config data) are byte limits. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Sorted own keys of a map-valued field (labels, data, ...): stable error order for tests and clients. */
export function mapKeys(m: Record<string, unknown> | undefined | null): string[] {
  return m && typeof m === 'object' ? Object.keys(m).sort() : [];
}

/**
 * A list field: absent (or not a list) reads as empty, and null entries read as
 * Go's zero value of a struct (`{}`), which is what decoding `[null]` into a Go
 * slice of structs yields. Primitive entries are read through str()/num().
 */
export function list<T>(v: readonly T[] | undefined | null): readonly T[] {
  if (!Array.isArray(v)) return [];
  return v.some((e) => e === null || e === undefined) ? v.map((e) => e ?? ({} as T)) : v;
}

/** A string field, with absent and non-string values read as Go's zero value. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** An integer field, with absent values read as Go's zero value. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** A map field as an object (absent reads as empty). */
export function obj<T = unknown>(v: unknown): Record<string, T> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, T>) : {};
}

/**
 * JSON <-> CEL value conversion. Kubernetes objects arrive as decoded JSON;
 * CEL wants integers as int (BigInt here) and doubles as double, so
 * `object.spec.replicas > 5` and `size(x) == 2` type-check at run time.
 * Absent fields stay absent (so `has()` is false and selecting them is a
 * "no such key" error, as upstream); JSON null stays null.
 */

/** Converts a decoded JSON value (objects, arrays, numbers...) to the CEL runtime representation. */
export function toCelValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) && Number.isSafeInteger(v) ? BigInt(v) : v;
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'object':
      break;
    default:
      return null;
  }
  if (Array.isArray(v)) return v.map(toCelValue);
  // Values that are already CEL values of registered types (quantities, URLs, Dates) pass through.
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x !== undefined) out[k] = toCelValue(x);
  }
  return out;
}

/**
 * Converts a CEL result back to JSON-friendly values: BigInt -> number (when
 * safe, else string), Maps -> objects, registered types -> their string form.
 */
export function fromCelValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'bigint':
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v);
    case 'number':
    case 'string':
    case 'boolean':
      return v;
    case 'object':
      break;
    default:
      return String(v);
  }
  if (Array.isArray(v)) return v.map(fromCelValue);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) out[String(k)] = fromCelValue(x);
    return out;
  }
  if (v instanceof Date) return v.toISOString();
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return String(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = fromCelValue(x);
  return out;
}

/** The CEL type name of a runtime value, for error messages ("no such overload" style). */
export function celTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null_type';
  if (Array.isArray(v)) return 'list';
  switch (typeof v) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return v instanceof Map || Object.getPrototypeOf(v) === Object.prototype ? 'map' : 'object';
  }
}

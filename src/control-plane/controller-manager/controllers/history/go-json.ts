/**
 * Go's `encoding/json` output for a value decoded into `interface{}`: object
 * keys sorted bytewise, `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u00XX`,
 * numbers printed as float64. ControllerRevision data is produced this way
 * upstream (`json.Marshal` of a `map[string]interface{}`), and both the
 * revision hash and `kubectl rollout undo`'s "already matches" check compare
 * these bytes, so our text must be the same for the same value.
 */
export function goJSONMarshal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goJSONString(v);
    case 'number':
      // JSON.stringify already prints float64 as Go does (`1e+21`, `1e-7`); NaN/Infinity cannot occur in decoded JSON.
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (Array.isArray(v)) return `[${v.map((e) => goJSONMarshal(e)).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort(compareBytewise);
  return `{${keys.map((k) => `${goJSONString(k)}:${goJSONMarshal(obj[k])}`).join(',')}}`;
}

const htmlUnsafe = /[<>&\u2028\u2029]/g;

/** A JSON string literal with Go's HTML-safe escaping. */
export function goJSONString(s: string): string {
  return JSON.stringify(s).replace(htmlUnsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go string order: bytewise over UTF-8. */
export function compareBytewise(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A deep copy of a JSON value whose objects have their keys inserted in Go's
 * order, so the value serializes (JSON.stringify) as Go would have written it.
 * `undefined` members are dropped.
 */
export function sortedCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map((e) => sortedCopy(e)) as T;
  if (v === null || typeof v !== 'object') return v;
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort(compareBytewise)) {
    if (obj[k] !== undefined) out[k] = sortedCopy(obj[k]);
  }
  return out as T;
}

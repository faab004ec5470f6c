/**
 * JSON text the way Go's encoding/json (and json-iterator in std-lib mode) writes
 * it: object keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u00XX`.
 * Used where bytes produced upstream are visible to clients: the key of an
 * associative-list path element (`k:{"name":"nginx"}`) and the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation that server-side
 * apply keeps in sync.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const shortEscapes: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hex4(code: number): string {
  return '\\u' + code.toString(16).padStart(4, '0');
}

export function goQuoteJSON(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = shortEscapes[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code === 0x2028 || code === 0x2029) {
      out += hex4(code);
    } else {
      out += ch;
    }
  }
  return out + '"';
}

/** Encodes `v` compactly with Go's rules; `undefined` object members are skipped. */
export function goJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goQuoteJSON(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object': {
      if (Array.isArray(v)) return '[' + v.map((x) => goJSON(x)).join(',') + ']';
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return '{' + keys.map((k) => goQuoteJSON(k) + ':' + goJSON(o[k])).join(',') + '}';
    }
    default:
      return 'null';
  }
}

/** Deep equality of JSON values; numbers compare numerically (Go's value.Equals). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!Object.prototype.hasOwnProperty.call(bo, k) || !jsonEqual(ao[k], bo[k])) return false;
  }
  return true;
}

/**
 * A structural copy of a JSON value (objects in, plain objects out), as
 * structuredClone would make of one (keys with undefined values are kept),
 * but several times faster: API objects are copied on every write. A value
 * with a toJSON method (a Date from an in-process caller) is copied as what
 * JSON encoding would send.
 */
export function jsonClone<T>(v: T): T {
  return (typeof v === 'object' && v !== null ? copyValue(v) : v) as T;
}

function copyValue(v: object, converted = false): unknown {
  if (!converted && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    const j: unknown = (v as { toJSON(): unknown }).toJSON();
    return typeof j === 'object' && j !== null ? copyValue(j, true) : j;
  }
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      out[i] = typeof x === 'object' && x !== null ? copyValue(x) : x;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    out[k] = typeof x === 'object' && x !== null ? copyValue(x) : x;
  }
  return out;
}

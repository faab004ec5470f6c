/**
 * How client-go's JSONPath printer renders a value, for string-typed custom
 * columns: strings as they are, integers in decimal, floats with Go's `%v`,
 * booleans as `true`/`false`, maps and lists as compact JSON (Go
 * `json.Marshal`: sorted keys, HTML-safe escapes), null as `<no value>`.
 *
 * JSON numbers reach the apiserver's unstructured objects as int64 when they are
 * integral and float64 otherwise; an integral JS number is treated as the int64.
 */

const INT64_LIMIT = 2 ** 63;

function isInt64(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < INT64_LIMIT;
}

/**
 * Go `%v` of a float64 (`strconv.FormatFloat(v, 'g', -1, 64)`): the shortest
 * round-trip digits, in exponent form (`1.2345675e+06`, `1e-05`) when the
 * decimal exponent is below -4 or at least 6, plain decimal otherwise.
 */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // Shortest round-trip digits and the decimal exponent.
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${mantissa}e${sign}${abs < 10 ? `0${abs}` : abs}`;
  }
  const digits = mantissa.replace('-', '').replace('.', '');
  const negative = v < 0 ? '-' : '';
  if (exp < 0) return `${negative}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${negative}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${negative}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Go `encoding/json` string escaping: `<`, `>`, `&`, U+2028 and U+2029 as `\u00XX`. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go `json.Marshal` of a decoded JSON value: compact, map keys sorted. */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') return isInt64(v) ? BigInt(v).toString() : JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${goJsonString(k)}:${goJson(x)}`).join(',')}}`;
  }
  return 'null';
}

/** The text client-go's `JSONPath.PrintResults` writes for one value. */
export function goPrint(v: unknown): string {
  if (v === null || v === undefined) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return isInt64(v) ? BigInt(v).toString() : goFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return goJson(v);
}

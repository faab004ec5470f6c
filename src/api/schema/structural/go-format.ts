/**
 * Go's fmt renderings of JSON values, for the few upstream messages that embed a
 * value with `%v` (kube-openapi bounds: `should be less than or equal to 1e+06`)
 * or `%#v` (field.Duplicate of a list-map key:
 * `map[string]interface {}{"name":"a"}`). Integral numbers are Go int64s
 * (unstructured decoding), everything else float64.
 */
import { isJSONObject } from './schema-props.js';

/** `%v` of a float64: shortest digits, exponent form below 1e-4 or from 1e+06 on (strconv 'g', precision 6 rule). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  // Plain notation: JS prints these magnitudes without an exponent and with the same shortest digits.
  return String(v);
}

/** `%v` of a JSON number as kube-openapi sees it: int64 when integral, float64 otherwise. */
export function goNumber(v: number): string {
  return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v).toString() : goFloat(v);
}

/** Go's %q for strings (strconv.Quote); JSON quoting agrees for everything field values contain in practice. */
export function goQuoted(s: string): string {
  return JSON.stringify(s);
}

/** `%#v` of an unstructured value (map keys sorted, as fmt prints maps). */
export function goSharpV(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return goQuoted(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharpV).join(', ')}}`;
  if (isJSONObject(v)) {
    const entries = Object.keys(v)
      .sort()
      .map((k) => `${goQuoted(k)}:${goSharpV(v[k])}`);
    return `map[string]interface {}{${entries.join(', ')}}`;
  }
  return String(v);
}

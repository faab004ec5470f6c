/**
 * intstr.IntOrString: a JSON number or string, as used by ports (`targetPort`)
 * and rollout budgets (`maxSurge`, `maxUnavailable`).
 */
export type IntOrString = number | string;

const goAtoiSyntax = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.Atoi on a 64-bit platform; returns the number or Go's error text. */
function atoi(s: string): number | string {
  if (!goAtoiSyntax.test(s)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  return Number(v);
}

/**
 * The integer value and whether it was a percentage (upstream
 * getIntOrPercentValueSafely); a string must end in `%`.
 */
export function intOrPercentValue(v: IntOrString): { value: number; isPercent: boolean } | { error: string } {
  if (typeof v === 'number') return { value: Math.trunc(v), isPercent: false };
  if (typeof v !== 'string') return { error: 'invalid type: neither int nor percentage' };
  if (!v.endsWith('%')) return { error: 'invalid type: string is not a percentage' };
  const n = atoi(v.slice(0, -1));
  if (typeof n === 'string') return { error: `invalid value ${JSON.stringify(v)}: ${n}` };
  return { value: n, isPercent: true };
}

/**
 * Resolves an absolute count or a percentage of `total` (upstream
 * intstr.GetScaledValueFromIntOrPercent): percentages round up or down as
 * asked — maxSurge rounds up, maxUnavailable down. Throws Error with upstream's
 * text, e.g. `invalid value for IntOrString: invalid type: string is not a percentage`.
 */
export function scaledValueFromIntOrPercent(
  v: IntOrString | null | undefined,
  total: number,
  roundUp: boolean,
): number {
  if (v === null || v === undefined) throw new Error('nil value for IntOrString');
  const r = intOrPercentValue(v);
  if ('error' in r) throw new Error(`invalid value for IntOrString: ${r.error}`);
  if (!r.isPercent) return r.value;
  const scaled = (r.value * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * The integer a named-or-numbered port resolves to, or undefined for a name
 * (upstream IntOrString.IntValue treats a numeric string as its number).
 */
export function intOrStringNumber(v: IntOrString): number | undefined {
  if (typeof v === 'number') return v;
  const n = atoi(v);
  return typeof n === 'number' ? n : undefined;
}

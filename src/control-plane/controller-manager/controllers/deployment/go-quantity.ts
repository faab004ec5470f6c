import { Quantity } from '../../../../api/quantity/quantity.js';

/**
 * The private fields of an apimachinery `resource.Quantity` as
 * kube-controller-manager holds it after decoding the string the API server
 * stored (always the canonical form): the int64 fast path of ParseQuantity
 * (`i` = value x 10^scale, `s` = the cached string when already canonical), or
 * an inf.Dec (`d`) when the amount does not fit that path.
 */
export interface GoQuantity {
  i: { value: bigint; scale: number };
  /** inf.Dec: unscaled x 10^-scale; undefined = nil pointer. */
  d?: { unscaled: bigint; scale: number };
  s: string;
  format: 'DecimalSI' | 'BinarySI' | 'DecimalExponent';
}

const INT64_MAX = (1n << 63n) - 1n;
const decimalExponents: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binaryExponents: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** inf.Dec rounding to nano scale with RoundUp (away from zero), as ParseQuantity's slow path does. */
function roundToNano(unscaled: bigint, scale: number): { unscaled: bigint; scale: number } {
  if (scale <= 9) return { unscaled: unscaled * 10n ** BigInt(9 - scale), scale: 9 };
  const div = 10n ** BigInt(scale - 9);
  const neg = unscaled < 0n;
  const a = neg ? -unscaled : unscaled;
  const q = a / div + (a % div === 0n ? 0n : 1n);
  return { unscaled: neg ? -q : q, scale: 9 };
}

/** Decodes a quantity JSON value into the Go struct's fields; undefined when it is not a valid quantity. */
export function goQuantity(v: unknown): GoQuantity | undefined {
  let canonical: string;
  try {
    canonical = Quantity.fromJSON(v).toString();
  } catch {
    return undefined;
  }
  if (canonical === '0') return { i: { value: 0n, scale: 0 }, s: '0', format: 'DecimalSI' };
  const m = /^([+-]?)([0-9]+)(.*)$/.exec(canonical);
  if (!m) return undefined;
  const [, sign, num, suffix] = m as unknown as [string, string, string, string];
  const positive = sign !== '-';
  let base: 2 | 10;
  let exponent: number;
  let format: GoQuantity['format'];
  if (suffix in binaryExponents) {
    base = 2;
    exponent = binaryExponents[suffix]!;
    format = 'BinarySI';
  } else if (suffix in decimalExponents) {
    base = 10;
    exponent = decimalExponents[suffix]!;
    format = 'DecimalSI';
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    base = 10;
    exponent = Number(suffix.slice(1));
    format = 'DecimalExponent';
  } else {
    return undefined;
  }
  const digits = BigInt(num);
  // The int64 fast path.
  const precision = base === 10 ? 18 - num.length : 15 - num.length - Math.trunc(Math.fround((exponent * 3) / 10)) - 1;
  const scale = base === 10 ? exponent : 0;
  if (precision >= 0 && scale >= -9) {
    const result = base === 10 ? digits : digits << BigInt(exponent);
    if (result <= INT64_MAX) {
      const cached =
        base === 2
          ? exponent % 10 === 0 && (digits & 7n) !== 0n
          : scale % 3 === 0 && !num.endsWith('000') && num[0] !== '0';
      return { i: { value: positive ? result : -result, scale }, s: cached ? canonical : '', format };
    }
  }
  // The inf.Dec path: exact amount, rounded to nano scale, binary capped at int64 max.
  let unscaled = base === 10 ? digits : digits << BigInt(exponent);
  let decScale = base === 10 ? -exponent : 0;
  ({ unscaled, scale: decScale } = roundToNano(unscaled, decScale));
  if (format === 'BinarySI' && unscaled > INT64_MAX * 10n ** 9n) {
    unscaled = INT64_MAX;
    decScale = 0;
  }
  return {
    i: { value: 0n, scale: 0 },
    d: { unscaled: positive ? unscaled : -unscaled, scale: decScale },
    s: '',
    format,
  };
}

/** big.Int's magnitude as little-endian 64-bit words (big.nat). */
export function bigNatWords(n: bigint): bigint[] {
  const out: bigint[] = [];
  let a = n < 0n ? -n : n;
  while (a > 0n) {
    out.push(a & 0xffffffffffffffffn);
    a >>= 64n;
  }
  return out;
}

import { binarySuffix, decimalSuffix, interpretSuffix, type QuantityFormat } from './suffix.js';
import { QUANTITY_FORMAT_MESSAGE, QUANTITY_NUMERIC_MESSAGE, QUANTITY_SUFFIX_MESSAGE, scanQuantity } from './scan.js';

export type { QuantityFormat } from './suffix.js';

/** Scale of a decimal power: value = unscaled * 10^scale (upstream resource.Scale). */
export const Nano = -9;
export const Micro = -6;
export const Milli = -3;

const INT64_MAX = (1n << 63n) - 1n;
/** Exponent gaps beyond this are refused instead of building astronomically large integers. */
const MAX_EXPONENT_SPAN = 100_000;

const pow10Cache: bigint[] = [];
function pow10(n: number): bigint {
  if (n > MAX_EXPONENT_SPAN) throw new RangeError('quantity exponent out of range');
  if (n < 64) return (pow10Cache[n] ??= 10n ** BigInt(n));
  return 10n ** BigInt(n);
}
const abs = (v: bigint) => (v < 0n ? -v : v);
const digitCount = (v: bigint) => abs(v).toString().length;

/** Divides away from zero: ceil for positive values, floor for negative ones. */
function divAwayFromZero(v: bigint, d: bigint): bigint {
  const q = v / d;
  if (q * d === v) return q;
  return v < 0n ? q - 1n : q + 1n;
}

/** Rounds m*10^e to scale `scale` (away from zero), returning the new unscaled value. */
function rescale(m: bigint, e: number, scale: number): bigint {
  if (e >= scale) return m * pow10(e - scale);
  const shift = scale - e;
  if (m === 0n) return 0n;
  // A shift longer than the number leaves only the rounding unit.
  if (shift > digitCount(m)) return m < 0n ? -1n : 1n;
  return divAwayFromZero(m, pow10(shift));
}

/**
 * A fixed-point number with a remembered output format (apimachinery
 * `resource.Quantity`): `m * 10^e`, exact, never floating point. Parsed values
 * keep nano precision (finer non-zero values round away from zero) and binary
 * ones are capped at 2^63-1 in magnitude, as upstream. Instances are immutable.
 *
 * `toString()` is upstream's `String()`: the canonical form — the largest
 * suffix without fractional digits (`1.5Gi` -> `1536Mi`, `0.5` -> `500m`) — except
 * that a parsed string already in canonical shape is echoed verbatim, as
 * upstream caches it (so `+1` stays `+1` and `1E3` stays `1E3`).
 */
export class Quantity {
  readonly format: QuantityFormat;
  readonly #m: bigint;
  readonly #e: number;
  #s: string | undefined;

  private constructor(m: bigint, e: number, format: QuantityFormat, s?: string) {
    this.#m = m;
    this.#e = e;
    this.format = format;
    this.#s = s;
  }

  /** Parses a quantity; throws Error with upstream's message on bad input. */
  static parse(input: string | number): Quantity {
    const p = parseQuantity(input);
    if (typeof p === 'string') throw new Error(p);
    return new Quantity(p.m, p.e, p.format, p.s);
  }

  static tryParse(input: string | number): Quantity | undefined {
    const p = parseQuantity(input);
    return typeof p === 'string' ? undefined : new Quantity(p.m, p.e, p.format, p.s);
  }

  /**
   * Decodes a JSON value the way upstream's UnmarshalJSON does: strings and
   * numbers, surrounding whitespace tolerated; null is zero.
   */
  static fromJSON(v: unknown): Quantity {
    if (v === null || v === undefined) return new Quantity(0n, 0, 'DecimalSI');
    if (typeof v === 'string') return Quantity.parse(v.trim());
    if (typeof v === 'number') return Quantity.parse(v);
    throw new Error(QUANTITY_FORMAT_MESSAGE);
  }

  /** `value` units (NewQuantity). */
  static fromValue(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigInt(value), 0, format);
  }

  /** `value` thousandths (NewMilliQuantity). */
  static fromMilli(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigInt(value), Milli, format);
  }

  /** `value * 10^scale` in DecimalSI (NewScaledQuantity). */
  static fromScaled(value: number | bigint, scale: number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(toBigInt(value), scale, format);
  }

  sign(): -1 | 0 | 1 {
    return this.#m === 0n ? 0 : this.#m < 0n ? -1 : 1;
  }

  isZero(): boolean {
    return this.#m === 0n;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    const sa = this.sign();
    const sb = other.sign();
    if (sa !== sb || sa === 0) return sa < sb ? -1 : sa > sb ? 1 : 0;
    // Same non-zero sign: compare orders of magnitude first so that wildly
    // different exponents never need aligning.
    const oa = digitCount(this.#m) + this.#e;
    const ob = digitCount(other.#m) + other.#e;
    if (oa !== ob) return oa > ob === sa > 0 ? 1 : -1;
    const e = Math.min(this.#e, other.#e);
    const a = this.#m * pow10(this.#e - e);
    const b = other.#m * pow10(other.#e - e);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** Sum; a zero receiver takes the other operand's format, as upstream Add. */
  add(other: Quantity): Quantity {
    const format = this.isZero() ? other.format : this.format;
    const e = Math.min(this.#e, other.#e);
    return new Quantity(this.#m * pow10(this.#e - e) + other.#m * pow10(other.#e - e), e, format);
  }

  /** Difference; a zero receiver takes the other operand's format, as upstream Sub. */
  sub(other: Quantity): Quantity {
    const format = this.isZero() ? other.format : this.format;
    const e = Math.min(this.#e, other.#e);
    return new Quantity(this.#m * pow10(this.#e - e) - other.#m * pow10(other.#e - e), e, format);
  }

  neg(): Quantity {
    return new Quantity(-this.#m, this.#e, this.format);
  }

  /** Product with an integer. */
  mul(n: number | bigint): Quantity {
    return new Quantity(this.#m * toBigInt(n), this.#e, this.format);
  }

  /** The same amount, emitted in another format. */
  withFormat(format: QuantityFormat): Quantity {
    return format === this.format ? this : new Quantity(this.#m, this.#e, format);
  }

  /** The value rounded away from zero to a multiple of 10^scale (upstream RoundUp). */
  roundUp(scale: number): Quantity {
    if (this.#e >= scale) return this;
    return new Quantity(rescale(this.#m, this.#e, scale), scale, this.format);
  }

  /** ceil(|q| / 10^scale) with q's sign, i.e. rounded away from zero (upstream ScaledValue). */
  scaledValue(scale: number): bigint {
    return rescale(this.#m, this.#e, scale);
  }

  /** Whole units, rounded away from zero (upstream Value). */
  value(): bigint {
    return this.scaledValue(0);
  }

  /** Thousandths, rounded away from zero (upstream MilliValue). */
  milliValue(): bigint {
    return this.scaledValue(Milli);
  }

  /** A float approximation, for ratios and display only (upstream AsApproximateFloat64). */
  asApproximateNumber(): number {
    return Number(`${this.#m}e${this.#e}`);
  }

  toString(): string {
    return (this.#s ??= canonicalString(this.#m, this.#e, this.format));
  }

  toJSON(): string {
    return this.toString();
  }
}

function toBigInt(n: number | bigint): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isSafeInteger(n)) throw new RangeError(`quantity amount must be a safe integer, got ${n}`);
  return BigInt(n);
}

/** Upstream CanonicalizeBytes. */
function canonicalString(m: bigint, e: number, format: QuantityFormat): string {
  if (m === 0n) return '0';
  if (format === 'BinarySI') {
    const whole = binaryWhole(m, e);
    if (whole !== undefined) {
      let v = whole;
      let power = 0;
      // Ei is the largest binary suffix; bigger values keep a larger number.
      while (power < 6 && v % 1024n === 0n) {
        v /= 1024n;
        power++;
      }
      return `${v}${binarySuffix(power)}`;
    }
    format = 'DecimalSI';
  }
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  while (e % 3 !== 0) {
    m *= 10n;
    e--;
  }
  return `${m}${decimalSuffix(e, format)}`;
}

/**
 * The integer a BinarySI quantity prints in base 1024, or undefined when it must
 * print as DecimalSI instead: magnitudes under 1024 and fractional amounts
 * (which binary suffixes cannot show without rounding).
 */
function binaryWhole(m: bigint, e: number): bigint | undefined {
  if (e > MAX_EXPONENT_SPAN) return undefined;
  let whole: bigint;
  if (e >= 0) {
    whole = m * pow10(e);
  } else {
    if (-e > digitCount(m)) return undefined;
    const d = pow10(-e);
    if (m % d !== 0n) return undefined;
    whole = m / d;
  }
  return abs(whole) < 1024n ? undefined : whole;
}

interface ParsedParts {
  m: bigint;
  e: number;
  format: QuantityFormat;
  /** The input, when upstream would echo it as the output. */
  s?: string;
}

/** Upstream ParseQuantity; returns the error message on failure. */
function parseQuantity(input: string | number): ParsedParts | string {
  let str: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return QUANTITY_FORMAT_MESSAGE;
    str = String(input);
  } else {
    str = input;
  }
  if (str.length === 0) return QUANTITY_FORMAT_MESSAGE;
  if (str === '0') return { m: 0n, e: 0, format: 'DecimalSI', s: '0' };
  const scanned = scanQuantity(str);
  if (!scanned) return QUANTITY_FORMAT_MESSAGE;
  const { positive, num, denom, suffix } = scanned;
  const meaning = interpretSuffix(suffix);
  if (!meaning) return QUANTITY_SUFFIX_MESSAGE;
  const { base, exponent } = meaning;
  let format = meaning.format;

  const digits = num + denom;
  if (!/^[0-9]+$/.test(digits)) return QUANTITY_NUMERIC_MESSAGE;
  let m = BigInt(digits);
  let e = -denom.length;
  if (base === 10) e += exponent;
  else m <<= BigInt(exponent);

  // Non-zero amounts keep nano precision, rounding away from zero so that a tiny
  // request still asks for something.
  if (m !== 0n && e < Nano) {
    m = rescale(m, e, Nano);
    e = Nano;
  }
  if (format === 'BinarySI') {
    if (e >= 0 ? m * pow10(e) > INT64_MAX : m > INT64_MAX * pow10(-e)) {
      m = INT64_MAX;
      e = 0;
    }
    // Between 0 and 1 a binary suffix cannot show the amount without rounding.
    if (m !== 0n && (e >= 0 ? false : m < pow10(-e))) format = 'DecimalSI';
  }
  if (!positive) m = -m;
  return { m, e, format, s: cachedForm(str, scanned, base, exponent) };
}

/**
 * Upstream keeps the input string as the output when its int64 fast path
 * parsed it and the digits are already canonical; anything else is
 * re-rendered. Reproduced so emitted objects match the real API server.
 */
function cachedForm(
  str: string,
  { num, denom }: { num: string; denom: string },
  base: number,
  exponent: number,
): string | undefined {
  if (base === 2) {
    if (denom.length > 0) return undefined;
    const precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    if (precision < 0) return undefined;
    const value = BigInt(num);
    if (value << BigInt(exponent) > INT64_MAX) return undefined;
    return value % 8n !== 0n ? str : undefined;
  }
  if (18 - (num.length + denom.length) < 0) return undefined;
  const scale = exponent - denom.length;
  if (scale < Nano) return undefined;
  const shifted = num + denom;
  if (scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0') return str;
  return undefined;
}

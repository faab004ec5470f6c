/**
 * Quantity suffixes (apimachinery `pkg/api/resource/suffix.go`): how a suffix
 * is read into (base, exponent, format) and how a canonical amount is written
 * back. A quantity's value is `number * base^exponent`.
 */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface SuffixMeaning {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

const decimalSuffixes: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const binarySuffixes: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const decimalByExponent = new Map([...decimalSuffixes].map(([s, e]) => [e, s]));
const binaryByExponent = new Map([...binarySuffixes].map(([s, e]) => [e, s]));

/** Go's strconv.ParseInt(s, 10, 64) syntax: optional sign, then decimal digits. */
const goInt = /^[+-]?[0-9]+$/;
const INT64_MAX = (1n << 63n) - 1n;

/** Reads a suffix; undefined means upstream's ErrSuffix. */
export function interpretSuffix(s: string): SuffixMeaning | undefined {
  const dec = decimalSuffixes.get(s);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = binarySuffixes.get(s);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    const digits = s.slice(1);
    if (!goInt.test(digits)) return undefined;
    const parsed = BigInt(digits);
    // ParseInt rejects values outside int64; the result is then truncated to int32 as upstream does.
    if (parsed > INT64_MAX || parsed < -INT64_MAX - 1n) return undefined;
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  return undefined;
}

/**
 * The suffix for a base-10 exponent (a multiple of 3) in DecimalSI or
 * DecimalExponent format. DecimalSI has no suffix beyond E (10^18) or below n
 * (10^-9); those fall back to exponent notation rather than losing magnitude.
 */
export function decimalSuffix(exponent: number, format: QuantityFormat): string {
  if (format === 'DecimalSI') {
    const s = decimalByExponent.get(exponent);
    if (s !== undefined) return s;
  }
  return exponent === 0 ? '' : `e${exponent}`;
}

/** The suffix for a power of 1024 (0..6). */
export function binarySuffix(power1024: number): string {
  return power1024 === 0 ? '' : binaryByExponent.get(power1024 * 10)!;
}

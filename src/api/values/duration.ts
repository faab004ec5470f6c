/**
 * Go `time.Duration` strings, as used by metav1.Duration fields and component
 * flags: `1h2m3.5s`, `300ms`, `-1.5h`, `1us`/`1µs`, `10ns`. Values are integer
 * nanoseconds in the int64 range, kept as bigint so nothing is lost.
 */
export const Nanosecond = 1n;
export const Microsecond = 1000n;
export const Millisecond = 1_000_000n;
export const Second = 1_000_000_000n;
export const Minute = 60n * Second;
export const Hour = 60n * Minute;

const units: ReadonlyMap<string, bigint> = new Map([
  ['ns', Nanosecond],
  ['us', Microsecond],
  ['\u00b5s', Microsecond], // U+00B5 micro sign
  ['\u03bcs', Microsecond], // U+03BC Greek mu
  ['ms', Millisecond],
  ['s', Second],
  ['m', Minute],
  ['h', Hour],
]);

const TWO_63 = 1n << 63n;
const quote = (s: string) => JSON.stringify(s);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Parses like Go's time.ParseDuration; throws Error with Go's message (`time: invalid duration "x"`). */
export function parseDuration(input: string): bigint {
  const invalid = () => new Error(`time: invalid duration ${quote(input)}`);
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // Integer part; more than int64 is an error.
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > TWO_63) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // Fraction: digits beyond int64 precision are dropped, as Go does.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          if (f > (TWO_63 - 1n) / 10n) overflow = true;
          else {
            const next = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (next > TWO_63) overflow = true;
            else {
              f = next;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) throw new Error(`time: missing unit in duration ${quote(input)}`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = units.get(unitName);
    if (unit === undefined) throw new Error(`time: unknown unit ${quote(unitName)} in duration ${quote(input)}`);
    if (v > TWO_63 / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go computes the fractional part in float64; truncation matches it.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO_63) throw invalid();
    }
    total += v;
    if (total > TWO_63) throw invalid();
  }
  if (neg) return -total;
  if (total > TWO_63 - 1n) throw invalid();
  return total;
}

/** Parses a duration to (possibly fractional) milliseconds, for timers. */
export function parseDurationMs(input: string): number {
  return Number(parseDuration(input)) / 1e6;
}

/** Digits of v after the decimal point at precision `prec`, trailing zeros and the point dropped. */
function fraction(v: bigint, prec: number): { text: string; rest: bigint } {
  let digits = '';
  let printed = false;
  for (let i = 0; i < prec; i++) {
    const d = v % 10n;
    printed ||= d !== 0n;
    if (printed) digits = `${d}${digits}`;
    v /= 10n;
  }
  return { text: printed ? `.${digits}` : '', rest: v };
}

/** Formats like Go's Duration.String(): `1h2m3.5s`, `1.5ms`, `2µs`, `0s`. */
export function formatDuration(d: bigint | number): string {
  let u = typeof d === 'bigint' ? d : BigInt(Math.trunc(d));
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < Second) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < Microsecond) {
      prec = 0;
      unit = 'ns';
    } else if (u < Millisecond) {
      prec = 3;
      unit = '\u00b5s';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const { text, rest } = fraction(u, prec);
    out = `${rest}${text}${unit}`;
  } else {
    const { text, rest } = fraction(u, 9);
    const secs = rest % 60n;
    const mins = rest / 60n;
    out = `${secs}${text}s`;
    if (mins > 0n) {
      out = `${mins % 60n}m${out}`;
      const hours = mins / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Formats a millisecond count (fractions kept to the nanosecond) as a Go duration string. */
export function formatDurationMs(ms: number): string {
  return formatDuration(BigInt(Math.round(ms * 1e6)));
}

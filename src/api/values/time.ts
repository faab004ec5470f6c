import type { Clock } from '../../lib/clock.js';

/**
 * API timestamps. metav1.Time serializes as RFC 3339 in UTC with whole seconds
 * (`2026-01-01T00:00:00Z`), metav1.MicroTime with exactly six fraction digits
 * (`2026-01-01T00:00:00.000000Z`). Values in code are epoch milliseconds.
 * Parsing follows Go's time.Parse for those layouts, including its error texts,
 * because a bad timestamp in a request body is reported to the client verbatim.
 */
export const RFC3339 = '2006-01-02T15:04:05Z07:00';
export const RFC3339Micro = '2006-01-02T15:04:05.000000Z07:00';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** metav1.Time form: UTC, seconds precision (sub-second part truncated, as Go's Format does). */
export function formatTime(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** metav1.MicroTime form: UTC, six fraction digits. */
export function formatMicroTime(ms: number): string {
  const micros = Math.floor(ms * 1000);
  const secs = Math.floor(micros / 1e6);
  const frac = micros - secs * 1e6;
  return `${new Date(secs * 1000).toISOString().slice(0, 19)}.${pad(frac, 6)}Z`;
}

/** RFC3339Nano form: UTC, fraction digits without trailing zeros (Go's time.RFC3339Nano). */
export function formatRFC3339Nano(ms: number): string {
  const micros = Math.floor(ms * 1000);
  const secs = Math.floor(micros / 1e6);
  const frac = pad(micros - secs * 1e6, 6).replace(/0+$/, '');
  return `${new Date(secs * 1000).toISOString().slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}

export function nowRFC3339(clock: Clock): string {
  return formatTime(clock.now());
}

export function nowMicroTime(clock: Clock): string {
  return formatMicroTime(clock.now());
}

/** Parses a metav1.Time (RFC 3339; a fraction and any offset accepted, as Go does) to epoch ms. */
export function parseTime(s: string): number {
  return parseLayout(s, false);
}

/** Parses a metav1.MicroTime (exactly six fraction digits) to epoch ms. */
export function parseMicroTime(s: string): number {
  return parseLayout(s, true);
}

/** Either form (and RFC3339Nano), or undefined when it does not parse. */
export function tryParseTime(s: string): number | undefined {
  try {
    return parseLayout(s, false);
  } catch {
    return undefined;
  }
}

class TimeParseError extends Error {}

const quote = (s: string) => JSON.stringify(s);
const isDigit = (s: string, i: number) => i < s.length && s[i]! >= '0' && s[i]! <= '9';

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian civil date. */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * A small emulation of Go's time.Parse for the two layouts: the element
 * sequence 2006 - 01 - 02 T 15 : 04 : 05 [.000000] Z07:00, with Go's range
 * checks and `cannot parse "<rest>" as "<element>"` messages.
 */
function parseLayout(value: string, micro: boolean): number {
  const layout = micro ? RFC3339Micro : RFC3339;
  const bad = (rest: string, elem: string) =>
    new TimeParseError(
      `parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(rest)} as ${quote(elem)}`,
    );
  const range = (what: string) => new TimeParseError(`parsing time ${quote(value)}: ${what} out of range`);
  let v = value;
  const literal = (lit: string) => {
    if (!v.startsWith(lit)) throw bad(v, lit);
    v = v.slice(lit.length);
  };
  /** Go's getnum: one or two digits; `fixed` requires two. */
  const num = (elem: string, fixed: boolean): number => {
    if (!isDigit(v, 0)) throw bad(v, elem);
    if (!isDigit(v, 1)) {
      if (fixed) throw bad(v, elem);
      const n = Number(v[0]);
      v = v.slice(1);
      return n;
    }
    const n = Number(v.slice(0, 2));
    v = v.slice(2);
    return n;
  };
  const fraction = (digits: number): number => {
    const f = v.slice(1, 1 + digits);
    v = v.slice(1 + digits);
    // Nanoseconds from at most nine digits, as Go's parseNanoseconds.
    return Number(f.slice(0, 9).padEnd(9, '0'));
  };

  if (v.length < 4 || !/^[0-9]{4}/.test(v)) throw bad(v, '2006');
  const year = Number(v.slice(0, 4));
  v = v.slice(4);
  literal('-');
  const month = num('01', true);
  if (month < 1 || month > 12) throw range('month');
  literal('-');
  // Go accepts any two digits here and checks the day against the month at the end.
  const day = num('02', true);
  literal('T');
  const hour = num('15', false);
  if (hour > 23) throw range('hour');
  literal(':');
  const minute = num('04', true);
  if (minute > 59) throw range('minute');
  literal(':');
  const second = num('05', true);
  if (second > 59) throw range('second');
  let nanos = 0;
  if (micro) {
    if (v.length < 7 || v[0] !== '.' || !/^[0-9]{6}/.test(v.slice(1))) throw bad(v, '.000000');
    nanos = fraction(6);
  } else if (v.length >= 2 && (v[0] === '.' || v[0] === ',') && isDigit(v, 1)) {
    let n = 1;
    while (isDigit(v, n)) n++;
    nanos = fraction(n - 1);
  }
  let offsetSec = 0;
  if (v[0] === 'Z') {
    v = v.slice(1);
  } else {
    if (v.length < 6 || v[3] !== ':' || (v[0] !== '+' && v[0] !== '-') || !/^[0-9]{2}:[0-9]{2}/.test(v.slice(1)))
      throw bad(v, 'Z07:00');
    const hh = Number(v.slice(1, 3));
    const mm = Number(v.slice(4, 6));
    if (hh > 24) throw range('time zone offset hour');
    if (mm > 60) throw range('time zone offset minute');
    offsetSec = (hh * 60 + mm) * 60 * (v[0] === '-' ? -1 : 1);
    v = v.slice(6);
  }
  if (v.length > 0) throw new TimeParseError(`parsing time ${quote(value)}: extra text: ${quote(v)}`);
  if (day < 1 || day > daysIn(month, year)) throw range('day');
  const secs = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSec;
  return secs * 1000 + Math.floor(nanos / 1e6);
}

/**
 * Human-readable ages and durations, as apimachinery `util/duration` prints them
 * (`45s`, `5m30s`, `2d3h`, `3y`). Every AGE, LAST SEEN and DURATION cell that
 * kubectl shows is computed by the server with these functions, so the exact
 * boundaries matter: kubectl prints the strings verbatim.
 *
 * Inputs are milliseconds; Go truncates durations toward zero when it converts
 * them to whole seconds/minutes/hours, and so do we.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Clock skew tolerance shared by both functions: anything down to one second in
 * the future counts as "now" (`0s`); further in the future is `<invalid>`.
 */
function negative(ms: number): string | undefined {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  return undefined;
}

/** Upstream `duration.ShortHumanDuration`: one unit only (`59s`, `5m`, `23h`, `364d`, `2y`). */
export function shortHumanDuration(ms: number): string {
  const early = negative(ms);
  if (early !== undefined) return early;
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * Upstream `duration.HumanDuration`: about two significant figures —
 * seconds up to 2 minutes, `XmYs` below 10 minutes, minutes below 3 hours,
 * `XhYm` below 8 hours, hours below 2 days, `XdYh` below 8 days, days below
 * 2 years, `XyYd` below 8 years, then years.
 */
export function humanDuration(ms: number): string {
  const early = negative(ms);
  if (early !== undefined) return early;
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** Go's zero `time.Time` (0001-01-01T00:00:00Z), which metav1.Time treats as unset. */
export const ZERO_TIME_MS = -62135596800000;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 timestamp (`metav1.Time`, or `metav1.MicroTime` with a
 * fraction) into epoch milliseconds; `undefined` when it is not one. Strict like
 * Go's `time.Parse(time.RFC3339, ...)`: a zone is required. A fraction finer
 * than a millisecond is kept as a fractional millisecond, so truncating an age
 * to whole seconds lands on the same side of a boundary as Go's nanoseconds.
 */
export function parseRFC3339(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7] ? Number(`0.${m[7]}`) * SECOND : 0;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  if (d.getUTCDate() !== day) return undefined; // e.g. February 30th
  let ms = d.getTime() + fraction;
  if (m[8] !== 'Z') {
    const offset = (Number(m[10]) * 60 + Number(m[11])) * MINUTE;
    ms -= m[9] === '+' ? offset : -offset;
  }
  return ms;
}

/**
 * The age of a timestamp at `now` (epoch ms), as the printers' `translateTimestampSince`:
 * `<unknown>` when the timestamp is missing or Go's zero time, otherwise
 * `humanDuration(now - timestamp)` (so a timestamp in the future is `<invalid>`).
 */
export function translateTimestampSince(timestamp: string | undefined | null, now: number): string {
  if (!timestamp) return '<unknown>';
  const t = parseRFC3339(timestamp);
  if (t === undefined || t === ZERO_TIME_MS) return '<unknown>';
  return humanDuration(now - t);
}

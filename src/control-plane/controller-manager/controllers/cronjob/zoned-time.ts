import { isKnownTimeZone } from '../../../../api/validation/cron.js';

/**
 * Wall-clock arithmetic in a named time zone with Go's `time` semantics,
 * which the cron schedule code relies on: an instant is epoch ms, a zone
 * answers "what is the UTC offset at this instant" (from the ICU data behind
 * Intl.DateTimeFormat), and `date()` turns wall-clock fields into an instant
 * the way Go's time.Date does — normalizing overflowing fields, and resolving
 * times in a DST gap or overlap by Go's rule.
 */

/** Calendar fields of an instant in a zone; month 1–12, weekday 0 = Sunday. */
export interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

export class Zone {
  private readonly fmt?: Intl.DateTimeFormat;

  private constructor(readonly name: string) {
    if (name !== 'UTC') {
      this.fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    }
  }

  static readonly utc = new Zone('UTC');
  private static readonly cache = new Map<string, Zone>();

  /**
   * The zone for an IANA name as Go's time.LoadLocation resolves it: `''`
   * and `UTC` are UTC, `Local` is this process's zone; undefined when the
   * name is unknown.
   */
  static load(name: string): Zone | undefined {
    if (name === '' || name === 'UTC') return Zone.utc;
    if (name === 'Local') return Zone.load(localZoneName());
    const hit = Zone.cache.get(name);
    if (hit) return hit;
    // Zone files are case-sensitive where ICU is not: `america/new_york` is not a zone to Go.
    if (!isKnownTimeZone(name)) return undefined;
    try {
      const z = new Zone(name);
      Zone.cache.set(name, z);
      return z;
    } catch {
      return undefined;
    }
  }

  /** Offset east of UTC in ms at the instant. */
  offsetAt(ms: number): number {
    if (!this.fmt) return 0;
    const secMs = Math.floor(ms / 1000) * 1000;
    const w = this.wallFields(secMs);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - secMs;
  }

  /** The calendar fields of the instant (sub-second part dropped). */
  wall(ms: number): Wall {
    const secMs = Math.floor(ms / 1000) * 1000;
    const f = this.fmt ? this.wallFields(secMs) : utcFields(secMs);
    return { ...f, weekday: new Date(Date.UTC(f.year, f.month - 1, f.day)).getUTCDay() };
  }

  /**
   * Go's time.Date(year, month, day, hour, min, sec, 0, zone): fields out of
   * range are normalized (month 13 is January of the next year); in a DST gap
   * or overlap the offset in force just before the wall time (read as UTC) is
   * tried first and replaced by the one at the resulting instant when it does
   * not hold there.
   */
  date(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const asUTC = Date.UTC(year, month - 1, day, hour, minute, second);
    if (!this.fmt) return asUTC;
    let offset = this.offsetAt(asUTC);
    if (offset !== 0) {
      const utc = asUTC - offset;
      const there = this.offsetAt(utc);
      if (there !== offset) offset = there;
    }
    return asUTC - offset;
  }

  /** Go's t.AddDate(years, months, days) on the wall clock of this zone. */
  addDate(ms: number, years: number, months: number, days: number): number {
    const w = this.wall(ms);
    return this.date(w.year + years, w.month + months, w.day + days, w.hour, w.minute, w.second);
  }

  /** Go's t.Format(time.RFC3339) in this zone: `2006-01-02T15:04:05-07:00`, `Z` for a zero offset. */
  formatRFC3339(ms: number): string {
    const w = this.wall(ms);
    const off = Math.round(this.offsetAt(ms) / 60_000);
    const p = (n: number, l = 2) => String(n).padStart(l, '0');
    const zone =
      off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
    return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}${zone}`;
  }

  private wallFields(secMs: number): Omit<Wall, 'weekday'> {
    const parts = this.fmt!.formatToParts(new Date(secMs));
    const get = (t: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === t)?.value ?? 0);
    const era = parts.find((p) => p.type === 'era')?.value;
    const y = get('year');
    return {
      year: era === 'BC' || era === 'B' ? 1 - y : y,
      month: get('month'),
      day: get('day'),
      hour: get('hour'),
      minute: get('minute'),
      second: get('second'),
    };
  }
}

function utcFields(ms: number): Omit<Wall, 'weekday'> {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** This process's time zone (Go's time.Local), UTC when the runtime cannot tell. */
export function localZoneName(): string {
  const tz = process.env.TZ || Intl.DateTimeFormat().resolvedOptions().timeZone;
  return tz && tz !== 'Local' && Zone.load(tz) ? tz : 'UTC';
}

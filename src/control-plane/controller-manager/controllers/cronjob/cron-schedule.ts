import { cronParseError } from '../../../../api/validation/cron.js';
import { parseDuration } from '../../../../api/values/duration.js';
import { localZoneName, Zone } from './zoned-time.js';

/** A parsed schedule: the first activation strictly after an instant (epoch ms), 0 when there is none. */
export interface Schedule {
  next(ms: number): number;
  readonly zone: Zone;
}

interface Field {
  bits: boolean[];
  /** The field was `*` or `?` (with no step above 1): matters only for day-of-month/day-of-week. */
  star: boolean;
}

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const bounds = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: Object.fromEntries(months.map((m, i) => [m, i + 1])) },
  { min: 0, max: 6, names: Object.fromEntries(days.map((d, i) => [d, i])) },
] as { min: number; max: number; names?: Record<string, number> }[];

function range(min: number, max: number, step = 1, star = false): Field {
  const bits: boolean[] = [];
  for (let i = min; i <= max; i += step) bits[i] = true;
  return { bits, star };
}

const only = (v: number): Field => range(v, v);

function parseValue(s: string, names?: Record<string, number>): number {
  return names?.[s.toLowerCase()] ?? Number(s);
}

/** One comma-separated field, already validated by cronParseError (robfig getField/getRange). */
function parseField(expr: string, b: { min: number; max: number; names?: Record<string, number> }): Field {
  const out: Field = { bits: [], star: false };
  for (const part of expr.split(',').filter((p) => p !== '')) {
    const [rangePart, stepPart] = part.split('/') as [string, string | undefined];
    const lowHigh = rangePart.split('-');
    let start: number;
    let end: number;
    let star = false;
    if (lowHigh[0] === '*' || lowHigh[0] === '?') {
      start = b.min;
      end = b.max;
      star = true;
    } else {
      start = parseValue(lowHigh[0]!, b.names);
      end = lowHigh.length === 2 ? parseValue(lowHigh[1]!, b.names) : start;
    }
    let step = 1;
    if (stepPart !== undefined) {
      step = Number(stepPart);
      // "N/step" means "N-max/step".
      if (lowHigh.length === 1) end = b.max;
      if (step > 1) star = false;
    }
    const f = range(start, end, step);
    f.bits.forEach((v, i) => v && (out.bits[i] = true));
    out.star ||= star;
  }
  return out;
}

/** robfig/cron SpecSchedule: seconds fixed at 0 for the standard five-field form. */
class SpecSchedule implements Schedule {
  constructor(
    readonly zone: Zone,
    private readonly minute: Field,
    private readonly hour: Field,
    private readonly dom: Field,
    private readonly month: Field,
    private readonly dow: Field,
    private readonly second: Field = only(0),
  ) {}

  /** With `*` in either day field both must match; otherwise either may (cron's day rule). */
  private dayMatches(day: number, weekday: number): boolean {
    const domMatch = !!this.dom.bits[day];
    const dowMatch = !!this.dow.bits[weekday];
    return this.dom.star || this.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  }

  /**
   * robfig/cron's SpecSchedule.Next, step by step: wall-clock fields are
   * advanced in the schedule's zone (so a time skipped by DST does not fire
   * that day, and one repeated by DST fires twice), giving up five years out.
   */
  next(ms: number): number {
    const z = this.zone;
    let t = Math.floor(ms / 1000) * 1000 + 1000;
    let added = false;
    const yearLimit = z.wall(t).year + 5;
    wrap: for (;;) {
      let w = z.wall(t);
      if (w.year > yearLimit) return 0;
      while (!this.month.bits[w.month]) {
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, 1, 0, 0, 0);
        }
        t = z.addDate(t, 0, 1, 0);
        w = z.wall(t);
        if (w.month === 1) continue wrap;
      }
      while (!this.dayMatches(w.day, w.weekday)) {
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, w.day, 0, 0, 0);
        }
        t = z.addDate(t, 0, 0, 1);
        w = z.wall(t);
        // Midnight may have moved with DST: step back onto it.
        if (w.hour !== 0) {
          t += (w.hour > 12 ? 24 - w.hour : -w.hour) * 3_600_000;
          w = z.wall(t);
        }
        if (w.day === 1) continue wrap;
      }
      while (!this.hour.bits[w.hour]) {
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, w.day, w.hour, 0, 0);
        }
        t += 3_600_000;
        w = z.wall(t);
        if (w.hour === 0) continue wrap;
      }
      while (!this.minute.bits[w.minute]) {
        if (!added) {
          added = true;
          t = Math.floor(t / 60_000) * 60_000;
        }
        t += 60_000;
        w = z.wall(t);
        if (w.minute === 0) continue wrap;
      }
      while (!this.second.bits[w.second]) {
        if (!added) {
          added = true;
          t = Math.floor(t / 1000) * 1000;
        }
        t += 1000;
        w = z.wall(t);
        if (w.second === 0) continue wrap;
      }
      return t;
    }
  }
}

/** `@every <duration>`: whole seconds after the previous activation (robfig ConstantDelaySchedule). */
class ConstantDelaySchedule implements Schedule {
  constructor(
    readonly zone: Zone,
    private readonly delayMs: number,
  ) {}
  next(ms: number): number {
    return Math.floor(ms / 1000) * 1000 + this.delayMs;
  }
}

/**
 * robfig/cron v3 ParseStandard: five fields (minute hour day-of-month month
 * day-of-week; ranges, steps, lists, month and day names), or a descriptor
 * (`@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`,
 * `@hourly`, `@every <duration>`), optionally prefixed with `TZ=<zone>` or
 * `CRON_TZ=<zone>`. Without a zone the schedule runs in `defaultZone`
 * (robfig's time.Local). Throws an Error with robfig's message.
 */
export function parseStandard(spec: string, defaultZone: string = localZoneName()): Schedule {
  const err = cronParseError(spec);
  if (err) throw new Error(err);
  let s = spec;
  let zone = Zone.load(defaultZone) ?? Zone.utc;
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const i = s.indexOf(' ');
    const name = s.slice(s.indexOf('=') + 1, i < 0 ? undefined : i);
    const z = Zone.load(name);
    if (!z) throw new Error(`provided bad location ${name}: unknown time zone ${name}`);
    zone = z;
    s = i < 0 ? '' : s.slice(i).trim();
  }
  if (s.startsWith('@')) return descriptor(s, zone);
  const f = s.split(/\s+/).filter((x) => x !== '');
  return new SpecSchedule(
    zone,
    parseField(f[0]!, bounds[0]!),
    parseField(f[1]!, bounds[1]!),
    parseField(f[2]!, bounds[2]!),
    parseField(f[3]!, bounds[3]!),
    parseField(f[4]!, bounds[4]!),
  );
}

function descriptor(s: string, zone: Zone): Schedule {
  const all = (i: number) => range(bounds[i]!.min, bounds[i]!.max, 1, true);
  switch (s) {
    case '@yearly':
    case '@annually':
      return new SpecSchedule(zone, only(0), only(0), only(1), only(1), all(4));
    case '@monthly':
      return new SpecSchedule(zone, only(0), only(0), only(1), all(3), all(4));
    case '@weekly':
      return new SpecSchedule(zone, only(0), only(0), all(2), all(3), only(0));
    case '@daily':
    case '@midnight':
      return new SpecSchedule(zone, only(0), only(0), all(2), all(3), all(4));
    case '@hourly':
      return new SpecSchedule(zone, only(0), all(1), all(2), all(3), all(4));
  }
  // @every: the duration truncated to whole seconds, at least one second.
  const ns = parseDuration(s.slice('@every '.length));
  const secs = ns < 1_000_000_000n ? 1n : ns / 1_000_000_000n;
  return new ConstantDelaySchedule(zone, Number(secs) * 1000);
}

/**
 * Structured logging. A Logger carries a component name and fixed fields; each
 * line is either a compact text line (`I1126 21:12:13.123 apiserver msg k=v`, in
 * the spirit of klog) or one JSON object. Sinks are injected so tests capture lines.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const letter: Record<Level, string> = { debug: 'D', info: 'I', warn: 'W', error: 'E' };

export type Fields = Record<string, unknown>;

export interface LogRecord {
  time: number;
  level: Level;
  component: string;
  msg: string;
  fields: Fields;
}

export interface LogSink {
  write(rec: LogRecord): void;
}

export interface LoggerOptions {
  level?: Level;
  format?: 'text' | 'json';
  sink?: LogSink;
  now?: () => number;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function fmtValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /^[\w./:@-]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  if (typeof v === 'object' && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return '[unserializable]';
    }
  }
  return String(v);
}

export function formatText(rec: LogRecord): string {
  const d = new Date(rec.time);
  const ts = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  const kv = Object.entries(rec.fields)
    .map(([k, v]) => ` ${k}=${fmtValue(v)}`)
    .join('');
  return `${letter[rec.level]}${ts} ${rec.component} ${rec.msg}${kv}`;
}

export function formatJson(rec: LogRecord): string {
  const out: Fields = {
    ts: new Date(rec.time).toISOString(),
    level: rec.level,
    component: rec.component,
    msg: rec.msg,
  };
  const base = { ...out };
  for (const [k, v] of Object.entries(rec.fields)) out[k] = v instanceof Error ? v.message : v;
  try {
    return JSON.stringify(out);
  } catch {
    // A cyclic or BigInt field must not turn a log call into a crash: keep the line, drop the fields.
    return JSON.stringify({ ...base, fields: '[unserializable]' });
  }
}

/** Writes to stderr, one line per record. */
export function streamSink(format: 'text' | 'json' = 'text', stream: NodeJS.WritableStream = process.stderr): LogSink {
  return { write: (rec) => stream.write((format === 'json' ? formatJson(rec) : formatText(rec)) + '\n') };
}

/** Keeps records in memory (tests). */
export class MemorySink implements LogSink {
  readonly records: LogRecord[] = [];
  write(rec: LogRecord): void {
    this.records.push(rec);
  }
  lines(): string[] {
    return this.records.map(formatText);
  }
}

export class Logger {
  private readonly minLevel: number;
  constructor(
    readonly component: string,
    private readonly opts: Required<LoggerOptions>,
    private readonly fields: Fields = {},
  ) {
    this.minLevel = order[opts.level];
  }

  /** A logger for a sub-component; fields accumulate. */
  child(component: string, fields: Fields = {}): Logger {
    const name = this.component ? `${this.component}/${component}` : component;
    return new Logger(name, this.opts, { ...this.fields, ...fields });
  }

  /** Same component with extra fixed fields. */
  with(fields: Fields): Logger {
    return new Logger(this.component, this.opts, { ...this.fields, ...fields });
  }

  enabled(level: Level): boolean {
    return order[level] >= this.minLevel;
  }

  debug(msg: string, fields?: Fields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Fields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Fields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Fields): void {
    this.log('error', msg, fields);
  }

  log(level: Level, msg: string, fields?: Fields): void {
    if (order[level] < this.minLevel) return;
    this.opts.sink.write({
      time: this.opts.now(),
      level,
      component: this.component,
      msg,
      fields: { ...this.fields, ...fields },
    });
  }
}

export function createLogger(component: string, opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? 'text';
  return new Logger(component, {
    level: opts.level ?? 'info',
    format,
    sink: opts.sink ?? streamSink(format),
    now: opts.now ?? Date.now,
  });
}

/** A logger that drops everything (default for library code constructed without one). */
export const nullLogger: Logger = createLogger('', { level: 'error', sink: { write() {} } });

export function parseLevel(s: string | undefined, fallback: Level = 'info'): Level {
  return s && s in order ? (s as Level) : fallback;
}

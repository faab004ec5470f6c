/**
 * Container logs in the CRI log format, which containerd writes for every
 * container and the kubelet reads for `kubectl logs`:
 *
 *   2026-01-01T00:00:00.000000000Z stdout F a full line
 *   2026-01-01T00:00:00.000000001Z stderr P the start of a long line (partial)
 *
 * One record per line: an RFC 3339 timestamp with up to nanoseconds, the stream,
 * tags separated by ':' (the first is F = full or P = partial; more may follow),
 * and the content. A long line arrives as P records ended by an F record.
 * Paths follow the kubelet: /var/log/pods/<ns>_<name>_<uid>/<container>/<restart>.log.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type LogStream = 'stdout' | 'stderr';

export interface CriLogEntry {
  /** The timestamp as written. */
  timestamp: string;
  /** The timestamp as a Date (millisecond precision). */
  time: Date;
  stream: LogStream;
  /** True for a P record: the line continues in the next record of the same stream. */
  partial: boolean;
  /** The text after the tag, without a line terminator. */
  content: string;
}

/** Why a line is not a CRI log record; messages are the kubelet's. */
export interface CriLogParseError {
  error: string;
}

export function isCriLogEntry(v: CriLogEntry | CriLogParseError): v is CriLogEntry {
  return !('error' in v);
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp (what Go's time.RFC3339Nano reads). */
export function parseRFC3339Nano(s: string): Date | undefined {
  const m = rfc3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const ms = frac ? Number(frac.slice(1, 4).padEnd(3, '0')) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), ms);
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    t -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  const date = new Date(t);
  // Reject out-of-range fields (e.g. month 13) that Date.UTC would silently roll over.
  if (Number.isNaN(t) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) {
    return undefined;
  }
  return date;
}

/** Parses one line (a trailing "\n" is ignored). */
export function parseCriLog(line: string): CriLogEntry | CriLogParseError {
  const text = line.endsWith('\n') ? line.slice(0, -1) : line;
  const sp1 = text.indexOf(' ');
  if (sp1 < 0) return { error: 'timestamp is not found' };
  const timestamp = text.slice(0, sp1);
  const time = parseRFC3339Nano(timestamp);
  if (!time) {
    return { error: `unexpected timestamp format "2006-01-02T15:04:05.999999999Z07:00": ${JSON.stringify(timestamp)}` };
  }
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (sp2 < 0) return { error: 'stream type is not found' };
  const stream = text.slice(sp1 + 1, sp2);
  if (stream !== 'stdout' && stream !== 'stderr') return { error: `unexpected stream type "${stream}"` };
  const sp3 = text.indexOf(' ', sp2 + 1);
  if (sp3 < 0) return { error: 'log tag is not found' };
  const tags = text.slice(sp2 + 1, sp3).split(':');
  return { timestamp, time, stream, partial: tags[0] === 'P', content: text.slice(sp3 + 1) };
}

/** Formats a Date the way containerd does (RFC 3339 with 9 fraction digits, UTC). */
export function formatCriTimestamp(time: Date, extraNanos = 0): string {
  const iso = time.toISOString(); // 2026-01-01T00:00:00.000Z
  const nanos = String(time.getUTCMilliseconds() * 1_000_000 + extraNanos).padStart(9, '0');
  return `${iso.slice(0, 19)}.${nanos}Z`;
}

/** One record; `content` must not contain a newline. */
export function formatCriLog(time: Date, stream: LogStream, content: string, partial = false): string {
  return `${formatCriTimestamp(time)} ${stream} ${partial ? 'P' : 'F'} ${content}`;
}

export interface LogLine {
  time: Date;
  stream: LogStream;
  /** The whole line (partial records joined), without the newline. */
  text: string;
}

/**
 * Reassembles the lines of a CRI log: P records are joined with the following
 * records of the same stream up to its F record. Malformed lines are skipped, as
 * the kubelet does; a trailing unterminated partial line is returned as is.
 */
export function criLogLines(content: string): LogLine[] {
  const out: LogLine[] = [];
  const pending: Partial<Record<LogStream, LogLine>> = {};
  for (const raw of content.split('\n')) {
    if (raw === '') continue;
    const e = parseCriLog(raw);
    if (!isCriLogEntry(e)) continue;
    const open = pending[e.stream];
    const line = open ? { ...open, text: open.text + e.content } : { time: e.time, stream: e.stream, text: e.content };
    if (e.partial) pending[e.stream] = line;
    else {
      delete pending[e.stream];
      out.push(line);
    }
  }
  for (const open of Object.values(pending)) if (open) out.push(open);
  return out;
}

/** The lines of the log file at `path` (see criLogLines). */
export function readCriLogFile(path: string): LogLine[] {
  return criLogLines(readFileSync(path, 'utf8'));
}

/** The kubelet's default root for pod logs. */
export const podLogsRoot = '/var/log/pods';

/** `<root>/<namespace>_<name>_<uid>`: a pod's log directory (PodSandboxConfig.logDirectory). */
export function podLogDirectory(namespace: string, name: string, uid: string, root = podLogsRoot): string {
  return join(root, `${namespace}_${name}_${uid}`);
}

/** `<container>/<restartCount>.log`: a container's log path relative to the pod directory (ContainerConfig.logPath). */
export function containerLogRelativePath(containerName: string, restartCount: number): string {
  return join(containerName, `${restartCount}.log`);
}

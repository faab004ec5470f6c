/**
 * Streams a container's CRI-format log file to a client the way the kubelet
 * does (`kuberuntime/logs.ReadLogs`): from the last `tailLines` lines, only
 * records at or after `since`, each record's content (a full record gets its
 * newline back, a partial one does not), optionally prefixed with its
 * timestamp in fixed nine-digit RFC 3339, cut off after `limitBytes`.
 *
 * With `follow`, reading continues as the file grows and across log
 * rotation (the file at the path replaced or truncated: the rest of the old
 * file is drained, then the new one is read from its start) until the
 * container is no longer running and everything it wrote has been sent, or
 * the client goes away.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { realClock, type Clock } from '../../../../lib/clock.js';
import { isCriLogEntry, parseCriLog } from '../../../runtime/logs/cri-log.js';

export interface LogReadOptions {
  follow?: boolean;
  /** Start this many lines from the end; undefined: the whole file. */
  tailLines?: number;
  /** Skip records older than this. */
  since?: Date;
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
}

export interface FollowControl {
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** Whether the container still runs (checked at most every `stateCheckMs`). */
  isRunning(): Promise<boolean>;
  clock?: Clock;
  /** How often to look for new data; default 100 ms. */
  pollMs?: number;
  /** How often to ask whether the container still runs; default 1 s. */
  stateCheckMs?: number;
}

const blockSize = 8192;

/**
 * Byte offset where the last `n` lines start (upstream `tail.FindTailLineStartIndex`):
 * just after the (n+1)-th newline from the end, so an unterminated last line
 * is not counted as one of the `n`.
 */
export async function tailStartOffset(fh: FileHandle, n: number): Promise<number> {
  if (n < 0) return 0;
  const { size } = await fh.stat();
  let seen = 0;
  let pos = size;
  const buf = Buffer.alloc(blockSize);
  while (pos > 0) {
    const len = Math.min(blockSize, pos);
    pos -= len;
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buf[i] === 0x0a && ++seen > n) return pos + i + 1;
    }
  }
  return 0;
}

/** `2026-01-01T00:00:00.5Z` -> `2026-01-01T00:00:00.500000000Z` (Go's RFC3339NanoFixed). */
export function fixedNanoTimestamp(ts: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}`;
}

class LimitReached extends Error {}

/** Writes records to `out`, honouring since/timestamps/limitBytes; tracks whether the next record starts a line. */
class RecordWriter {
  private newLine = true;
  private remain: number;
  constructor(
    private readonly out: Writable,
    private readonly o: LogReadOptions,
  ) {
    this.remain = o.limitBytes ?? Infinity;
  }

  async write(line: Buffer): Promise<void> {
    const text = line.toString('latin1');
    const e = parseCriLog(text);
    if (!isCriLogEntry(e)) return;
    const contentStart = text.length - e.content.length;
    const content = line.subarray(contentStart);
    const body = e.partial ? content : Buffer.concat([content, Buffer.from('\n')]);
    const addPrefix = this.newLine;
    this.newLine = !e.partial;
    if (this.o.since && e.time.getTime() < this.o.since.getTime()) return;
    let chunk =
      this.o.timestamps && addPrefix ? Buffer.concat([Buffer.from(`${fixedNanoTimestamp(e.timestamp)} `), body]) : body;
    if (chunk.length > this.remain) chunk = chunk.subarray(0, this.remain);
    this.remain -= chunk.length;
    if (!this.out.write(chunk)) await drained(this.out);
    if (this.remain <= 0) throw new LimitReached();
  }
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}

/** Reads complete lines from `fh` starting at `pos`; returns the new position (after the last full line). */
async function pump(
  fh: FileHandle,
  pos: number,
  w: RecordWriter,
  final: boolean,
  signal?: AbortSignal,
): Promise<number> {
  const buf = Buffer.alloc(64 * 1024);
  let pending = Buffer.alloc(0);
  let base = pos;
  for (;;) {
    if (signal?.aborted) return base;
    const { bytesRead } = await fh.read(buf, 0, buf.length, base + pending.length);
    if (bytesRead === 0) break;
    let data = Buffer.concat([pending, buf.subarray(0, bytesRead)]);
    let nl: number;
    while ((nl = data.indexOf(0x0a)) >= 0) {
      await w.write(data.subarray(0, nl));
      base += nl + 1;
      data = data.subarray(nl + 1);
    }
    pending = Buffer.from(data);
  }
  // Without follow an unterminated last line is still a record; while following it may yet be completed.
  if (final && pending.length > 0) {
    await w.write(pending);
    base += pending.length;
  }
  return base;
}

export async function readContainerLog(
  path: string,
  out: Writable,
  o: LogReadOptions,
  ctl?: FollowControl,
): Promise<void> {
  const clock = ctl?.clock ?? realClock;
  let fh = await open(path, 'r');
  const w = new RecordWriter(out, o);
  try {
    let pos = o.tailLines === undefined ? 0 : await tailStartOffset(fh, o.tailLines);
    if (!o.follow || !ctl) {
      await pump(fh, pos, w, true);
      return;
    }
    let lastCheck = -Infinity;
    let exited = false;
    for (;;) {
      pos = await pump(fh, pos, w, false, ctl.signal);
      if (ctl.signal.aborted) return;
      if (exited) {
        await pump(fh, pos, w, true);
        return;
      }
      // Rotation: the path now names another file (or this one was truncated).
      const [cur, mine] = await Promise.all([stat(path).catch(() => undefined), fh.stat()]);
      if (cur && (cur.ino !== mine.ino || cur.size < pos)) {
        if (cur.ino !== mine.ino) {
          await pump(fh, pos, w, true);
          await fh.close();
          fh = await open(path, 'r');
        }
        pos = 0;
        continue;
      }
      if (clock.monotonic() - lastCheck >= (ctl.stateCheckMs ?? 1000)) {
        lastCheck = clock.monotonic();
        // Drain once more after the container stopped: it may have written up to its end.
        if (!(await ctl.isRunning().catch(() => false))) {
          exited = true;
          continue;
        }
      }
      try {
        await clock.sleep(ctl.pollMs ?? 100, ctl.signal);
      } catch {
        return;
      }
    }
  } catch (err) {
    if (err instanceof LimitReached) return;
    throw err;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

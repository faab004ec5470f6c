import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { type Clock, realClock } from '../../../lib/clock.js';
import type { Disposable } from '../../../lib/disposable.js';
import { eventLine, type AuditEvent } from './event.js';
import type { AuditBackend } from './recorder.js';

/**
 * The audit log backend (`--audit-log-path`, `--audit-log-maxsize`,
 * `--audit-log-maxbackup`, `--audit-log-maxage`, `--audit-log-compress`):
 * events as JSON lines, rotated by size the way kube-apiserver's lumberjack
 * does — the full file is renamed `<name>-<UTC 2006-01-02T15-04-05.000><ext>`
 * and a new one started; backups beyond the count or age limits are removed.
 *
 * Requests never wait for the disk: events go into a bounded in-memory queue
 * drained by one writer; when the queue is full new events are dropped and
 * counted (`dropped`), as upstream's non-blocking batch mode does.
 */
export interface AuditLogOptions {
  /** File path, or `-` for standard output. */
  path: string;
  /** Rotate before the file would exceed this many MB (0 = never). */
  maxSizeMB?: number;
  /** Backups kept (0 = unlimited). */
  maxBackups?: number;
  /** Days backups are kept (0 = unlimited). */
  maxAgeDays?: number;
  /** Gzip rotated files. */
  compress?: boolean;
  /** Queue capacity in events (default 10000). */
  bufferSize?: number;
  clock?: Clock;
}

const backupTimeFormat = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace(/:/g, '-');
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );
const backupStamp = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3})/;

export class AuditLogWriter implements AuditBackend, Disposable {
  readonly #opts: AuditLogOptions;
  readonly #clock: Clock;
  readonly #capacity: number;
  #queue: string[] = [];
  #dropped = 0;
  #written = 0;
  #file: FileHandle | undefined;
  #size = 0;
  #draining: Promise<void> | undefined;
  #closed = false;
  #lastError: unknown;

  constructor(opts: AuditLogOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#capacity = opts.bufferSize ?? 10000;
  }

  /** Events dropped because the queue was full (or the writer closed). */
  get dropped(): number {
    return this.#dropped;
  }
  /** Events written so far. */
  get written(): number {
    return this.#written;
  }
  /** The last write error, if any (writing continues with the next batch). */
  get lastError(): unknown {
    return this.#lastError;
  }

  processEvents(...events: AuditEvent[]): void {
    for (const e of events) {
      if (this.#closed || this.#queue.length >= this.#capacity) {
        this.#dropped++;
        continue;
      }
      this.#queue.push(eventLine(e));
    }
    if (this.#queue.length && !this.#draining) this.#draining = this.#drain();
  }

  /** Resolves when everything queued so far is on disk. */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async dispose(): Promise<void> {
    this.#closed = true;
    await this.flush();
    await this.#file?.close();
    this.#file = undefined;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length) {
        const batch = this.#queue;
        this.#queue = [];
        try {
          await this.#write(batch.join(''));
          this.#written += batch.length;
        } catch (err) {
          this.#lastError = err;
          this.#dropped += batch.length;
        }
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #write(text: string): Promise<void> {
    const data = Buffer.from(text);
    if (this.#opts.path === '-') {
      await new Promise<void>((resolve, reject) =>
        process.stdout.write(data, (err) => (err ? reject(err) : resolve())),
      );
      return;
    }
    if (!this.#file) await this.#openExisting();
    const max = (this.#opts.maxSizeMB ?? 0) * 1024 * 1024;
    if (max > 0 && this.#size > 0 && this.#size + data.length > max) await this.#rotate();
    await this.#file!.write(data);
    this.#size += data.length;
  }

  async #openExisting(): Promise<void> {
    await mkdir(dirname(this.#opts.path), { recursive: true });
    this.#file = await open(this.#opts.path, 'a', 0o600);
    this.#size = (await this.#file.stat()).size;
  }

  async #rotate(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
    const path = this.#opts.path;
    const ext = extname(path);
    const base = basename(path, ext);
    // Two rotations in one millisecond must not overwrite each other's backup.
    let at = this.#clock.now();
    let backup = join(dirname(path), `${base}-${backupTimeFormat(at)}${ext}`);
    while ((await exists(backup)) || (await exists(`${backup}.gz`))) {
      at += 1;
      backup = join(dirname(path), `${base}-${backupTimeFormat(at)}${ext}`);
    }
    await rename(path, backup);
    this.#file = await open(path, 'a', 0o600);
    this.#size = 0;
    if (this.#opts.compress) {
      await pipeline(createReadStream(backup), createGzip(), createWriteStream(`${backup}.gz`, { mode: 0o600 }));
      await unlink(backup);
    }
    await this.#prune();
  }

  /** Removes backups beyond maxBackups (oldest first) and older than maxAgeDays. */
  async #prune(): Promise<void> {
    const path = this.#opts.path;
    const ext = extname(path);
    const prefix = `${basename(path, ext)}-`;
    const dir = dirname(path);
    const backups: { name: string; time: number }[] = [];
    for (const name of await readdir(dir)) {
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      if (!rest.endsWith(ext) && !rest.endsWith(`${ext}.gz`)) continue;
      const m = backupStamp.exec(rest);
      if (!m) continue;
      const iso = `${m[1]!.slice(0, 10)}T${m[1]!.slice(11).replace(/-/g, ':')}Z`;
      const time = Date.parse(iso);
      if (!Number.isNaN(time)) backups.push({ name, time });
    }
    backups.sort((a, b) => b.time - a.time);
    const remove = new Set<string>();
    const maxBackups = this.#opts.maxBackups ?? 0;
    if (maxBackups > 0) for (const b of backups.slice(maxBackups)) remove.add(b.name);
    const maxAge = (this.#opts.maxAgeDays ?? 0) * 24 * 3600 * 1000;
    if (maxAge > 0) for (const b of backups) if (b.time < this.#clock.now() - maxAge) remove.add(b.name);
    for (const name of remove) await unlink(join(dir, name)).catch(() => undefined);
  }
}

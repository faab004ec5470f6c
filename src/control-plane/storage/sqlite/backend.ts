import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Clock, realClock } from '../../../lib/clock.js';
import { type Disposable, toDisposable, track, untrack } from '../../../lib/disposable.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import { AutoCompactor, DEFAULT_COMPACTION_INTERVAL_MS } from '../compactor.js';
import {
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  StorageError,
  type WatchListener,
  type WatchOptions,
  type WriteOptions,
} from '../interface.js';
import { checkKey, compareKeys, prefixEnd } from '../keys.js';
import { type Durability, mapSqliteError, openDatabase } from './schema.js';
import { KvStatements } from './statements.js';
import { ThreadEngine } from './thread-engine.js';
import { TtlSweeper } from './ttl-sweeper.js';
import { WatchHub } from './watch-hub.js';
import {
  type BatcherOptions,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_OPS,
  WriteBatcher,
  type WriteOp,
} from './write-batcher.js';
import { InlineEngine, type WriteEngine } from './write-engine.js';

export interface SqliteStorageOptions {
  /** Database file, or `:memory:`. Parent directories are created. */
  path: string;
  clock?: Clock;
  logger?: Logger;
  /** See OpenOptions.durability; default `full`. */
  durability?: Durability;
  /** Auto-compaction period (0 disables); default 5 minutes. */
  compactionIntervalMs?: number;
  /** TTL expiry check period; default 1 s. */
  ttlSweepIntervalMs?: number;
  /** Undelivered events a watcher may accumulate before it is ended; default 100,000. */
  maxPendingWatchEvents?: number;
  /** Run `PRAGMA quick_check` when opening (default true; ~1 s per GB) so a damaged file fails at start. */
  verify?: boolean;
  batch?: BatcherOptions;
  /**
   * Commit on the calling thread instead of in a writer thread (default false).
   * `:memory:` always commits inline: an in-memory database cannot be shared
   * between threads, and it has no fsync worth moving off the event loop.
   */
  inlineWrites?: boolean;
}

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * The embedded datastore: one SQLite file in WAL mode, a revision log (see
 * schema.ts), group-committed writes (write-batcher.ts), in-process watch
 * fan-out (watch-hub.ts), periodic compaction and TTL expiry.
 *
 * Threads: for a file, a writer thread owns the only writing connection and
 * runs the commits (with their fsync), compaction and backups
 * (thread-engine.ts, writer-worker.ts), so the event loop never waits for the
 * disk. The main thread keeps a read-only (`query_only`) connection for
 * get/list/count, watch history and TTL scans. `:memory:` (or `inlineWrites`)
 * does everything on the main thread's one connection (write-engine.ts).
 *
 * Durability: with the default `full`, a write's promise resolves after its
 * batch was committed and fsynced (survives power loss); `normal` still
 * survives a process crash (SIGKILL) because the WAL is written before the
 * commit returns, but may lose the last batches on power loss.
 *
 * Read-your-writes: reads are synchronous queries bounded by the current
 * revision, which advances only when a batch's commit is reported, in the same
 * step that publishes its events and just before its writers are
 * acknowledged. A WAL reader sees every transaction committed before its read
 * starts, so each read sees exactly the acknowledged writes (a commit the
 * main thread has not heard of yet is filtered out by the revision bound).
 */
export class SqliteStorage implements Storage {
  readonly backend = 'sqlite';
  private readonly db: Database.Database;
  private readonly stmts: KvStatements;
  private readonly batcher: WriteBatcher;
  private readonly engine: WriteEngine;
  private readonly hub: WatchHub;
  private readonly compactor: AutoCompactor;
  private readonly sweeper: TtlSweeper;
  private readonly logger: Logger;
  private compactRev: number;
  private compacting: Promise<void> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;

  static open(opts: SqliteStorageOptions): SqliteStorage {
    return new SqliteStorage(opts);
  }

  private constructor(private readonly opts: SqliteStorageOptions) {
    const clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? nullLogger;
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.db = openDatabase(opts.path, { durability: opts.durability, verify: opts.verify ?? true });
    let revision: number;
    let compactedThrough: number;
    try {
      this.stmts = new KvStatements(this.db);
      this.compactRev = this.stmts.getMeta('compact_revision');
      revision = this.stmts.getMeta('revision');
      compactedThrough = this.stmts.getMeta('compacted_through');
      // Last: nothing below throws, so a failed open never leaves a thread behind.
      if (opts.path === ':memory:' || opts.inlineWrites) {
        this.engine = new InlineEngine(this.db, this.stmts, opts.path, revision);
      } else {
        // Writes belong to the writer thread; this connection must never take the write lock.
        this.db.pragma('query_only = ON');
        this.engine = new ThreadEngine({
          path: opts.path,
          durability: opts.durability ?? 'full',
          revision,
          maxOps: opts.batch?.maxOps ?? DEFAULT_MAX_OPS,
          maxBytes: opts.batch?.maxBytes ?? DEFAULT_MAX_BYTES,
          logger: this.logger,
        });
      }
      this.hub = new WatchHub(
        {
          history: (a, b, from, to, limit) => this.stmts.history(a, b, from, to, limit),
          currentRevision: () => this.batcher.currentRevision,
          compactRevision: () => this.compactRev,
        },
        { clock, logger: this.logger, maxPendingEvents: opts.maxPendingWatchEvents },
      );
      this.batcher = new WriteBatcher(this.engine, opts.path, clock, revision, (events) => this.hub.publish(events), {
        ...opts.batch,
        logger: this.logger,
      });
    } catch (err) {
      this.db.close();
      throw mapSqliteError(opts.path, err);
    }
    // Finish a compaction a crash interrupted.
    if (compactedThrough < this.compactRev) {
      this.compacting = this.engine
        .compact(compactedThrough, this.compactRev)
        .catch((err) => this.logger.warn('resuming compaction failed', { err }));
    }
    this.compactor = new AutoCompactor(this, {
      intervalMs: opts.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS,
      clock,
      logger: this.logger,
    }).start();
    this.sweeper = new TtlSweeper(
      {
        clock,
        logger: this.logger,
        expired: (now, limit) => this.stmts.expired(now, limit),
        delete: (key, rev) => this.delete(key, rev),
      },
      opts.ttlSweepIntervalMs ?? 1000,
    ).start();
    track(this, `sqlite storage ${opts.path}`);
  }

  /** The main thread's connection, for diagnostics; read-only (`query_only`) when a writer thread is used. */
  get database(): Database.Database {
    this.ensureOpen();
    return this.db;
  }

  /** Where commits run (diagnostics and fault-injection tests). */
  get writer(): WriteEngine {
    return this.engine;
  }

  /** Writes a consistent copy of the datastore to `dest` (SQLite online backup), while writes go on. */
  backupTo(dest: string): Promise<void> {
    try {
      this.ensureOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.engine.backup(dest);
  }

  get path(): string {
    return this.opts.path;
  }

  /** Group-commit counters (bench and tests). */
  get batchStats(): { batches: number; ops: number } {
    return { ...this.batcher.stats };
  }

  /** Runs one TTL expiry pass now (tests). */
  sweepExpired(): Promise<number> {
    return this.sweeper.sweep();
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError('Closed', `sqlite datastore ${this.opts.path} is closed`);
  }

  /** Validates a read revision: 0 = latest; below the compact revision or above the current one is an error. */
  private readRevision(rev: number | undefined): number {
    const current = this.batcher.currentRevision;
    if (!rev || rev <= 0) return current;
    if (rev < this.compactRev) {
      throw new StorageError(
        'Compacted',
        `required revision ${rev} has been compacted (compacted revision ${this.compactRev})`,
        undefined,
        this.compactRev,
      );
    }
    if (rev > current) {
      throw new StorageError(
        'FutureRevision',
        `required revision ${rev} is a future revision (current ${current})`,
        undefined,
        current,
      );
    }
    return rev;
  }

  private read<T>(fn: () => T): Promise<T> {
    try {
      this.ensureOpen();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(mapSqliteError(this.opts.path, err));
    }
  }

  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    return this.read(() => {
      checkKey(key);
      // Bounded by revision even for the latest value: the file may already
      // hold a commit whose report has not reached this thread yet.
      const rev = this.readRevision(opts?.revision);
      const row = this.stmts.at(key, rev);
      if (!row || row.deleted) return undefined;
      return { key, value: row.value, createRevision: row.create_revision, modRevision: row.id };
    });
  }

  list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    return this.read(() => {
      const rev = this.readRevision(opts.revision);
      const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
      // A continuation key before the prefix would widen the range; start at the prefix then.
      const after =
        opts.startAfter !== undefined && compareKeys(opts.startAfter, prefix) >= 0 ? opts.startAfter : undefined;
      const items = this.stmts.list(
        after ?? prefix,
        after !== undefined,
        prefixEnd(prefix),
        rev,
        limit ? limit + 1 : -1,
      );
      const more = limit > 0 && items.length > limit;
      if (more) items.length = limit;
      return { items, revision: rev, more };
    });
  }

  count(prefix: string): Promise<number> {
    return this.read(() => this.stmts.count(prefix, prefixEnd(prefix), this.batcher.currentRevision));
  }

  private write(op: WriteOp): Promise<KeyValue> {
    try {
      this.ensureOpen();
      checkKey(op.key);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.batcher.submit(op);
  }

  create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<KeyValue> {
    return this.write({ kind: 'create', key, value: toBuffer(value), ttlSeconds: opts?.ttlSeconds });
  }

  update(key: string, value: Uint8Array, expectedModRevision: number, opts?: WriteOptions): Promise<KeyValue> {
    return this.write({
      kind: 'update',
      key,
      value: toBuffer(value),
      expected: expectedModRevision,
      ttlSeconds: opts?.ttlSeconds,
    });
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.write({ kind: 'delete', key, expected: expectedModRevision });
  }

  requestWatchProgress(): void {
    this.hub.requestProgress();
  }

  watch(prefix: string, opts: WatchOptions, listener: WatchListener): Disposable {
    if (this.closed) {
      queueMicrotask(() =>
        listener.onError(new StorageError('Closed', `sqlite datastore ${this.opts.path} is closed`)),
      );
      return toDisposable(() => undefined);
    }
    return this.hub.watch(prefix, opts, listener);
  }

  currentRevision(): Promise<number> {
    return this.read(() => this.batcher.currentRevision);
  }

  compactedRevision(): Promise<number> {
    return this.read(() => this.compactRev);
  }

  compact(revision: number): Promise<void> {
    try {
      this.ensureOpen();
      const current = this.batcher.currentRevision;
      if (revision > current) {
        throw new StorageError(
          'FutureRevision',
          `cannot compact to future revision ${revision} (current ${current})`,
          undefined,
          current,
        );
      }
      if (revision <= this.compactRev) return Promise.resolve();
      const from = this.compactRev;
      // Publish the new bound first: from here on nothing below it is served.
      // The engine records it in the file before removing any row.
      this.compactRev = revision;
      const run = this.compacting.then(() => this.engine.compact(from, revision));
      this.compacting = run.catch((err) => this.logger.warn('compaction failed', { err }));
      return run.catch((err) => {
        throw mapSqliteError(this.opts.path, err);
      });
    } catch (err) {
      return Promise.reject(mapSqliteError(this.opts.path, err));
    }
  }

  /**
   * Closes the store: ends watches (onError Closed), commits queued writes,
   * stops timers, stops the writer thread and closes both connections.
   */
  dispose(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    untrack(this);
    this.sweeper.dispose();
    this.hub.close(new StorageError('Closed', `sqlite datastore ${this.opts.path} is closed`));
    await this.batcher.drain();
    await this.compactor.dispose();
    if (this.engine.kind === 'thread') {
      // Close the reader first, so the writer's connection is the last one and
      // its close (off this thread) checkpoints the WAL into the file.
      this.db.close();
      await this.engine.close(); // Stops compaction between chunks.
      await this.compacting;
    } else {
      await this.engine.close();
      await this.compacting;
      this.db.close();
    }
  }
}

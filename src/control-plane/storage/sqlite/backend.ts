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
import { SqliteCompaction } from './compaction.js';
import { type Durability, mapSqliteError, openDatabase } from './schema.js';
import { KvStatements } from './statements.js';
import { TtlSweeper } from './ttl-sweeper.js';
import { WatchHub } from './watch-hub.js';
import { type BatcherOptions, WriteBatcher, type WriteOp } from './write-batcher.js';

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
}

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * The embedded datastore: one SQLite file in WAL mode, a revision log (see
 * schema.ts), group-committed writes (write-batcher.ts), in-process watch
 * fan-out (watch-hub.ts), periodic compaction and TTL expiry.
 *
 * Durability: with the default `full`, a write's promise resolves after its
 * batch was committed and fsynced (survives power loss); `normal` still
 * survives a process crash (SIGKILL) because the WAL is written before the
 * commit returns, but may lose the last batches on power loss.
 * Reads are synchronous SQLite queries on the same connection, so they always
 * see every acknowledged write.
 */
export class SqliteStorage implements Storage {
  readonly backend = 'sqlite';
  private readonly db: Database.Database;
  private readonly stmts: KvStatements;
  private readonly batcher: WriteBatcher;
  private readonly hub: WatchHub;
  private readonly compaction: SqliteCompaction;
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
    try {
      this.stmts = new KvStatements(this.db);
      this.compactRev = this.stmts.getMeta('compact_revision');
      this.compaction = new SqliteCompaction(this.db);
      this.hub = new WatchHub(
        {
          history: (a, b, from, to, limit) => this.stmts.history(a, b, from, to, limit),
          currentRevision: () => this.batcher.currentRevision,
          compactRevision: () => this.compactRev,
        },
        { clock, logger: this.logger, maxPendingEvents: opts.maxPendingWatchEvents },
      );
      this.batcher = new WriteBatcher(
        this.db,
        this.stmts,
        opts.path,
        clock,
        this.stmts.getMeta('revision'),
        (events) => this.hub.publish(events),
        opts.batch,
      );
    } catch (err) {
      this.db.close();
      throw mapSqliteError(opts.path, err);
    }
    // Finish a compaction a crash interrupted.
    const done = this.compaction.donePoint();
    if (done < this.compactRev) this.compacting = this.compaction.run(done, this.compactRev, () => this.closed);
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

  /** The underlying connection (online backup, diagnostics). */
  get database(): Database.Database {
    this.ensureOpen();
    return this.db;
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
      const rev = this.readRevision(opts?.revision);
      const row = rev === this.batcher.currentRevision ? this.stmts.latest(key) : this.stmts.at(key, rev);
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
      this.stmts.setMeta('compact_revision', revision);
      this.compactRev = revision;
      const run = this.compacting.then(() => this.compaction.run(from, revision, () => this.closed));
      this.compacting = run.catch((err) => this.logger.warn('compaction failed', { err }));
      return run.catch((err) => {
        throw mapSqliteError(this.opts.path, err);
      });
    } catch (err) {
      return Promise.reject(mapSqliteError(this.opts.path, err));
    }
  }

  /** Closes the store: ends watches (onError Closed), commits queued writes, stops timers, closes the file. */
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
    try {
      this.batcher.flushAll();
    } catch (err) {
      this.batcher.failAll(mapSqliteError(this.opts.path, err));
    }
    await this.compactor.dispose();
    await this.compacting;
    this.db.close();
  }
}

import type Database from 'better-sqlite3';
import { applyBatches, type CommittedBatch, type WriteOp } from './batch.js';
import { SqliteCompaction } from './compaction.js';
import { mapSqliteError } from './schema.js';
import type { KvStatements } from './statements.js';

/**
 * Where a datastore's writes happen: everything that modifies the file goes
 * through one engine, which owns the only writing connection. The main-thread
 * store keeps reads, watch fan-out and the write queue (write-batcher.ts).
 *
 * - InlineEngine (this file): commits on the calling thread, on the store's
 *   own connection. Used for `:memory:` (an in-memory database cannot be
 *   shared between threads, and has no fsync to hide) and when asked for.
 * - ThreadEngine (thread-engine.ts): a worker thread owns the writing
 *   connection, so commits and their fsync never block the event loop.
 *
 * An engine owns the revision counter. All methods reject with StorageErrors.
 * `commit` resolves only after the batch is durable (per the configured
 * synchronous level); batches commit, and their promises settle, in the
 * order `commit` was called.
 */
export interface WriteEngine {
  readonly kind: 'inline' | 'thread';
  /** Commits `ops` as one batch (several batches may share a transaction); `now` (ms) dates TTLs. */
  commit(ops: readonly WriteOp[], now: number): Promise<CommittedBatch>;
  /** Records `to` as the compact revision (if higher) and removes history in (from, to]; see compaction.ts. */
  compact(from: number, to: number): Promise<void>;
  /** Writes a consistent copy of the database to `dest` while writes go on (SQLite online backup). */
  backup(dest: string): Promise<void>;
  /** Stops background work (compaction between chunks) and releases the engine's resources; never rejects. */
  close(): Promise<void>;
}

/** Commits synchronously on the store's connection (see WriteEngine). */
export class InlineEngine implements WriteEngine {
  readonly kind = 'inline';
  private readonly compaction: SqliteCompaction;
  private closed = false;
  private txn = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly stmts: KvStatements,
    private readonly path: string,
    /** The newest committed revision. */
    private revision: number,
  ) {
    this.compaction = new SqliteCompaction(db);
  }

  commit(ops: readonly WriteOp[], now: number): Promise<CommittedBatch> {
    try {
      const [result] = applyBatches(this.db, this.stmts, this.path, [{ ops, now }], this.revision);
      this.revision = result.revision;
      return Promise.resolve({ ...result, txn: ++this.txn });
    } catch (err) {
      return Promise.reject(mapSqliteError(this.path, err));
    }
  }

  async compact(from: number, to: number): Promise<void> {
    try {
      if (this.stmts.getMeta('compact_revision') < to) this.stmts.setMeta('compact_revision', to);
      await this.compaction.run(from, to, () => this.closed);
    } catch (err) {
      throw mapSqliteError(this.path, err);
    }
  }

  async backup(dest: string): Promise<void> {
    try {
      await this.db.backup(dest);
    } catch (err) {
      throw mapSqliteError(this.path, err);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

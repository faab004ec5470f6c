import type Database from 'better-sqlite3';
import type { Clock } from '../../../lib/clock.js';
import { type KeyValue, StorageError, type WatchEvent } from '../interface.js';
import { mapSqliteError } from './schema.js';
import type { KvStatements, LatestRow } from './statements.js';

export type WriteOp =
  | { kind: 'create'; key: string; value: Buffer; ttlSeconds?: number }
  | { kind: 'update'; key: string; value: Buffer; expected: number; ttlSeconds?: number }
  | { kind: 'delete'; key: string; expected?: number };

interface Pending {
  op: WriteOp;
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
}

export interface BatcherOptions {
  /** Most operations per transaction (keeps each synchronous commit short). */
  maxOps?: number;
  /** Most value bytes per transaction. */
  maxBytes?: number;
}

export interface BatchStats {
  batches: number;
  ops: number;
}

const EMPTY = Buffer.alloc(0);

function toKv(key: string, row: LatestRow): KeyValue {
  return { key, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

/**
 * Group commit. Writes arriving in the same event-loop turn are queued and
 * committed in one IMMEDIATE transaction on the next `setImmediate`; each
 * caller's promise settles only after that commit returned (with
 * synchronous=FULL, after the fsync), so batching never weakens per-write
 * durability. CAS checks run inside the transaction against the newest state,
 * including earlier writes of the same batch. Committed events go to
 * `onCommit` in revision order.
 *
 * The revision counter lives in memory and in `meta.revision`; the transaction
 * first checks the stored counter still equals ours, which detects a second
 * process writing the same file (the counter would be wrong for both).
 */
export class WriteBatcher {
  private queue: Pending[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly maxOps: number;
  private readonly maxBytes: number;
  readonly stats: BatchStats = { batches: 0, ops: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly stmts: KvStatements,
    private readonly path: string,
    private readonly clock: Clock,
    private revision: number,
    private readonly onCommit: (events: WatchEvent[], revision: number) => void,
    opts: BatcherOptions = {},
  ) {
    this.maxOps = opts.maxOps ?? 2000;
    this.maxBytes = opts.maxBytes ?? 32 << 20;
  }

  /** The revision of the newest committed write. */
  get currentRevision(): number {
    return this.revision;
  }

  /** Number of writes waiting for the next commit. */
  get pending(): number {
    return this.queue.length;
  }

  submit(op: WriteOp): Promise<KeyValue> {
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued now (used by close so queued writes are not lost). */
  flushAll(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    while (this.queue.length > 0) this.commitOne();
  }

  /** Fails every queued write (the store is closing without committing them). */
  failAll(err: StorageError): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const q = this.queue;
    this.queue = [];
    for (const p of q) p.reject(err);
  }

  private flush(): void {
    this.scheduled = undefined;
    this.commitOne();
    if (this.queue.length > 0) this.scheduled = setImmediate(() => this.flush());
  }

  private take(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.maxOps) {
      const op = this.queue[n].op;
      bytes += op.kind === 'delete' ? 0 : op.value.length;
      n++;
      if (bytes >= this.maxBytes) break;
    }
    return this.queue.splice(0, n);
  }

  private commitOne(): void {
    const batch = this.take();
    if (batch.length === 0) return;
    const outcomes: (KeyValue | StorageError)[] = new Array(batch.length);
    const events: WatchEvent[] = [];
    let rev = this.revision;
    const now = this.clock.now();
    try {
      this.db
        .transaction(() => {
          const stored = this.stmts.getMeta('revision');
          if (stored !== this.revision) {
            throw new StorageError(
              'Unavailable',
              `sqlite datastore ${this.path}: revision changed underneath us (${this.revision} -> ${stored}); another process is writing this file`,
            );
          }
          // Newest row per key as of the writes so far in this batch; null = absent.
          const latest = new Map<string, LatestRow | null>();
          const current = (key: string): LatestRow | null => {
            let row = latest.get(key);
            if (row === undefined) {
              const r = this.stmts.latest(key);
              row = r && !r.deleted ? r : null;
              latest.set(key, row);
            }
            return row;
          };
          for (let i = 0; i < batch.length; i++) {
            const op = batch[i].op;
            const cur = current(op.key);
            if (op.kind === 'create') {
              if (cur) {
                outcomes[i] = new StorageError('KeyExists', `key ${op.key} already exists`, toKv(op.key, cur));
                continue;
              }
              rev++;
              const exp = op.ttlSeconds ? now + op.ttlSeconds * 1000 : null;
              this.stmts.insert(rev, op.key, false, rev, 0, exp, op.value);
              const row: LatestRow = { id: rev, deleted: 0, create_revision: rev, value: op.value };
              latest.set(op.key, row);
              const kv = toKv(op.key, row);
              outcomes[i] = kv;
              events.push({ type: 'PUT', kv, revision: rev });
            } else if (op.kind === 'update') {
              if (!cur) {
                outcomes[i] = new StorageError('KeyNotFound', `key ${op.key} not found`);
                continue;
              }
              if (cur.id !== op.expected) {
                outcomes[i] = new StorageError(
                  'Conflict',
                  `key ${op.key} was modified at revision ${cur.id} (expected ${op.expected})`,
                  toKv(op.key, cur),
                );
                continue;
              }
              rev++;
              const exp = op.ttlSeconds ? now + op.ttlSeconds * 1000 : null;
              this.stmts.insert(rev, op.key, false, cur.create_revision, cur.id, exp, op.value);
              const row: LatestRow = { id: rev, deleted: 0, create_revision: cur.create_revision, value: op.value };
              latest.set(op.key, row);
              const kv = toKv(op.key, row);
              outcomes[i] = kv;
              events.push({ type: 'PUT', kv, prevKv: toKv(op.key, cur), revision: rev });
            } else {
              if (!cur) {
                outcomes[i] = new StorageError('KeyNotFound', `key ${op.key} not found`);
                continue;
              }
              if (op.expected !== undefined && cur.id !== op.expected) {
                outcomes[i] = new StorageError(
                  'Conflict',
                  `key ${op.key} was modified at revision ${cur.id} (expected ${op.expected})`,
                  toKv(op.key, cur),
                );
                continue;
              }
              rev++;
              this.stmts.insert(rev, op.key, true, cur.create_revision, cur.id, null, EMPTY);
              latest.set(op.key, null);
              outcomes[i] = { key: op.key, value: cur.value, createRevision: cur.create_revision, modRevision: rev };
              events.push({
                type: 'DELETE',
                kv: { key: op.key, value: EMPTY, createRevision: 0, modRevision: rev },
                prevKv: toKv(op.key, cur),
                revision: rev,
              });
            }
          }
          if (rev !== this.revision) this.stmts.setMeta('revision', rev);
        })
        .immediate();
    } catch (err) {
      const mapped = mapSqliteError(this.path, err);
      for (const p of batch) p.reject(mapped);
      return;
    }
    this.revision = rev;
    this.stats.batches++;
    this.stats.ops += batch.length;
    for (let i = 0; i < batch.length; i++) {
      const o = outcomes[i];
      if (o instanceof StorageError) batch[i].reject(o);
      else batch[i].resolve(o);
    }
    if (events.length > 0) this.onCommit(events, rev);
  }
}

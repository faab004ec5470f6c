import type { Clock } from '../../../lib/clock.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import { type KeyValue, StorageError, type WatchEvent } from '../interface.js';
import type { CommittedBatch, WriteOp } from './batch.js';
import { mapSqliteError } from './schema.js';
import { settleBatch } from './settle.js';
import type { WriteEngine } from './write-engine.js';

export type { WriteOp } from './batch.js';

interface Pending {
  op: WriteOp;
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
}

/** A batch handed to the engine, waiting for its outcome. */
interface Flight {
  batch: Pending[];
  ops: WriteOp[];
  done: boolean;
  result?: CommittedBatch;
  error?: unknown;
}

export interface BatcherOptions {
  /** Most operations per batch and per transaction (keeps each commit short). */
  maxOps?: number;
  /** Most value bytes per transaction. */
  maxBytes?: number;
}

export const DEFAULT_MAX_OPS = 2000;
export const DEFAULT_MAX_BYTES = 32 << 20;

export interface BatchStats {
  batches: number;
  ops: number;
}

/**
 * Group commit, first stage (main thread). Writes are queued; on the next
 * `setImmediate` the queue goes to the write engine as one batch. The engine
 * may hold several batches at once: the writer thread commits whatever
 * arrived during its previous commit in one transaction (writer-worker.ts),
 * so while a commit is in flight new writes accumulate for the next one, and
 * the event loop keeps serving meanwhile.
 *
 * Outcomes are applied strictly in submission order. When a batch has
 * committed (and, with synchronous=FULL, been fsynced), in one synchronous
 * step: the current revision advances, the batch's events go to `onCommit`
 * in revision order, then each writer's promise settles. So anything that
 * observes the acknowledgement (a client that then LISTs from the watch
 * cache, a read at the current revision) also observes the write. A failed
 * batch (SQLite error, writer thread gone) rejects all its writes.
 */
export class WriteBatcher {
  private queue: Pending[] = [];
  private readonly flights: Flight[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private idleWaiters: (() => void)[] = [];
  private lastTxn = 0;
  private readonly maxOps: number;
  private readonly maxBytes: number;
  private readonly logger: Logger;
  readonly stats: BatchStats = { batches: 0, ops: 0 };

  constructor(
    private readonly engine: WriteEngine,
    private readonly path: string,
    private readonly clock: Clock,
    private revision: number,
    private readonly onCommit: (events: WatchEvent[], revision: number) => void,
    opts: BatcherOptions & { logger?: Logger } = {},
  ) {
    this.maxOps = opts.maxOps ?? DEFAULT_MAX_OPS;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.logger = opts.logger ?? nullLogger;
  }

  /** The revision of the newest committed write this thread has been told about. */
  get currentRevision(): number {
    return this.revision;
  }

  /** Number of writes queued for the next batch (not yet handed to the engine). */
  get pending(): number {
    return this.queue.length;
  }

  submit(op: WriteOp): Promise<KeyValue> {
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every write submitted so far has committed or failed (used by close). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flights.length > 0) {
      this.schedule();
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = setImmediate(() => this.commitNext());
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

  /** Hands one batch to the engine; more follow on later turns (an inline engine commits synchronously). */
  private commitNext(): void {
    this.scheduled = undefined;
    const batch = this.take();
    this.schedule();
    if (batch.length === 0) return;
    const flight: Flight = { batch, ops: batch.map((p) => p.op), done: false };
    this.flights.push(flight);
    let commit: Promise<CommittedBatch>;
    try {
      commit = this.engine.commit(flight.ops, this.clock.now());
    } catch (err) {
      commit = Promise.reject(err);
    }
    commit.then(
      (result) => {
        flight.result = result;
        flight.done = true;
        this.settleDone();
      },
      (err: unknown) => {
        flight.error = err;
        flight.done = true;
        this.settleDone();
      },
    );
  }

  /** Applies finished batches from the head of the line, so outcomes apply in submission order. */
  private settleDone(): void {
    while (this.flights.length > 0 && this.flights[0].done) {
      const f = this.flights.shift()!;
      if (f.result) this.committed(f.batch, f.ops, f.result);
      else {
        const mapped = mapSqliteError(this.path, f.error);
        for (const p of f.batch) p.reject(mapped);
      }
    }
    if (this.flights.length === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private committed(batch: Pending[], ops: WriteOp[], result: CommittedBatch): void {
    const { outcomes, events } = settleBatch(ops, result);
    this.revision = Math.max(this.revision, result.revision);
    if (result.txn !== this.lastTxn) {
      this.lastTxn = result.txn;
      this.stats.batches++;
    }
    this.stats.ops += batch.length;
    if (events.length > 0) {
      try {
        this.onCommit(events, result.revision);
      } catch (err) {
        this.logger.error('watch fan-out failed', { err });
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const o = outcomes[i];
      if (o instanceof StorageError) batch[i].reject(o);
      else batch[i].resolve(o);
    }
  }
}

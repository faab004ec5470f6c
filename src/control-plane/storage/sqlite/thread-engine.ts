import { Worker } from 'node:worker_threads';
import { track, untrack } from '../../../lib/disposable.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import { StorageError } from '../interface.js';
import type { CommittedBatch, WriteOp } from './batch.js';
import type { Durability } from './schema.js';
import { decodeResult, encodeBatch, type WorkerReply, type WorkerRequest } from './wire.js';
import type { WriteEngine } from './write-engine.js';
import type { WriterWorkerData } from './writer-worker.js';

export interface ThreadEngineOptions {
  path: string;
  durability: Durability;
  /** The newest committed revision (the writer thread continues from it). */
  revision: number;
  /** Most operations / value bytes per transaction when the thread merges batches. */
  maxOps: number;
  maxBytes: number;
  logger?: Logger;
  /** Rows per compaction transaction in the writer thread; default 1000. */
  compactionChunkRows?: number;
}

interface Outstanding {
  resolve(reply: WorkerReply): void;
  reject(err: StorageError): void;
}

/**
 * Under tsx (sources run directly, `.ts` modules), the worker's entry must be
 * the `.ts` file, and tsx's loader hooks are not installed in worker threads
 * on Node 20, so a small bootstrap registers them before importing it (without
 * tsx, the `.ts` entry is started directly, for runtimes that load TypeScript
 * natively). From the compiled tree the worker starts straight from
 * `writer-worker.js`. Node options (e.g. --enable-source-maps) are inherited.
 */
const TSX_BOOT = `const { workerData: d } = require('node:worker_threads');
import(d.tsx).then((m) => m.register()).then(() => import(d.entry));`;

function startWorker(data: WriterWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./writer-worker.js', import.meta.url), { workerData: data });
  }
  const entry = new URL('./writer-worker.ts', import.meta.url);
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    return new Worker(entry, { workerData: data });
  }
  return new Worker(TSX_BOOT, { eval: true, workerData: { ...data, entry: entry.href, tsx } });
}

/**
 * The write engine backed by a worker thread (writer-worker.ts) that owns the
 * datastore's writing connection (see WriteEngine). Batches are posted as
 * soon as the batcher forms them, without waiting for earlier ones, so the
 * thread can start its next commit without a round trip through this event
 * loop; replies come back in request order and are matched by id. The worker
 * keeps the process alive only while a request is outstanding, like the
 * timers of the inline engine.
 *
 * If the thread dies (uncaught error, exit), every outstanding request and
 * every later one fails with StorageError('Unavailable'). A batch whose
 * reply never arrived is reported as failed even if it might have committed
 * (the outcome is unknown, as with a timed-out etcd request); a write is never
 * acknowledged without the worker's reply, which it posts after the commit.
 */
export class ThreadEngine implements WriteEngine {
  readonly kind = 'thread';
  private readonly worker: Worker;
  private readonly logger: Logger;
  private readonly outstanding = new Map<number, Outstanding>();
  private nextId = 1;
  private failure: StorageError | undefined;
  private closing: Promise<void> | undefined;
  private readonly exited: Promise<void>;

  constructor(private readonly opts: ThreadEngineOptions) {
    this.logger = opts.logger ?? nullLogger;
    this.worker = startWorker({
      path: opts.path,
      durability: opts.durability,
      revision: opts.revision,
      maxOps: opts.maxOps,
      maxBytes: opts.maxBytes,
      compactionChunkRows: opts.compactionChunkRows ?? 1000,
    });
    this.worker.unref();
    track(this.worker, `sqlite writer thread ${opts.path}`);
    this.worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    this.worker.on('error', (err) => this.fail(`writer thread failed: ${err.message}`, err));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        untrack(this.worker);
        if (!this.closing) this.fail(`writer thread exited unexpectedly (exit code ${code})`);
        else this.fail('closed', undefined, 'Closed');
        resolve();
      });
    });
  }

  /** The worker thread (diagnostics and fault-injection tests). */
  get thread(): Worker {
    return this.worker;
  }

  commit(ops: readonly WriteOp[], now: number): Promise<CommittedBatch> {
    const { msg, transfer } = encodeBatch(this.nextId++, now, ops);
    return this.request(msg, transfer).then((reply) => {
      if (reply.t !== 'batch') throw this.unexpected(reply);
      return { ...decodeResult(reply), txn: reply.txn };
    });
  }

  compact(from: number, to: number): Promise<void> {
    return this.request({ t: 'compact', id: this.nextId++, from, to }).then(() => undefined);
  }

  backup(dest: string): Promise<void> {
    return this.request({ t: 'backup', id: this.nextId++, dest }).then(() => undefined);
  }

  /** Asks the thread to finish its work and close its connection, then waits for it to exit. Never rejects. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (!this.failure) {
      try {
        await this.request({ t: 'close', id: this.nextId++ });
      } catch (err) {
        this.logger.warn('sqlite writer thread did not close cleanly', { path: this.opts.path, err });
      }
    }
    await this.worker.terminate();
    await this.exited;
  }

  private request(msg: WorkerRequest, transfer?: ArrayBuffer[]): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<WorkerReply>((resolve, reject) => {
      if (this.outstanding.size === 0) this.worker.ref();
      this.outstanding.set(msg.id, { resolve, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  private onReply(reply: WorkerReply): void {
    const o = this.outstanding.get(reply.id);
    if (!o) return;
    this.outstanding.delete(reply.id);
    if (this.outstanding.size === 0) this.worker.unref();
    if (reply.t === 'error') o.reject(new StorageError(reply.code, reply.message));
    else o.resolve(reply);
  }

  private unexpected(reply: WorkerReply): StorageError {
    return new StorageError('Unavailable', `sqlite datastore ${this.opts.path}: unexpected writer reply ${reply.t}`);
  }

  /** Marks the engine failed and fails everything outstanding (the thread is gone or going). */
  private fail(why: string, err?: unknown, code: 'Unavailable' | 'Closed' = 'Unavailable'): void {
    if (!this.failure) {
      this.failure = new StorageError(code, `sqlite datastore ${this.opts.path}: ${why}`);
      if (code === 'Unavailable')
        this.logger.error('sqlite writer thread died', { path: this.opts.path, err: err ?? why });
    }
    const all = [...this.outstanding.values()];
    this.outstanding.clear();
    for (const o of all) o.reject(this.failure);
  }
}

/**
 * Entry point of the SQLite writer thread (started by thread-engine.ts). It
 * owns the datastore's only writing connection and the revision counter, and
 * runs batch commits (with their fsync), compaction chunks and online backups,
 * so none of that blocks the API server's event loop.
 *
 * Group commit, second stage: batches that arrive while a transaction is
 * being committed wait in `queue`, and the next transaction takes all of them
 * (up to the size limits), so a slow fsync makes the next commit bigger, not
 * later. Each batch still gets its own reply, in arrival order.
 *
 * A reply is posted only after the work it reports is done, so the main
 * thread acknowledges nothing that was not committed. An uncaught error ends
 * the thread; the main thread then fails every outstanding request.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { StorageError } from '../interface.js';
import { applyBatches, type BatchResult, type WriteOp } from './batch.js';
import { SqliteCompaction } from './compaction.js';
import { type Durability, mapSqliteError, openDatabase } from './schema.js';
import { KvStatements } from './statements.js';
import { type BatchRequest, decodeBatch, encodeResult, type WorkerReply, type WorkerRequest } from './wire.js';

export interface WriterWorkerData {
  path: string;
  durability: Durability;
  /** The newest committed revision when the store opened (read by the main thread). */
  revision: number;
  /** Most operations / value bytes per transaction when batches are merged. */
  maxOps: number;
  maxBytes: number;
  /** Rows per compaction transaction (bounds how long a chunk delays the next commit). */
  compactionChunkRows: number;
}

function start(port: NonNullable<typeof parentPort>, data: WriterWorkerData): void {
  const { path } = data;
  // The main thread created and checked the file; this only opens it for writing.
  const db = openDatabase(path, { durability: data.durability, verify: false });
  const stmts = new KvStatements(db);
  const compaction = new SqliteCompaction(db, data.compactionChunkRows);
  let revision = data.revision;
  let txn = 0;
  let queue: { req: BatchRequest; ops: WriteOp[]; bytes: number }[] = [];
  let scheduled = false;
  let closing = false;
  let compacting: Promise<void> = Promise.resolve();
  const background = new Set<Promise<void>>();

  const reply = (msg: WorkerReply, transfer?: ArrayBuffer[]) => port.postMessage(msg, transfer);
  const replyError = (id: number, err: unknown) => {
    const e = mapSqliteError(path, err);
    reply({ t: 'error', id, code: e.code, message: e.message });
  };
  /** Runs `work` in the background (between commits), replying when it ends. */
  const spawn = (id: number, work: () => Promise<void>): Promise<void> => {
    const p = work().then(
      () => reply({ t: 'done', id }),
      (err: unknown) => replyError(id, err),
    );
    background.add(p);
    void p.finally(() => background.delete(p));
    return p;
  };

  /** Commits the queued batches, as many per transaction as the limits allow. */
  const commitQueued = () => {
    scheduled = false;
    let n = 0;
    let ops = 0;
    let bytes = 0;
    while (n < queue.length) {
      const next = queue[n];
      if (n > 0 && (ops + next.ops.length > data.maxOps || bytes + next.bytes > data.maxBytes)) break;
      ops += next.ops.length;
      bytes += next.bytes;
      n++;
    }
    const group = queue.slice(0, n);
    queue = queue.slice(n);
    if (queue.length > 0) schedule();
    if (group.length === 0) return;
    let results: BatchResult[];
    try {
      const inputs = group.map((g) => ({ ops: g.ops, now: g.req.now }));
      results = applyBatches(db, stmts, path, inputs, revision);
      revision = results[results.length - 1].revision;
      txn++;
    } catch (err) {
      for (const g of group) replyError(g.req.id, err);
      return;
    }
    for (let i = 0; i < group.length; i++) {
      const { msg, transfer } = encodeResult(group[i].req.id, txn, results[i]);
      reply(msg, transfer);
    }
  };
  // setImmediate runs after the port has delivered every message already
  // waiting, so all batches that arrived during a commit join the next one.
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(commitQueued);
  };

  port.on('message', (req: WorkerRequest) => {
    if (closing) {
      reply({ t: 'error', id: req.id, code: 'Closed', message: `sqlite datastore ${path} is closed` });
      return;
    }
    switch (req.t) {
      case 'batch':
        queue.push({ req, ops: decodeBatch(req), bytes: req.bytes.byteLength });
        schedule();
        return;
      case 'compact': {
        // Compactions run in order; each chunk is a short transaction, and
        // commits arriving meanwhile run between chunks.
        const prev = compacting;
        compacting = spawn(req.id, async () => {
          await prev;
          if (stmts.getMeta('compact_revision') < req.to) stmts.setMeta('compact_revision', req.to);
          await compaction.run(req.from, req.to, () => closing);
        });
        return;
      }
      case 'backup':
        // Writes through this same connection are copied into a running backup
        // (SQLite updates it in place), so it completes while commits go on.
        void spawn(req.id, async () => void (await db.backup(req.dest)));
        return;
      case 'close':
        // The main thread sends this only after every batch was answered.
        closing = true;
        void Promise.allSettled([...background]).then(() => {
          try {
            db.close(); // The last connection to close checkpoints the WAL into the file.
          } catch (err) {
            replyError(req.id, err);
            return;
          }
          reply({ t: 'done', id: req.id });
          port.close();
        });
        return;
      default:
        throw new StorageError('InvalidArgument', `sqlite writer: unknown request ${JSON.stringify(req)}`);
    }
  });
}

if (!isMainThread && parentPort) start(parentPort, workerData as WriterWorkerData);

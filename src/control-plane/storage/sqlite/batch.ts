import type Database from 'better-sqlite3';
import { StorageError } from '../interface.js';
import type { KvStatements, LatestRow } from './statements.js';

/** One queued write, as the batcher hands it to a write engine. */
export type WriteOp =
  | { kind: 'create'; key: string; value: Buffer; ttlSeconds?: number }
  | { kind: 'update'; key: string; value: Buffer; expected: number; ttlSeconds?: number }
  | { kind: 'delete'; key: string; expected?: number };

/** Per-operation outcome codes of a committed batch. */
export const OK = 0;
export const KEY_EXISTS = 1;
export const KEY_NOT_FOUND = 2;
export const CONFLICT = 3;

/** Numbers stored per operation in `BatchResult.nums`. */
export const NUMS_PER_OP = 3;

/**
 * What a committed batch produced, in a flat form that crosses a thread
 * boundary cheaply (typed arrays, no per-op objects). For operation i:
 * - `codes[i]`: OK or the reason it was refused;
 * - `nums[3i]`: the revision it was written at (OK only);
 * - `nums[3i+1]`, `nums[3i+2]`, `values[i]`: the key's row before the write
 *   (modRevision, createRevision, value) — the prevKv of an update or delete,
 *   or the current value reported with KeyExists/Conflict; absent (0, 0,
 *   undefined) for a create and for KeyNotFound.
 * The caller rebuilds KeyValues and watch events from this plus its own ops
 * (settle.ts), so values it sent are never sent back.
 */
export interface BatchResult {
  /** The newest revision as of the end of this batch. */
  revision: number;
  codes: Uint8Array;
  nums: Float64Array;
  values: (Buffer | undefined)[];
}

/** A batch's result as a write engine reports it. */
export interface CommittedBatch extends BatchResult {
  /** Sequence number of the transaction that committed it (several batches may share one). */
  txn: number;
}

/** One batch to commit; `now` (ms, the submitter's clock) dates its TTLs. */
export interface BatchInput {
  ops: readonly WriteOp[];
  now: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Commits `batches`, back to back, in one IMMEDIATE transaction on `db` (the
 * only writing connection of the file) and returns each batch's outcomes.
 * CAS checks run inside the transaction against the newest state, including
 * earlier writes of the same transaction. `revision` is the newest committed
 * revision; the transaction first checks the stored counter still equals it,
 * which detects a second process (or store) writing the same file.
 * Throws (nothing committed) on any SQLite error; outcomes are only valid
 * once this returned, i.e. after the commit (and with synchronous=FULL its fsync).
 */
export function applyBatches(
  db: Database.Database,
  stmts: KvStatements,
  path: string,
  batches: readonly BatchInput[],
  revision: number,
): BatchResult[] {
  const results: BatchResult[] = [];
  let rev = revision;
  db.transaction(() => {
    const stored = stmts.getMeta('revision');
    if (stored !== revision) {
      throw new StorageError(
        'Unavailable',
        `sqlite datastore ${path}: revision changed underneath us (${revision} -> ${stored}); another process is writing this file`,
      );
    }
    // Newest row per key as of the writes so far in this transaction; null = absent.
    const latest = new Map<string, LatestRow | null>();
    const current = (key: string): LatestRow | null => {
      let row = latest.get(key);
      if (row === undefined) {
        const r = stmts.latest(key);
        row = r && !r.deleted ? r : null;
        latest.set(key, row);
      }
      return row;
    };
    for (const { ops, now } of batches) {
      const n = ops.length;
      const codes = new Uint8Array(n);
      const nums = new Float64Array(n * NUMS_PER_OP);
      const values: (Buffer | undefined)[] = new Array(n).fill(undefined);
      const other = (i: number, row: LatestRow): void => {
        nums[i * NUMS_PER_OP + 1] = row.id;
        nums[i * NUMS_PER_OP + 2] = row.create_revision;
        values[i] = row.value;
      };
      for (let i = 0; i < n; i++) {
        const op = ops[i];
        const cur = current(op.key);
        if (op.kind === 'create') {
          if (cur) {
            codes[i] = KEY_EXISTS;
            other(i, cur);
            continue;
          }
          rev++;
          stmts.insert(rev, op.key, false, rev, 0, op.ttlSeconds ? now + op.ttlSeconds * 1000 : null, op.value);
          latest.set(op.key, { id: rev, deleted: 0, create_revision: rev, value: op.value });
        } else {
          if (!cur) {
            codes[i] = KEY_NOT_FOUND;
            continue;
          }
          other(i, cur);
          if (op.expected !== undefined && cur.id !== op.expected) {
            codes[i] = CONFLICT;
            continue;
          }
          rev++;
          if (op.kind === 'update') {
            const exp = op.ttlSeconds ? now + op.ttlSeconds * 1000 : null;
            stmts.insert(rev, op.key, false, cur.create_revision, cur.id, exp, op.value);
            latest.set(op.key, { id: rev, deleted: 0, create_revision: cur.create_revision, value: op.value });
          } else {
            stmts.insert(rev, op.key, true, cur.create_revision, cur.id, null, EMPTY);
            latest.set(op.key, null);
          }
        }
        codes[i] = OK;
        nums[i * NUMS_PER_OP] = rev;
      }
      results.push({ revision: rev, codes, nums, values });
    }
    if (rev !== revision) stmts.setMeta('revision', rev);
  }).immediate();
  return results;
}

import type { StorageErrorCode } from '../interface.js';
import type { BatchResult, WriteOp } from './batch.js';

/**
 * Messages between the main thread and the writer thread (writer-worker.ts).
 * Values travel packed into one ArrayBuffer per message, which is transferred
 * (moved, not copied); everything else is typed arrays and a string array,
 * so a batch costs one memcpy of its values each way and no JSON.
 */

const KINDS = ['create', 'update', 'delete'] as const;
/** Per op in BatchRequest.meta: kind, expected modRevision (NaN: none), ttlSeconds (0: none), value length. */
const META = 4;

export interface BatchRequest {
  t: 'batch';
  id: number;
  /** The main thread's clock (ms), so TTL deadlines follow the injected clock. */
  now: number;
  keys: string[];
  meta: Float64Array;
  bytes: ArrayBuffer;
}

export type WorkerRequest =
  | BatchRequest
  | { t: 'compact'; id: number; from: number; to: number }
  | { t: 'backup'; id: number; dest: string }
  | { t: 'close'; id: number };

export interface BatchReply {
  t: 'batch';
  id: number;
  /** The transaction that committed this request (several requests may share one). */
  txn: number;
  revision: number;
  codes: Uint8Array;
  nums: Float64Array;
  /** Length of each op's value in `bytes` (packed in op order); -1: no value. */
  lens: Float64Array;
  bytes: ArrayBuffer;
}

export type WorkerReply =
  BatchReply | { t: 'done'; id: number } | { t: 'error'; id: number; code: StorageErrorCode; message: string };

/** What `postMessage` needs: the message and the buffers to move with it. */
export interface Encoded<T> {
  msg: T;
  transfer: ArrayBuffer[];
}

function pack(values: readonly (Uint8Array | undefined)[], lens: Float64Array): ArrayBuffer {
  let total = 0;
  for (const v of values) if (v) total += v.byteLength;
  const bytes = new ArrayBuffer(total);
  const view = new Uint8Array(bytes);
  let off = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!v) {
      lens[i] = -1;
      continue;
    }
    view.set(v, off);
    lens[i] = v.byteLength;
    off += v.byteLength;
  }
  return bytes;
}

export function encodeBatch(id: number, now: number, ops: readonly WriteOp[]): Encoded<BatchRequest> {
  const n = ops.length;
  const meta = new Float64Array(n * META);
  const lens = new Float64Array(n);
  const keys: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    keys[i] = op.key;
    meta[i * META] = KINDS.indexOf(op.kind);
    meta[i * META + 1] = op.kind === 'create' || op.expected === undefined ? NaN : op.expected;
    meta[i * META + 2] = op.kind === 'delete' ? 0 : (op.ttlSeconds ?? 0);
  }
  const bytes = pack(
    ops.map((op) => (op.kind === 'delete' ? undefined : op.value)),
    lens,
  );
  for (let i = 0; i < n; i++) meta[i * META + 3] = lens[i];
  return { msg: { t: 'batch', id, now, keys, meta, bytes }, transfer: [meta.buffer as ArrayBuffer, bytes] };
}

/** The ops of a request; values are views into the request's (transferred) buffer. */
export function decodeBatch(req: BatchRequest): WriteOp[] {
  const { keys, meta, bytes } = req;
  const ops: WriteOp[] = new Array(keys.length);
  let off = 0;
  for (let i = 0; i < keys.length; i++) {
    const kind = KINDS[meta[i * META]];
    const expected = meta[i * META + 1];
    const ttl = meta[i * META + 2];
    const len = meta[i * META + 3];
    const key = keys[i];
    if (kind === 'delete') {
      ops[i] = Number.isNaN(expected) ? { kind, key } : { kind, key, expected };
      continue;
    }
    const value = Buffer.from(bytes, off, len);
    off += len;
    const op: WriteOp = kind === 'create' ? { kind, key, value } : { kind, key, value, expected };
    if (ttl > 0) op.ttlSeconds = ttl;
    ops[i] = op;
  }
  return ops;
}

export function encodeResult(id: number, txn: number, r: BatchResult): Encoded<BatchReply> {
  const lens = new Float64Array(r.values.length);
  const bytes = pack(r.values, lens);
  return {
    msg: { t: 'batch', id, txn, revision: r.revision, codes: r.codes, nums: r.nums, lens, bytes },
    transfer: [r.codes.buffer as ArrayBuffer, r.nums.buffer as ArrayBuffer, lens.buffer as ArrayBuffer, bytes],
  };
}

/** The result of a reply; values are views into the reply's (transferred) buffer. */
export function decodeResult(reply: BatchReply): BatchResult {
  const { lens, bytes } = reply;
  const values: (Buffer | undefined)[] = new Array(lens.length);
  let off = 0;
  for (let i = 0; i < lens.length; i++) {
    const len = lens[i];
    if (len < 0) {
      values[i] = undefined;
      continue;
    }
    values[i] = Buffer.from(bytes, off, len);
    off += len;
  }
  return { revision: reply.revision, codes: reply.codes, nums: reply.nums, values };
}

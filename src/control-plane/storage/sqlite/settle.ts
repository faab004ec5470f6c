import { type KeyValue, StorageError, type WatchEvent } from '../interface.js';
import { type BatchResult, CONFLICT, KEY_EXISTS, KEY_NOT_FOUND, NUMS_PER_OP, type WriteOp } from './batch.js';

const EMPTY = Buffer.alloc(0);

export interface SettledBatch {
  /** Per operation: what its promise resolves with, or the StorageError it rejects with. */
  outcomes: (KeyValue | StorageError)[];
  /** The committed writes as watch events, in revision order. */
  events: WatchEvent[];
}

/**
 * Turns a committed batch's flat result (batch.ts) back into the Storage
 * contract's values: each writer's KeyValue or StorageError (with the current
 * value for KeyExists/Conflict) and the watch events of the writes that
 * happened. Written values come from the caller's own ops, so a PUT event and
 * the create/update result carry the very bytes the writer passed in.
 */
export function settleBatch(ops: readonly WriteOp[], result: BatchResult): SettledBatch {
  const { codes, nums, values } = result;
  const outcomes: (KeyValue | StorageError)[] = new Array(ops.length);
  const events: WatchEvent[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const key = op.key;
    const base = i * NUMS_PER_OP;
    const rev = nums[base];
    const prev: KeyValue | undefined =
      values[i] === undefined
        ? undefined
        : { key, value: values[i]!, modRevision: nums[base + 1], createRevision: nums[base + 2] };
    switch (codes[i]) {
      case KEY_EXISTS:
        outcomes[i] = new StorageError('KeyExists', `key ${key} already exists`, prev);
        continue;
      case KEY_NOT_FOUND:
        outcomes[i] = new StorageError('KeyNotFound', `key ${key} not found`);
        continue;
      case CONFLICT:
        outcomes[i] = new StorageError(
          'Conflict',
          `key ${key} was modified at revision ${prev?.modRevision} (expected ${op.kind === 'create' ? '' : op.expected})`,
          prev,
        );
        continue;
    }
    if (op.kind === 'create') {
      const kv: KeyValue = { key, value: op.value, createRevision: rev, modRevision: rev };
      outcomes[i] = kv;
      events.push({ type: 'PUT', kv, revision: rev });
    } else if (op.kind === 'update') {
      const kv: KeyValue = { key, value: op.value, createRevision: prev!.createRevision, modRevision: rev };
      outcomes[i] = kv;
      events.push({ type: 'PUT', kv, prevKv: prev, revision: rev });
    } else {
      outcomes[i] = { key, value: prev!.value, createRevision: prev!.createRevision, modRevision: rev };
      events.push({
        type: 'DELETE',
        kv: { key, value: EMPTY, createRevision: 0, modRevision: rev },
        prevKv: prev,
        revision: rev,
      });
    }
  }
  return { outcomes, events };
}

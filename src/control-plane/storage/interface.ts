import type { Disposable } from '../../lib/disposable.js';

/**
 * The datastore contract (etcd's model, DESIGN.md convention 6). Keys are
 * strings such as `/registry/apps/deployments/default/web`; values are bytes;
 * every write gets a cluster-wide, strictly increasing revision. Only the
 * apiserver uses this interface. Every backend (sqlite, etcd) passes the same
 * conformance suite in ./conformance.
 */
export interface KeyValue {
  key: string;
  value: Uint8Array;
  /** Revision of the write that created this key (its current incarnation). */
  createRevision: number;
  /** Revision of the last write to this key; for a delete event, the delete's revision. */
  modRevision: number;
}

export interface ListOptions {
  /** Read as of this revision (0/undefined = latest). Older than the compacted revision -> Compacted error. */
  revision?: number;
  /** At most this many items (0/undefined = no limit). */
  limit?: number;
  /** Continue after this key (exclusive); used for pagination. */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list is consistent at. */
  revision: number;
  /** True when more keys under the prefix follow the last item. */
  more: boolean;
  /** How many keys follow the last item (when `more`), if the backend knows cheaply. */
  remaining?: number;
}

export interface WriteOptions {
  /** Remove the key automatically after this many seconds (short-lived objects such as events). */
  ttlSeconds?: number;
}

export type WatchEventType = 'PUT' | 'DELETE';

export interface WatchEvent {
  type: WatchEventType;
  /** For PUT the new value; for DELETE the key with an empty value and modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event (absent for a create). */
  prevKv?: KeyValue;
  /** The revision of this event (equals kv.modRevision). */
  revision: number;
}

export interface WatchListener {
  /** Events in revision order, each delivered exactly once; batches share nothing with later batches. */
  onEvents(events: WatchEvent[]): void;
  /** No events up to `revision` are pending for this watch (progress notification / bookmark). */
  onProgress?(revision: number): void;
  /** The watch ended with an error (e.g. Compacted); no more callbacks follow. */
  onError(err: StorageError): void;
}

export interface WatchOptions {
  /** Deliver events with revision >= startRevision. Must be > the compacted revision. */
  startRevision: number;
  /** Ask for onProgress calls roughly this often while idle (ms; 0/undefined = none). */
  progressIntervalMs?: number;
}

export type StorageErrorCode =
  | 'KeyExists'
  | 'KeyNotFound'
  | 'Conflict'
  | 'Compacted'
  | 'FutureRevision'
  | 'Unavailable'
  | 'Corrupt'
  | 'Closed'
  | 'InvalidArgument';

/** Errors every backend reports the same way; the apiserver maps them to API Status errors. */
export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    /** Conflict: the current value. KeyExists: the existing value. */
    readonly current?: KeyValue,
    /** Compacted: the compacted revision. FutureRevision: the current revision. */
    readonly revision?: number,
  ) {
    super(message);
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export interface Storage extends Disposable {
  /** Backend name for logs and metrics: `sqlite`, `etcd`. */
  readonly backend: string;

  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;

  /** Creates `key`; KeyExists (with the existing value) if present. */
  create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<KeyValue>;
  /**
   * Compare-and-swap: replaces `key` if its modRevision equals `expectedModRevision`.
   * KeyNotFound if absent; Conflict (with the current value) if it changed.
   */
  update(key: string, value: Uint8Array, expectedModRevision: number, opts?: WriteOptions): Promise<KeyValue>;
  /**
   * Deletes `key` (if `expectedModRevision` is given, only at that revision: else Conflict).
   * Returns the deleted value with modRevision set to the delete's revision. KeyNotFound if absent.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;

  /** Watches every key under `prefix`. The returned handle stops the watch when disposed. */
  watch(prefix: string, opts: WatchOptions, listener: WatchListener): Disposable;
  /**
   * Optional: asks for an onProgress call, now, on every watch that wants
   * progress notifications and has nothing queued — so a reader can learn at
   * once that a watch is current (upstream RequestWatchProgress). Backends
   * that cannot order such a notice after queued events leave it out.
   */
  requestWatchProgress?(): void;

  /** The newest revision. */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable (everything before it may be gone). */
  compactedRevision(): Promise<number>;
  /** Forgets history before `revision` (superseded values and deletions). */
  compact(revision: number): Promise<void>;
}

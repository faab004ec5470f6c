import { Etcd3, type IKeyValue, type IOptions, type IRequestOp, type ITxnRequest, type ITxnResponse } from 'etcd3';
import { readFileSync } from 'node:fs';
import { Backoff } from '../../../lib/backoff.js';
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
import { isTransient, mapEtcdError } from './errors.js';
import { LeaseCache } from './lease-cache.js';
import { WatchMux } from './watch-mux.js';

/** PEM material: a file path, or the PEM bytes themselves. */
export type Pem = string | Uint8Array;

export interface EtcdTls {
  ca?: Pem;
  cert?: Pem;
  key?: Pem;
}

export interface EtcdStorageOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379` (all http or all https). */
  endpoints: string[];
  tls?: EtcdTls;
  /** Namespace prepended to every key (several clusters can share one etcd). Default ''. */
  prefix?: string;
  clock?: Clock;
  logger?: Logger;
  /** How long one operation keeps retrying transient failures (no leader, member down). Default 15 s. */
  retryTimeoutMs?: number;
  /** Auto-compaction period (0 disables); default 5 minutes, as kube-apiserver does for etcd. */
  compactionIntervalMs?: number;
  /** Connection dial timeout (ms); default 5 s. */
  dialTimeoutMs?: number;
}

const NUL = Buffer.from([0]);

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
/** A fault-handling policy that runs the call once (etcd3 only calls `execute`). */
const noRetry = {
  execute: <T>(fn: (ctx: { signal: AbortSignal }) => T | Promise<T>) => fn({ signal: new AbortController().signal }),
} as unknown as Policy;

function pem(p: Pem | undefined): Buffer | undefined {
  if (p === undefined) return undefined;
  if (typeof p !== 'string') return Buffer.from(p);
  return p.includes('-----BEGIN') ? Buffer.from(p) : readFileSync(p);
}

function num(v: string | number | undefined): number {
  return v === undefined ? 0 : Number(v);
}

/**
 * The etcd backend: etcd's own revisions are the storage revisions (1:1).
 * Writes are single-key transactions (create: createRevision == 0; update:
 * modRevision == expected; delete: optional modRevision compare) whose
 * failure branch reads the key, so a conflict returns the current value in the
 * same round trip. Watches share one gRPC stream (watch-mux.ts). TTLs use
 * shared leases (lease-cache.ts).
 *
 * Transient failures (member down, leader election) are retried on other
 * members for up to `retryTimeoutMs`. A retried write whose first attempt may
 * have been applied is reconciled: a create/update that then finds exactly
 * its own value in place reports success instead of KeyExists/Conflict.
 */
export class EtcdStorage implements Storage {
  readonly backend = 'etcd';
  private readonly client: Etcd3;
  private readonly ns: string;
  private readonly mux: WatchMux;
  private readonly leases: LeaseCache;
  private readonly compactor: AutoCompactor;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly retryTimeoutMs: number;
  private knownCompact = 0;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(opts: EtcdStorageOptions) {
    if (opts.endpoints.length === 0) throw new StorageError('InvalidArgument', 'etcd: no endpoints given');
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? nullLogger;
    this.ns = opts.prefix ?? '';
    this.retryTimeoutMs = opts.retryTimeoutMs ?? 15_000;
    const ca = pem(opts.tls?.ca);
    const options: IOptions = {
      hosts: opts.endpoints,
      dialTimeout: opts.dialTimeoutMs ?? 5000,
      grpcOptions: {
        // Lists and watch responses can carry many 1.5 MiB objects.
        'grpc.max_receive_message_length': -1,
        'grpc.max_send_message_length': -1,
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.keepalive_permit_without_calls': 1,
      },
      // No retries inside etcd3: withRetry() retries, and must know whether an
      // attempt failed, to reconcile writes that were applied before the error.
      faultHandling: { global: noRetry },
    };
    // Without TLS material, https endpoints use the system roots (etcd3 does that itself).
    if (opts.tls && (ca || opts.tls.cert || opts.tls.key)) {
      options.credentials = {
        rootCertificate: ca as Buffer,
        privateKey: pem(opts.tls.key),
        certChain: pem(opts.tls.cert),
      };
    }
    this.client = new Etcd3(options);
    this.mux = new WatchMux(this.client, this.clock, this.logger);
    this.leases = new LeaseCache(async (ttl) => {
      const res = await this.withRetry('lease grant', () => this.client.leaseClient.leaseGrant({ TTL: ttl }));
      return res.ID;
    }, this.clock);
    this.compactor = new AutoCompactor(this, {
      intervalMs: opts.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS,
      clock: this.clock,
      logger: this.logger,
    }).start();
    track(this, `etcd storage ${opts.endpoints.join(',')}`);
  }

  private k(key: string): Buffer {
    checkKey(key);
    if (this.ns && !key.startsWith('/')) {
      throw new StorageError('InvalidArgument', `key ${JSON.stringify(key)} must start with "/" in a namespaced store`);
    }
    return Buffer.from(this.ns + key, 'utf8');
  }

  /**
   * The etcd range for a prefix. In a namespaced store every key starts with
   * '/', so the empty prefix means `<ns>/` (not `<ns>`, which would also cover
   * a sibling namespace such as `<ns>-other`).
   */
  private range(prefix: string): { key: Buffer; range_end: Buffer } {
    const full = this.ns && prefix === '' ? `${this.ns}/` : this.ns + prefix;
    const end = prefixEnd(full);
    // The whole keyspace is etcd's ["\0", "\0"): an empty key is refused ("key is not provided").
    const key = full === '' ? NUL : Buffer.from(full, 'utf8');
    return { key, range_end: end === undefined ? NUL : Buffer.from(end, 'utf8') };
  }

  private toKv(kv: IKeyValue): KeyValue {
    return {
      key: kv.key.toString('utf8').slice(this.ns.length),
      value: kv.value,
      createRevision: num(kv.create_revision),
      modRevision: num(kv.mod_revision),
    };
  }

  /** Runs `op`, retrying transient failures with backoff until `retryTimeoutMs`. */
  private async withRetry<T>(what: string, op: (attempt: number) => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageError('Closed', 'etcd storage is closed');
    const deadline = this.clock.monotonic() + this.retryTimeoutMs;
    const backoff = new Backoff({ initialMs: 50, maxMs: 1000, jitter: 0.3 });
    for (let attempt = 0; ; attempt++) {
      try {
        return await op(attempt);
      } catch (err) {
        if (this.closed) throw new StorageError('Closed', 'etcd storage is closed');
        if (!isTransient(err) || this.clock.monotonic() >= deadline) throw mapEtcdError(err, `etcd ${what}`);
        this.logger.debug('retrying etcd call', { what, attempt, err });
        // The clock's timers do not hold the process open; a caller awaiting us (a CLI
        // command, say) must not see the process exit in the middle of a retry.
        const hold = setInterval(() => undefined, 60_000);
        try {
          await this.clock.sleep(backoff.next());
        } finally {
          clearInterval(hold);
        }
      }
    }
  }

  /** Fills in the compacted revision on Compacted errors and the current one on FutureRevision. */
  private async enrich(err: unknown): Promise<never> {
    if (err instanceof StorageError && err.code === 'Compacted' && err.revision === undefined) {
      const rev = await this.compactedRevision().catch(() => undefined);
      throw new StorageError('Compacted', err.message, undefined, rev);
    }
    if (err instanceof StorageError && err.code === 'FutureRevision' && err.revision === undefined) {
      const rev = await this.currentRevision().catch(() => undefined);
      throw new StorageError('FutureRevision', err.message, undefined, rev);
    }
    throw err;
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    checkKey(key);
    const res = await this.withRetry('get', () =>
      this.client.kv.range({ key: this.k(key), ...(opts?.revision ? { revision: opts.revision } : {}) }),
    ).catch((e) => this.enrich(e));
    return res.kvs.length > 0 ? this.toKv(res.kvs[0]) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const r = this.range(prefix);
    const after = opts.startAfter !== undefined && compareKeys(opts.startAfter, prefix) >= 0;
    const start = after ? Buffer.concat([Buffer.from(this.ns + opts.startAfter!, 'utf8'), NUL]) : r.key;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const res = await this.withRetry('list', () =>
      this.client.kv.range({
        key: start,
        range_end: r.range_end,
        ...(opts.revision ? { revision: opts.revision } : {}),
        ...(limit ? { limit } : {}),
      }),
    ).catch((e) => this.enrich(e));
    const items = res.kvs.map((kv) => this.toKv(kv));
    const count = num(res.count);
    return {
      items,
      revision: opts.revision || num(res.header.revision),
      more: res.more,
      ...(res.more ? { remaining: count - items.length } : {}),
    };
  }

  async count(prefix: string): Promise<number> {
    const res = await this.withRetry('count', () => this.client.kv.range({ ...this.range(prefix), count_only: true }));
    return num(res.count);
  }

  private async txn(what: string, req: ITxnRequest): Promise<ITxnResponse & { retried: boolean }> {
    let retried = false;
    const res = await this.withRetry(what, (attempt) => {
      retried = attempt > 0;
      return this.client.kv.txn(req);
    });
    return Object.assign(res, { retried });
  }

  private readBack(key: Buffer): IRequestOp {
    return { request_range: { key } };
  }

  private async leaseFor(opts?: WriteOptions): Promise<{ lease?: string }> {
    return opts?.ttlSeconds && opts.ttlSeconds > 0 ? { lease: await this.leases.leaseFor(opts.ttlSeconds) } : {};
  }

  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<KeyValue> {
    checkKey(key);
    const k = this.k(key);
    const v = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const lease = await this.leaseFor(opts);
    const res = await this.txn('create', {
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: v, ...lease } }],
      failure: [this.readBack(k)],
    });
    const rev = num(res.header.revision);
    if (res.succeeded) return { key, value, createRevision: rev, modRevision: rev };
    const cur = this.toKv(res.responses[0].response_range.kvs[0]);
    // A retried create that finds its own value was applied by the first attempt.
    if (res.retried && cur.createRevision === cur.modRevision && Buffer.from(cur.value).equals(v)) return cur;
    throw new StorageError('KeyExists', `key ${key} already exists`, cur);
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, opts?: WriteOptions): Promise<KeyValue> {
    checkKey(key);
    const k = this.k(key);
    const v = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const lease = await this.leaseFor(opts);
    const res = await this.txn('update', {
      compare: [
        { key: k, target: 'Version', result: 'Greater', version: 0 },
        { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision },
      ],
      // The range after the put reads back createRevision without shipping the old value.
      success: [{ request_put: { key: k, value: v, ...lease } }, { request_range: { key: k, keys_only: true } }],
      failure: [this.readBack(k)],
    });
    const rev = num(res.header.revision);
    if (res.succeeded) {
      const now = res.responses[1].response_range.kvs[0];
      return { key, value, createRevision: num(now?.create_revision), modRevision: rev };
    }
    const kvs = res.responses[0].response_range.kvs;
    if (kvs.length === 0) throw new StorageError('KeyNotFound', `key ${key} not found`);
    const cur = this.toKv(kvs[0]);
    if (res.retried && cur.modRevision > expectedModRevision && Buffer.from(cur.value).equals(v)) return cur;
    throw new StorageError(
      'Conflict',
      `key ${key} was modified at revision ${cur.modRevision} (expected ${expectedModRevision})`,
      cur,
    );
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    checkKey(key);
    const k = this.k(key);
    const res = await this.txn('delete', {
      compare: [
        { key: k, target: 'Version', result: 'Greater', version: 0 },
        ...(expectedModRevision !== undefined
          ? [{ key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedModRevision }]
          : []),
      ],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [this.readBack(k)],
    });
    if (res.succeeded) {
      const prev = res.responses[0].response_delete_range.prev_kvs[0];
      if (!prev) throw new StorageError('KeyNotFound', `key ${key} not found`);
      const kv = this.toKv(prev);
      return { ...kv, modRevision: num(res.header.revision) };
    }
    const kvs = res.responses[0].response_range.kvs;
    if (kvs.length === 0) throw new StorageError('KeyNotFound', `key ${key} not found`);
    const cur = this.toKv(kvs[0]);
    throw new StorageError(
      'Conflict',
      `key ${key} was modified at revision ${cur.modRevision} (expected ${expectedModRevision})`,
      cur,
    );
  }

  watch(prefix: string, opts: WatchOptions, listener: WatchListener): Disposable {
    const r = this.range(prefix);
    const spec = {
      key: r.key,
      rangeEnd: r.range_end,
      startRevision: Math.max(0, opts.startRevision),
      strip: this.ns.length,
      listener,
      progress: !!opts.progressIntervalMs && opts.progressIntervalMs > 0,
    };
    if (this.closed || spec.startRevision <= 1) return this.mux.add(spec);
    // etcd accepts a watch *at* the compacted revision (and then misses a delete made
    // at exactly that revision); the contract requires startRevision > compacted.
    let inner: Disposable | undefined;
    let disposed = false;
    void this.client.kv
      .range({ key: spec.key, revision: spec.startRevision - 1, count_only: true })
      .then(
        () => undefined,
        (err: unknown) => mapEtcdError(err, 'etcd watch'),
      )
      .then(async (err) => {
        if (disposed) return;
        if (err?.code === 'Compacted') {
          const rev = await this.compactedRevision().catch(() => undefined);
          if (!disposed) {
            listener.onError(
              new StorageError(
                'Compacted',
                `etcd watch: required revision ${spec.startRevision} has been compacted (compacted revision ${rev})`,
                undefined,
                rev,
              ),
            );
          }
          return;
        }
        inner = this.mux.add(spec);
      });
    return toDisposable(async () => {
      disposed = true;
      await inner?.dispose();
    });
  }

  async currentRevision(): Promise<number> {
    const res = await this.withRetry('revision', () => this.client.kv.range({ key: this.k('/'), count_only: true }));
    return num(res.header.revision);
  }

  /**
   * etcd does not report its compacted revision directly; the smallest revision
   * a range can still be served at is found by binary search (only used on
   * Compacted errors and by the compactor, so its ~log2(rev) reads are rare).
   */
  async compactedRevision(): Promise<number> {
    const current = await this.currentRevision();
    const readable = async (rev: number): Promise<boolean> => {
      try {
        await this.withRetry('probe', () =>
          this.client.kv.range({ key: this.k('/'), revision: rev, count_only: true }),
        );
        return true;
      } catch (err) {
        if (err instanceof StorageError && err.code === 'Compacted') return false;
        throw err;
      }
    };
    let lo = Math.max(1, this.knownCompact);
    if (!(await readable(lo))) {
      let hi = current;
      while (lo + 1 < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (await readable(mid)) hi = mid;
        else lo = mid;
      }
      lo = hi;
    }
    this.knownCompact = lo;
    return lo <= 1 ? 0 : lo;
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.withRetry('compact', () => this.client.kv.compact({ revision }));
      this.knownCompact = Math.max(this.knownCompact, revision);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'Compacted') return; // already compacted that far
      if (err instanceof StorageError && err.code === 'FutureRevision') return this.enrich(err);
      throw err;
    }
  }

  /** The key namespace this store adds in etcd. */
  get namespace(): string {
    return this.ns;
  }

  /** The underlying etcd3 client (snapshots, diagnostics). */
  get etcd(): Etcd3 {
    return this.client;
  }

  /** Breaks the shared watch stream as a network failure would (tests). */
  breakWatchStream(): void {
    this.mux.breakStream();
  }

  /** etcd watches in use (watches sharing one count once) and stream failures recovered from. */
  get watchStats(): { etcdWatches: number; reconnects: number } {
    return { etcdWatches: this.mux.size, reconnects: this.mux.reconnects };
  }

  dispose(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    untrack(this);
    await this.compactor.dispose();
    this.closed = true;
    this.mux.close(new StorageError('Closed', 'etcd storage is closed'));
    this.client.close();
  }
}

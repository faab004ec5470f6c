import { expired, StatusError, timeout } from '../../../api/errors/status-error.js';
import { type Clock, type Timer, realClock } from '../../../lib/clock.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import type { KeyValue, Storage, StorageError, WatchEvent } from '../../storage/interface.js';
import { CacheWatcher, type CacheWatcherOptions } from './cache-watcher.js';
import { RingBuffer } from './ring-buffer.js';
import type { CacheEntry, CacheEvent, FieldIndexer, KubeObject } from './types.js';

export interface WatchCacheOptions {
  storage: Storage;
  /** Storage prefix of the resource, e.g. `/registry/pods/` (ends with `/`). */
  prefix: string;
  /** Bytes -> object with metadata.resourceVersion set (the resource's codec). */
  decode: (kv: KeyValue) => KubeObject;
  /** Exact-match indexes watchers may register under (`metadata.namespace` and `metadata.name` are built in). */
  indexers?: Record<string, FieldIndexer>;
  /** Recent events kept for resuming watches (default 10,000). */
  eventCapacity?: number;
  /** How often watchers that asked for bookmarks get one (default 10 s). */
  bookmarkIntervalMs?: number;
  clock?: Clock;
  log?: Logger;
}

export interface CacheListResult {
  items: CacheEntry[];
  revision: number;
  /** Key of the last item when more remain (for continue tokens). */
  continueKey?: string;
  remaining?: number;
}

const builtinIndexers: Record<string, FieldIndexer> = {
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
  'metadata.name': (o) => o.metadata.name,
};

/** How often a waiting reader re-asks storage for a progress notice. */
const progressRequestIntervalMs = 20;
/**
 * The apiserver's in-memory copy of one resource (DESIGN.md §1 "watch cache").
 * It lists once from storage, then follows a single storage watch, keeping the
 * current objects (decoded once, shared by every reader) and a window of recent
 * events. LIST and WATCH are served from here; each event is decoded once and
 * serialized at most once per encoding for all watchers.
 *
 * Revisions: `revision` is the newest storage revision the cache reflects
 * (advanced by events and by storage progress notifications). A watch may
 * resume from any revision >= `oldestResumable`; older ones get 410 Expired.
 */
export class WatchCache {
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly indexers: Record<string, FieldIndexer>;
  private readonly entries = new Map<string, CacheEntry>();
  private sortedKeys: string[] | null = null;
  private readonly events: RingBuffer<CacheEvent>;
  private readonly watchers = new Set<CacheWatcher>();
  /** watchers by trigger: field -> value -> watchers. */
  private readonly triggered = new Map<string, Map<string, Set<CacheWatcher>>>();
  private readonly untriggered = new Set<CacheWatcher>();
  private waiters: { rv: number; resolve: () => void }[] = [];
  private storageWatch: { dispose(): void | Promise<void> } | undefined;
  private bookmarkTimer: Timer | undefined;
  private startPromise: Promise<void> | undefined;
  private failed: StorageError | undefined;
  private stopped = false;

  revision = 0;
  oldestResumable = 0;

  constructor(private readonly opts: WatchCacheOptions) {
    this.storage = opts.storage;
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.indexers = { ...builtinIndexers, ...opts.indexers };
    this.events = new RingBuffer(opts.eventCapacity ?? 10_000);
  }

  /** Loads the initial state and starts following storage. Safe to call repeatedly. */
  start(): Promise<void> {
    this.startPromise ??= this.load();
    return this.startPromise;
  }

  get size(): number {
    return this.entries.size;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  private async load(): Promise<void> {
    let startAfter: string | undefined;
    let rev = 0;
    for (;;) {
      const page = await this.storage.list(this.opts.prefix, { limit: 10_000, startAfter, revision: rev || undefined });
      rev = page.revision;
      for (const kv of page.items)
        this.entries.set(kv.key, { key: kv.key, object: this.opts.decode(kv), rv: kv.modRevision });
      if (!page.more || page.items.length === 0) break;
      startAfter = page.items[page.items.length - 1]!.key;
    }
    this.revision = rev;
    this.oldestResumable = rev;
    this.sortedKeys = null;
    this.storageWatch = this.storage.watch(
      this.opts.prefix,
      { startRevision: rev + 1, progressIntervalMs: 1000 },
      {
        onEvents: (evs) => this.apply(evs),
        onProgress: (r) => this.advance(r),
        onError: (err) => this.fail(err),
      },
    );
    const every = this.opts.bookmarkIntervalMs ?? 10_000;
    this.bookmarkTimer = this.clock.setInterval(() => this.sendBookmarks(), every);
  }

  /** Applies storage events in order. */
  private apply(evs: WatchEvent[]): void {
    for (const ev of evs) {
      if (ev.revision <= this.revision) continue;
      const prev = this.entries.get(ev.kv.key);
      let cev: CacheEvent;
      if (ev.type === 'DELETE') {
        if (!prev) {
          this.revision = ev.revision;
          continue;
        }
        const last = prev.object;
        const object: KubeObject = { ...last, metadata: { ...last.metadata, resourceVersion: String(ev.revision) } };
        cev = {
          type: 'DELETED',
          key: ev.kv.key,
          rv: ev.revision,
          entry: { key: ev.kv.key, object, rv: ev.revision },
          prev,
        };
        this.entries.delete(ev.kv.key);
        this.sortedKeys = null;
      } else {
        let object: KubeObject;
        try {
          object = this.opts.decode(ev.kv);
        } catch (err) {
          this.log.error('watch cache: undecodable object skipped', { key: ev.kv.key, err });
          this.revision = ev.revision;
          continue;
        }
        const entry: CacheEntry = { key: ev.kv.key, object, rv: ev.revision };
        cev = { type: prev ? 'MODIFIED' : 'ADDED', key: ev.kv.key, rv: ev.revision, entry, prev };
        if (!prev) this.sortedKeys = null;
        this.entries.set(ev.kv.key, entry);
      }
      this.revision = ev.revision;
      const evicted = this.events.push(cev);
      if (evicted) this.oldestResumable = evicted.rv;
      this.fanOut(cev);
    }
    this.wake();
  }

  private advance(rev: number): void {
    if (rev > this.revision) {
      this.revision = rev;
      this.wake();
    }
  }

  private fail(err: StorageError): void {
    this.log.warn('watch cache: storage watch ended; restarting from storage', { prefix: this.opts.prefix, err });
    this.failed = err;
    // Watchers cannot be resumed seamlessly: end them; clients re-watch (and relist on 410).
    for (const w of [...this.watchers]) w.finish('storage watch failed');
    void this.restart();
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    await this.storageWatch?.dispose();
    this.bookmarkTimer?.cancel();
    this.entries.clear();
    this.sortedKeys = null;
    this.startPromise = undefined;
    try {
      await this.start();
      this.failed = undefined;
    } catch (err) {
      this.log.error('watch cache: restart failed; retrying', { prefix: this.opts.prefix, err });
      this.clock.setTimeout(() => void this.restart(), 1000);
    }
  }

  private fanOut(ev: CacheEvent): void {
    for (const w of this.untriggered) w.dispatch(ev);
    if (this.triggered.size === 0) return;
    for (const [field, byValue] of this.triggered) {
      const indexer = this.indexers[field]!;
      const a = indexer(ev.entry.object);
      const b = ev.prev ? indexer(ev.prev.object) : undefined;
      if (a !== undefined) byValue.get(a)?.forEach((w) => w.dispatch(ev));
      if (b !== undefined && b !== a) byValue.get(b)?.forEach((w) => w.dispatch(ev));
    }
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (w.rv <= this.revision ? w.resolve : () => still.push(w))();
    this.waiters = still;
  }

  /**
   * Resolves once the cache reflects `rv`. Rejects with upstream's 504 "Too large
   * resource version" after `timeoutMs` (default 3 s) if it never gets there.
   */
  async waitForRevision(rv: number, timeoutMs = 3000): Promise<void> {
    await this.start();
    if (rv <= this.revision) return;
    // Storage that can confirm at once that the watch is current is asked to (and asked
    // again while events are still being delivered), instead of waiting for its next
    // periodic progress notice.
    const request = this.storage.requestWatchProgress?.bind(this.storage);
    await new Promise<void>((resolve, reject) => {
      const poke = request ? this.clock.setInterval(request, progressRequestIntervalMs) : undefined;
      const timer = this.clock.setTimeout(() => {
        poke?.cancel();
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(timeout(`Too large resource version: ${rv}, current: ${this.revision}`, 1));
      }, timeoutMs);
      const done = () => {
        timer.cancel();
        poke?.cancel();
        resolve();
      };
      this.waiters.push({ rv, resolve: done });
      request?.();
    });
  }

  /** Whether waitForRevision can ask storage for an immediate progress notice. */
  get canRequestProgress(): boolean {
    return typeof this.storage.requestWatchProgress === 'function';
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  private keys(): string[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.entries.keys()].sort();
    return this.sortedKeys;
  }

  /**
   * Lists entries whose key starts with `prefix` in key order, keeping those
   * `filter` accepts, starting after `startAfter`, at most `limit` (0 = all).
   */
  list(
    prefix: string,
    filter: (e: CacheEntry) => boolean,
    opts: { startAfter?: string; limit?: number } = {},
  ): CacheListResult {
    const keys = this.keys();
    const from = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter : prefix;
    let i = lowerBound(keys, from);
    if (opts.startAfter !== undefined && keys[i] === opts.startAfter) i++;
    const items: CacheEntry[] = [];
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    for (; i < keys.length; i++) {
      const k = keys[i]!;
      if (!k.startsWith(prefix)) break;
      const e = this.entries.get(k)!;
      if (!filter(e)) continue;
      if (items.length === limit) {
        let remaining = 0;
        for (let j = i; j < keys.length && keys[j]!.startsWith(prefix); j++)
          if (filter(this.entries.get(keys[j]!)!)) remaining++;
        return { items, revision: this.revision, continueKey: items[items.length - 1]!.key, remaining };
      }
      items.push(e);
    }
    return { items, revision: this.revision };
  }

  /**
   * Starts a watch. `fromRevision` undefined means "current state first" (synthetic
   * ADDED events), taken once the cache reflects `notOlderThan` when given (watch-list
   * with resourceVersionMatch=NotOlderThan); otherwise events after `fromRevision`.
   * A revision older than the window (410 Expired) or one the cache never reaches
   * (504 Timeout) gives a watcher that only yields that ERROR event and ends, as
   * upstream's cacher does. `initialEventsEnd` adds the watch-list end bookmark.
   */
  async watch(
    params: { prefix: string; fromRevision?: number; notOlderThan?: number; initialEventsEnd?: boolean } & Omit<
      CacheWatcherOptions,
      'onClose'
    >,
  ): Promise<CacheWatcher> {
    await this.start();
    if (this.failed) await this.start();
    const w = new CacheWatcher({ ...params, onClose: (x) => this.forget(x) });
    const inPrefix = (k: string) => k.startsWith(params.prefix);
    const from = params.fromRevision;
    try {
      if (from === undefined) {
        if (params.notOlderThan !== undefined && params.notOlderThan > this.revision)
          await this.waitForRevision(params.notOlderThan);
      } else {
        if (from < this.oldestResumable) {
          throw expired(`too old resource version: ${from} (${this.oldestResumable})`);
        }
        if (from > this.revision) await this.waitForRevision(from);
      }
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      // Once a watch is accepted, upstream reports these as an in-stream ERROR
      // event (HTTP 200), never as the response status; the watcher is not registered.
      w.fail(err.toStatus());
      return w;
    }
    if (from === undefined) {
      const state = this.list(params.prefix, () => true).items;
      w.pushInitial(state, this.revision);
      if (params.initialEventsEnd) w.pushBookmark(this.revision, { 'k8s.io/initial-events-end': 'true' }, true);
    } else {
      w.lastRv = from;
      const idx = this.events.lowerBound((e) => e.rv > from);
      for (let i = idx; i < this.events.length; i++) {
        const ev = this.events.at(i)!;
        if (inPrefix(ev.key)) w.dispatch(ev);
      }
      w.lastRv = Math.max(w.lastRv, this.revision);
    }
    this.register(w, params.prefix);
    return w;
  }

  private register(w: CacheWatcher, prefix: string): void {
    // A namespace-scoped watch is a trigger on metadata.namespace unless a narrower one was given.
    this.watchers.add(w);
    const t = w.trigger;
    if (t && this.indexers[t.field]) {
      let byValue = this.triggered.get(t.field);
      if (!byValue) this.triggered.set(t.field, (byValue = new Map()));
      let set = byValue.get(t.value);
      if (!set) byValue.set(t.value, (set = new Set()));
      set.add(w);
    } else {
      this.untriggered.add(w);
    }
    void prefix;
  }

  private forget(w: CacheWatcher): void {
    this.watchers.delete(w);
    this.untriggered.delete(w);
    const t = w.trigger;
    if (t) {
      const set = this.triggered.get(t.field)?.get(t.value);
      set?.delete(w);
      if (set && set.size === 0) this.triggered.get(t.field)!.delete(t.value);
      if (this.triggered.get(t.field)?.size === 0) this.triggered.delete(t.field);
    }
  }

  private sendBookmarks(): void {
    for (const w of this.watchers) if (this.revision > w.lastRv) w.pushBookmark(this.revision);
  }

  /** Stops following storage and ends every watcher. */
  async dispose(): Promise<void> {
    this.stopped = true;
    this.bookmarkTimer?.cancel();
    for (const w of [...this.watchers]) w.finish('server shutting down');
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    await this.storageWatch?.dispose();
  }
}

function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

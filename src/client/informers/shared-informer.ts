import { type Clock, realClock, type Timer } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import type { KubeObject } from '../resource-client.js';
import { Indexer } from './indexer.js';
import { NamespaceIndex, namespaceIndexFunc, type Indexers } from './indexers.js';
import { DeletedFinalStateUnknown } from './keys.js';
import { Lister } from './lister.js';
import type { ListerWatcher } from './list-watch.js';
import { Reflector, type ReflectorOptions, type ReflectorStore } from './reflector.js';

/**
 * Notifications about cache changes. Handlers run synchronously on the
 * informer's event path, after the cache was updated: they must only enqueue
 * keys into a work queue (DESIGN.md convention 2) — never block, do I/O, or
 * mutate the objects they receive (those are the cached objects).
 */
export interface ResourceEventHandler<T> {
  /** `isInInitialList`: the object came from the first list (or a replay to a late handler). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** Also called with `old === new` on periodic resync and for every object of a relist. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** A tombstone when the deletion happened while the watch was down. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface HandlerRegistration extends Disposable {
  /** True once the handler has been given the initial state. */
  hasSynced(): boolean;
}

export interface SharedInformerOptions<T> {
  indexers?: Indexers<T>;
  /** Default resync period for handlers that don't set one (0 = none). */
  resyncPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
  name?: string;
  reflector?: Omit<ReflectorOptions, 'clock' | 'log' | 'name'>;
}

interface HandlerEntry<T> {
  handler: ResourceEventHandler<T>;
  resyncMs: number;
  timer?: Timer;
  synced: boolean;
}

/**
 * One list+watch of one resource shared by every controller that needs it
 * (client-go `SharedIndexInformer`): a Reflector feeds an Indexer, and each
 * change is dispatched to the registered handlers. The namespace index is
 * always present.
 */
export class SharedIndexInformer<T extends KubeObject> implements ReflectorStore<T> {
  readonly indexer: Indexer<T>;
  private readonly reflector: Reflector<T>;
  private readonly handlers = new Set<HandlerEntry<T>>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private synced = false;
  private running = false;
  private started = false;
  private readonly syncWaiters = new Set<() => void>();

  constructor(
    lw: ListerWatcher<T>,
    private readonly opts: SharedInformerOptions<T> = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.log ?? nullLogger).with({ informer: opts.name ?? 'informer' });
    this.indexer = new Indexer<T>({ [NamespaceIndex]: namespaceIndexFunc, ...opts.indexers });
    this.reflector = new Reflector<T>(lw, this, {
      ...opts.reflector,
      name: opts.name,
      clock: this.clock,
      log: opts.log,
    });
  }

  /** True once the first list has been delivered to the cache and handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  get lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  /** Adds indexers (at any time; existing objects are indexed at once). Names already present are skipped. */
  addIndexers(indexers: Indexers<T>): void {
    const fresh = Object.fromEntries(Object.entries(indexers).filter(([n]) => !this.indexer.hasIndexer(n)));
    this.indexer.addIndexers(fresh);
  }

  lister(): Lister<T> {
    return new Lister(this.indexer);
  }

  /**
   * Registers a handler. Added after the initial sync, it is first given every
   * cached object as an add (`isInInitialList` true). Dispose to unregister.
   */
  addEventHandler(handler: ResourceEventHandler<T>, opts: { resyncPeriodMs?: number } = {}): HandlerRegistration {
    const entry: HandlerEntry<T> = {
      handler,
      resyncMs: opts.resyncPeriodMs ?? this.opts.resyncPeriodMs ?? 0,
      synced: this.synced,
    };
    this.handlers.add(entry);
    if (this.synced) for (const obj of this.indexer.list()) this.call('onAdd', () => handler.onAdd?.(obj, true));
    if (this.running) this.startResync(entry);
    return {
      hasSynced: () => entry.synced,
      dispose: () => {
        entry.timer?.cancel();
        this.handlers.delete(entry);
      },
    };
  }

  /** Resolves true once synced, false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        this.syncWaiters.delete(onSync);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onSync = () => done(true);
      const onAbort = () => done(false);
      this.syncWaiters.add(onSync);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Lists, watches and dispatches until `signal` aborts. An informer runs once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`informer ${this.opts.name ?? ''} was already started`);
    this.started = true;
    this.running = true;
    for (const e of this.handlers) this.startResync(e);
    try {
      await this.reflector.run(signal);
    } finally {
      this.running = false;
      for (const e of this.handlers) e.timer?.cancel();
    }
  }

  // ReflectorStore: the reflector's view of this informer.

  replace(items: T[], _resourceVersion: string): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const obj of items) {
      const key = this.indexer.keyOf(obj);
      seen.add(key);
      const old = this.indexer.getByKey(key);
      this.indexer.update(obj);
      if (old !== undefined) this.dispatch('onUpdate', (h) => h.onUpdate?.(old, obj));
      else this.dispatch('onAdd', (h) => h.onAdd?.(obj, initial));
    }
    for (const key of this.indexer.listKeys()) {
      if (seen.has(key)) continue;
      const last = this.indexer.getByKey(key)!;
      this.indexer.deleteKey(key);
      const tombstone = new DeletedFinalStateUnknown<T>(key, last);
      this.dispatch('onDelete', (h) => h.onDelete?.(tombstone));
    }
    if (!this.synced) {
      this.synced = true;
      for (const e of this.handlers) e.synced = true;
      for (const w of [...this.syncWaiters]) w();
    }
  }

  add(obj: T): void {
    const old = this.indexer.get(obj);
    this.indexer.add(obj);
    if (old !== undefined) this.dispatch('onUpdate', (h) => h.onUpdate?.(old, obj));
    else this.dispatch('onAdd', (h) => h.onAdd?.(obj, false));
  }

  update(obj: T): void {
    this.add(obj);
  }

  delete(obj: T): void {
    const old = this.indexer.get(obj);
    this.indexer.delete(obj);
    const last = obj ?? old;
    this.dispatch('onDelete', (h) => h.onDelete?.(last));
  }

  private startResync(entry: HandlerEntry<T>): void {
    if (entry.resyncMs <= 0 || entry.timer) return;
    entry.timer = this.clock.setInterval(() => {
      if (!this.synced || !this.handlers.has(entry)) return;
      for (const obj of this.indexer.list()) this.call('onUpdate', () => entry.handler.onUpdate?.(obj, obj));
    }, entry.resyncMs);
  }

  private dispatch(what: string, fn: (h: ResourceEventHandler<T>) => void): void {
    for (const e of this.handlers) this.call(what, () => fn(e.handler));
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error('event handler threw', { handler: what, err });
    }
  }
}

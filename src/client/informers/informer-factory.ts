import { setMaxListeners } from 'node:events';
import type { GroupVersionResource } from '../../api/scheme/types.js';
import { type Clock, realClock } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { ResourceClient, type KubeObject } from '../resource-client.js';
import type { RestClient } from '../rest-client.js';
import type { Indexers } from './indexers.js';
import { listWatchFor } from './list-watch.js';
import type { ReflectorOptions } from './reflector.js';
import { SharedIndexInformer } from './shared-informer.js';

export interface InformerFactoryOptions {
  rest: RestClient;
  /** Restricts every informer to one namespace (default: all namespaces). */
  namespace?: string;
  /** Default resync period for handlers (0 = none, the default). */
  resyncPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
  reflector?: Omit<ReflectorOptions, 'clock' | 'log' | 'name'>;
}

export interface InformerRequest<T> {
  /** Overrides the factory namespace for this informer. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Indexers to add; merged into an existing shared informer. */
  indexers?: Indexers<T>;
}

interface Entry {
  informer: SharedIndexInformer<any>;
  run?: Promise<void>;
}

/**
 * One SharedIndexInformer per resource + namespace + selectors, shared by
 * every controller in the process (client-go `SharedInformerFactory`).
 * Controllers request informers while being constructed, then the owner calls
 * `start` (again after adding more: only new informers start), waits on
 * `waitForCacheSync`, and finally `shutdown` stops them all together.
 */
export class SharedInformerFactory implements Disposable {
  private readonly informers = new Map<string, Entry>();
  private readonly stop = new AbortController();
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly opts: InformerFactoryOptions) {
    // Every informer of the factory (dozens for the garbage collector) listens on this signal.
    setMaxListeners(0, this.stop.signal);
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
  }

  /** The shared informer for `resource` with these selectors (created on first request). */
  forResource<T extends KubeObject>(
    resource: GroupVersionResource,
    req: InformerRequest<T> = {},
  ): SharedIndexInformer<T> {
    const ns = req.namespace ?? this.opts.namespace ?? '';
    const key = [
      resource.group,
      resource.version,
      resource.resource,
      ns,
      req.labelSelector ?? '',
      req.fieldSelector ?? '',
    ].join('|');
    const existing = this.informers.get(key);
    if (existing) {
      if (req.indexers) existing.informer.addIndexers(req.indexers);
      return existing.informer as SharedIndexInformer<T>;
    }
    const client = new ResourceClient<T>(this.opts.rest, resource, ns || undefined);
    const name = `${resource.group ? `${resource.resource}.${resource.group}` : resource.resource}${ns ? ` in ${ns}` : ''}`;
    const informer = new SharedIndexInformer<T>(listWatchFor(client, req), {
      indexers: req.indexers,
      resyncPeriodMs: this.opts.resyncPeriodMs,
      clock: this.clock,
      log: this.log,
      name,
      reflector: this.opts.reflector,
    });
    this.informers.set(key, { informer });
    return informer;
  }

  /** Starts every informer not yet started; they run until `shutdown` (or `signal` aborts). */
  start(signal?: AbortSignal): void {
    if (signal) {
      if (signal.aborted) this.stop.abort(signal.reason);
      else signal.addEventListener('abort', () => this.stop.abort(signal.reason), { once: true });
    }
    if (this.stop.signal.aborted) return;
    for (const e of this.informers.values()) {
      if (e.run) continue;
      e.run = e.informer.run(this.stop.signal).catch((err) => this.log.error('informer stopped', { err }));
    }
  }

  /** Waits until every started informer has synced; false entries mean `signal` aborted first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    const started = [...this.informers.entries()].filter(([, e]) => e.run);
    // One listener on the caller's signal however many informers wait (a signal warns past 10 listeners).
    const local = new AbortController();
    setMaxListeners(0, local.signal);
    const relay = () => local.abort(signal?.reason);
    if (signal?.aborted) relay();
    else signal?.addEventListener('abort', relay, { once: true });
    try {
      const results = await Promise.all(started.map(([, e]) => e.informer.waitForSync(local.signal)));
      started.forEach(([k], i) => out.set(k, results[i]!));
      return out;
    } finally {
      signal?.removeEventListener('abort', relay);
    }
  }

  /** Stops every informer and waits for them to finish. */
  async shutdown(): Promise<void> {
    this.stop.abort();
    await Promise.all([...this.informers.values()].map((e) => e.run));
  }

  dispose(): Promise<void> {
    return this.shutdown();
  }
}

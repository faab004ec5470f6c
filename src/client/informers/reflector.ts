import { isExpired, isInternalError, isTooManyRequests, StatusError } from '../../api/errors/status-error.js';
import { isAbortError } from '../../lib/abort.js';
import { Backoff, type BackoffOptions } from '../../lib/backoff.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import type { KubeObject, ObjectList } from '../resource-client.js';
import { TransportError } from '../transport.js';
import type { Watch } from '../watch.js';
import type { ListerWatcher } from './list-watch.js';

/** Where a Reflector delivers what it learns (the SharedIndexInformer). */
export interface ReflectorStore<T> {
  /** A full (re)list: the complete current state at `resourceVersion`. */
  replace(items: T[], resourceVersion: string): void;
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
}

export interface ReflectorOptions {
  name?: string;
  clock?: Clock;
  log?: Logger;
  /** Page size for lists not served from the watch cache (default 500, as client-go). */
  pageSize?: number;
  /** Server-side watch timeout per watch call; default a random 5–10 minutes (client-go). */
  watchTimeoutSeconds?: () => number;
  /** Delay before a relist after errors (default 800 ms doubling to 30 s, jitter 1.0, as client-go). */
  backoff?: BackoffOptions;
  random?: () => number;
}

const backoffResetMs = 2 * 60_000;
const minWatchTimeoutSeconds = 300;

/** client-go isTooLargeResourceVersionError: a 504 whose cause says the RV is ahead of the server. */
function isTooLargeResourceVersion(err: unknown): boolean {
  if (!(err instanceof StatusError)) return false;
  if (err.details?.causes?.some((c) => c.reason === 'ResourceVersionTooLarge')) return true;
  return err.code === 504 && /too large resource version/i.test(err.message);
}

/** A watch failure worth re-watching (after backoff) without a relist. */
function isRetriableWatchError(err: unknown): boolean {
  if (isTooManyRequests(err)) return true;
  if (isInternalError(err) && (err as StatusError).details?.retryAfterSeconds) return true;
  return err instanceof TransportError && err.notSent && err.retryable;
}

/**
 * List-then-watch with resourceVersion bookkeeping (client-go
 * `tools/cache/reflector.go`):
 * - the first list uses `resourceVersion=0` (served from the watch cache);
 *   relists use the last synced RV, and fall back to a quorum list (`""`) when
 *   that RV is expired (410) or ahead of the server;
 * - lists not served from cache are paged; an expired continue token falls
 *   back to one full list;
 * - watches start at the list RV with `allowWatchBookmarks=true`; every event
 *   and bookmark advances the RV; a watch the server ends normally is resumed
 *   from the last RV;
 * - 410 Expired (as a response or an in-stream ERROR) and other watch failures
 *   relist; 429s and connection refusals re-watch after backoff;
 * - each relist waits an exponential backoff that resets after 2 quiet minutes.
 */
export class Reflector<T extends KubeObject> {
  private lastSyncRv = '';
  private rvUnavailable = false;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private lastBackoffAt = -Infinity;

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    private readonly opts: ReflectorOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.log ?? nullLogger).with({ reflector: opts.name ?? 'reflector' });
    this.backoff = new Backoff(opts.backoff ?? { initialMs: 800, maxMs: 30_000, factor: 2, jitter: 1 }, opts.random);
  }

  /** The resourceVersion of the last list, event or bookmark seen. */
  get lastSyncResourceVersion(): string {
    return this.lastSyncRv;
  }

  /** Runs until `signal` aborts; never throws for API errors (they are logged and retried). */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.listAndWatch(signal);
      } catch (err) {
        if (signal.aborted || isAbortError(err)) break;
        this.log.warn('list and watch failed', { err, resourceVersion: this.lastSyncRv });
      }
      if (signal.aborted) break;
      await this.sleepBackoff(signal);
    }
  }

  private async sleepBackoff(signal: AbortSignal): Promise<void> {
    const now = this.clock.monotonic();
    if (now - this.lastBackoffAt > backoffResetMs) this.backoff.reset();
    this.lastBackoffAt = now;
    await this.clock.sleep(this.backoff.next(), signal).catch(() => undefined);
  }

  private relistResourceVersion(): string {
    if (this.rvUnavailable) return '';
    return this.lastSyncRv === '' ? '0' : this.lastSyncRv;
  }

  /** One list followed by watches until a relist is needed; returns (or throws) to relist. */
  private async listAndWatch(signal: AbortSignal): Promise<void> {
    const rv = this.relistResourceVersion();
    let list: ObjectList<T>;
    try {
      list = await this.listAll(rv, signal);
    } catch (err) {
      if (rv === '' || !(isExpired(err) || isTooLargeResourceVersion(err))) throw err;
      this.log.info('resourceVersion unavailable, relisting from etcd', { resourceVersion: rv });
      this.rvUnavailable = true;
      list = await this.listAll('', signal);
    }
    this.rvUnavailable = false;
    const listRv = list.metadata?.resourceVersion ?? '';
    this.store.replace(list.items, listRv);
    this.lastSyncRv = listRv;
    await this.watchLoop(signal);
  }

  private async listAll(rv: string, signal: AbortSignal): Promise<ObjectList<T>> {
    if (rv === '0') return this.lw.list({ resourceVersion: '0', signal });
    const limit = this.opts.pageSize ?? 500;
    const items: T[] = [];
    let cont = '';
    let listRv: string | undefined;
    for (;;) {
      let page: ObjectList<T>;
      try {
        page = cont
          ? await this.lw.list({ limit, continue: cont, signal })
          : await this.lw.list({ limit, resourceVersion: rv || undefined, signal });
      } catch (err) {
        if (!cont || !isExpired(err)) throw err;
        this.log.info('continue token expired during a paged list, listing in full');
        return this.lw.list({ resourceVersion: rv || undefined, signal });
      }
      items.push(...page.items);
      listRv = page.metadata?.resourceVersion ?? listRv;
      cont = page.metadata?.continue ?? '';
      if (!cont) return { metadata: { resourceVersion: listRv }, items };
    }
  }

  private watchTimeout(): number {
    if (this.opts.watchTimeoutSeconds) return this.opts.watchTimeoutSeconds();
    return Math.floor(minWatchTimeoutSeconds * (1 + (this.opts.random ?? Math.random)()));
  }

  private async watchLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.clock.monotonic();
      let w: Watch<T>;
      try {
        w = await this.lw.watch({
          resourceVersion: this.lastSyncRv,
          allowWatchBookmarks: true,
          timeoutSeconds: this.watchTimeout(),
          signal,
        });
      } catch (err) {
        if (signal.aborted) return;
        if (isExpired(err)) {
          this.log.info('watch expired, relisting', { resourceVersion: this.lastSyncRv });
          return;
        }
        if (isRetriableWatchError(err)) {
          this.log.debug('watch refused, retrying', { err });
          await this.sleepBackoff(signal);
          continue;
        }
        throw err;
      }
      let events = 0;
      try {
        for (;;) {
          const ev = await w.next();
          if (!ev) break;
          events++;
          const obj = ev.object;
          if (ev.type === 'ADDED') this.store.add(obj);
          else if (ev.type === 'MODIFIED') this.store.update(obj);
          else if (ev.type === 'DELETED') this.store.delete(obj);
          const rv = obj?.metadata?.resourceVersion;
          if (rv) this.lastSyncRv = rv;
        }
      } catch (err) {
        if (signal.aborted) return;
        if (isExpired(err)) this.log.info('watch closed with 410, relisting', { resourceVersion: this.lastSyncRv });
        else if (isTooManyRequests(err)) {
          await this.sleepBackoff(signal);
          continue;
        } else this.log.warn('watch failed, relisting', { err, resourceVersion: this.lastSyncRv });
        return;
      } finally {
        w.close();
      }
      if (signal.aborted) return;
      if (events === 0 && this.clock.monotonic() - started < 1000) {
        this.log.warn('very short watch: unexpected watch close, relisting', { resourceVersion: this.lastSyncRv });
        return;
      }
    }
  }
}

import { badRequest, expired, invalid } from '../../../api/errors/status-error.js';
import { FieldPath } from '../../../api/validation/field-error.js';
import { isStorageError } from '../../storage/interface.js';
import type { EventEncoder, CacheWatcher } from '../watch-cache/cache-watcher.js';
import type { CacheEntry, KubeObject, ObjectFilter, WatchTrigger } from '../watch-cache/types.js';
import { decodeStored } from './object-codec.js';
import type { GenericStore } from './store.js';
import { continueExpired, decodeContinue, encodeContinue } from './continue-token.js';
import type { WatchEventOut } from '../types.js';

export interface ListParams {
  filter: ObjectFilter;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface ListOutcome {
  /** The cache entries behind `items` when the list came from the watch cache (their JSON is cached). */
  entries?: CacheEntry[];
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

function parseRv(rv: string, what = 'resourceVersion'): number {
  if (!/^\d+$/.test(rv)) {
    throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
      FieldPath.of(what).invalid(rv, 'must be a valid resource version'),
    ]);
  }
  return Number(rv);
}

/** How long a consistent list waits for the watch cache before reading storage instead. */
const consistentReadWaitMs = 1000;
/**
 * LIST with Kubernetes resourceVersion semantics (api-concepts.md): unset =
 * consistent (the cache waits until it has caught up with storage), "0" = any
 * cached state, N + NotOlderThan = cache at >= N, N + Exact and continue tokens
 * from older revisions = storage at that revision (410 if compacted).
 */
export async function listObjects(store: GenericStore, ns: string, p: ListParams): Promise<ListOutcome> {
  const { cache, storage } = store.deps;
  const prefix = store.deps.prefixFor(ns);
  const limit = p.limit && p.limit > 0 ? p.limit : 0;
  if (p.resourceVersionMatch && !p.resourceVersion) {
    throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
      FieldPath.of('resourceVersionMatch').forbidden(
        'resourceVersionMatch is forbidden unless resourceVersion is provided',
      ),
    ]);
  }
  if (p.continue && p.resourceVersion && p.resourceVersion !== '0') {
    throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
      FieldPath.of('resourceVersion').forbidden('specifying resource version is not allowed when using continue'),
    ]);
  }
  await cache.start();
  const entryFilter = (e: CacheEntry) => p.filter(e.object);

  if (p.continue) {
    const token = decodeContinue(p.continue);
    if (token.rv === cache.revision) return fromCache(token.startAfter, token.rv);
    return fromStorage(token.rv, token.startAfter);
  }
  if (p.resourceVersionMatch === 'Exact') {
    const rv = parseRv(p.resourceVersion!);
    if (rv === cache.revision) return fromCache(undefined, rv);
    return fromStorage(rv, undefined);
  }
  if (p.resourceVersion === undefined || p.resourceVersion === '') {
    // A consistent list: from the cache once it has caught up with storage (at once where
    // storage answers progress requests, as SQLite does), else straight from storage at that
    // revision, as upstream does when the watch cannot prove freshness (etcd's progress
    // notifications are periodic).
    const current = await storage.currentRevision();
    if (current > cache.revision && !cache.canRequestProgress) return fromStorage(current, undefined);
    const caughtUp = await cache.waitForRevision(current, consistentReadWaitMs).then(
      () => true,
      () => false,
    );
    if (!caughtUp) return fromStorage(current, undefined);
  } else if (p.resourceVersion !== '0') {
    await cache.waitForRevision(parseRv(p.resourceVersion));
  }
  return fromCache(undefined, cache.revision);

  function fromCache(startAfter: string | undefined, rv: number): ListOutcome {
    const r = cache.list(prefix, entryFilter, { startAfter, limit });
    const out: ListOutcome = {
      items: r.items.map((e) => e.object),
      entries: r.items,
      resourceVersion: String(r.revision),
    };
    if (r.continueKey !== undefined) {
      out.continue = encodeContinue({ rv, startAfter: r.continueKey });
      out.remainingItemCount = r.remaining;
    }
    return out;
  }

  async function fromStorage(rv: number, startAfter: string | undefined): Promise<ListOutcome> {
    const items: KubeObject[] = [];
    let after = startAfter;
    let lastKey: string | undefined;
    let more = false;
    try {
      for (;;) {
        const page = await storage.list(prefix, {
          revision: rv,
          startAfter: after,
          limit: limit ? Math.max(limit, 100) : 0,
        });
        for (const kv of page.items) {
          lastKey = kv.key;
          const obj = decodeStored(kv);
          if (!p.filter(obj)) continue;
          if (limit && items.length === limit) {
            more = true;
            break;
          }
          items.push(obj);
        }
        if (more || !page.more || page.items.length === 0) {
          more ||= false;
          break;
        }
        after = page.items[page.items.length - 1]!.key;
      }
    } catch (err) {
      if (isStorageError(err, 'Compacted'))
        throw p.continue ? continueExpired() : expired(`too old resource version: ${rv}`);
      if (isStorageError(err, 'FutureRevision')) {
        throw badRequest(`resourceVersion ${rv} is newer than the current revision`);
      }
      throw err;
    }
    const out: ListOutcome = { items, resourceVersion: String(rv) };
    if (more) {
      const last = items[items.length - 1]!;
      out.continue = encodeContinue({
        rv,
        startAfter: store.deps.keyFor(ns || String(last.metadata.namespace ?? ''), String(last.metadata.name)),
      });
    }
    void lastKey;
    return out;
  }
}

export interface WatchParams {
  filter: ObjectFilter;
  trigger?: WatchTrigger;
  resourceVersion?: string;
  bookmarks: boolean;
  sendInitialEvents?: boolean;
  capacity?: number;
  encode: EventEncoder;
  bookmark: (rv: number, annotations?: Record<string, string>) => WatchEventOut;
}

/**
 * WATCH from the cache: RV unset/"0" starts with the current state (synthetic
 * ADDED), RV N streams changes after N, `sendInitialEvents` is the watch-list
 * form (state, then a bookmark marking the end of initial events).
 */
export async function watchObjects(store: GenericStore, ns: string, p: WatchParams): Promise<CacheWatcher> {
  const prefix = store.deps.prefixFor(ns);
  const rv = p.resourceVersion;
  let fromRevision: number | undefined;
  if (p.sendInitialEvents) fromRevision = undefined;
  else if (rv === undefined || rv === '' || rv === '0') fromRevision = undefined;
  else fromRevision = parseRv(rv);
  return store.deps.cache.watch({
    prefix,
    fromRevision,
    // The cache waits for this revision itself, so a timeout is an in-stream ERROR as upstream.
    notOlderThan: p.sendInitialEvents && rv && rv !== '0' ? parseRv(rv) : undefined,
    initialEventsEnd: p.sendInitialEvents,
    filter: p.filter,
    trigger: p.trigger ?? (ns && store.info.namespaced ? { field: 'metadata.namespace', value: ns } : undefined),
    bookmarks: p.bookmarks,
    capacity: p.capacity ?? 1000,
    encode: p.encode,
    bookmark: p.bookmark,
  });
}

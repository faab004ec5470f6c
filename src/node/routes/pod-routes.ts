/**
 * Pod routes between nodes: each node agent watches the Nodes and keeps, for
 * every other node with a pod CIDR and an InternalIP, a kernel route
 * `podCIDR via InternalIP` (desired-routes.ts), so pods reach pods on other
 * nodes of the same L2 segment without an overlay (flannel host-gw).
 *
 * Contracts:
 * - level-triggered: one sync computes the whole wanted set from the Node
 *   cache and converges the table — replace what differs, delete our routes
 *   no Node wants any more (a deleted Node, a changed CIDR);
 * - the first sync waits for the Node cache: an empty cache would otherwise
 *   read as "every node is gone" and drop the routes of a restarted agent;
 * - only our routes (route-table.ts protocol number) are changed; a
 *   destination someone else routes is left alone and reported once;
 * - a failed sync is retried with backoff a bounded number of times, then
 *   again on the next Node change or periodic resync;
 * - routes stay when the agent stops (pods keep running and keep talking,
 *   as with flannel); the next start reconciles, `kubets uninstall` removes them.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { gvr, SharedInformerFactory, type Lister, type RestClient } from '../../client/index.js';
import { Backoff } from '../../lib/backoff.js';
import { type Clock, realClock } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { desiredPodRoutes, internalIPsOf, podCIDRsOf, type PodRoute } from './desired-routes.js';
import { IpRouteTable, type KernelRoute, type RouteTable } from './route-table.js';

export interface PodRoutesOptions {
  rest: RestClient;
  nodeName: string;
  /** This node's addresses (never a gateway). */
  nodeIPs: readonly string[];
  /** Default: the main table of this network namespace through `ip`. */
  table?: RouteTable;
  /** Full reconcile even without Node changes (default 60 s): repairs routes removed behind our back. */
  resyncPeriodMs?: number;
  /** Retries of a failed sync before waiting for the next change or resync (default 6). */
  maxRetries?: number;
  /** First retry delay (default 500 ms, doubling up to 30 s). */
  retryInitialMs?: number;
  /** Delete our routes on dispose (default false: pods keep their connectivity across agent restarts). */
  cleanupOnStop?: boolean;
  clock?: Clock;
  log?: Logger;
}

export interface SyncResult {
  routes: PodRoute[];
  added: string[];
  changed: string[];
  removed: string[];
  /** Destinations routed by someone else: left alone. */
  foreign: string[];
}

export interface RunningPodRoutes extends Disposable {
  /** The routes the last successful sync left in place. */
  readonly routes: readonly PodRoute[];
  /** Resolves after a successful sync that started after this call (rejects when disposed first). */
  synced(): Promise<SyncResult>;
  dispose(): Promise<void>;
}

/** What a Node contributes to routing: a change elsewhere (status heartbeats) triggers no sync. */
const fingerprint = (n: Node) => `${podCIDRsOf(n).join(',')}|${internalIPsOf(n).join(',')}`;

/** Converges `table` to `wanted`; throws (after trying every route) when any change failed. */
export async function syncRoutes(table: RouteTable, wanted: readonly PodRoute[], log: Logger): Promise<SyncResult> {
  const current = await table.list();
  const byDst = new Map<string, KernelRoute[]>();
  for (const r of current) byDst.set(r.dst, [...(byDst.get(r.dst) ?? []), r]);
  const result: SyncResult = { routes: [], added: [], changed: [], removed: [], foreign: [] };
  const errors: unknown[] = [];
  const wantedDsts = new Set(wanted.map((w) => w.dst));
  for (const w of wanted) {
    const existing = byDst.get(w.dst) ?? [];
    const ours = existing.find((r) => r.ours);
    if (existing.some((r) => !r.ours)) {
      result.foreign.push(w.dst);
      continue;
    }
    if (ours?.via === w.via) {
      result.routes.push(w);
      continue;
    }
    try {
      await table.replace(w);
      (ours ? result.changed : result.added).push(`${w.dst} via ${w.via}`);
      result.routes.push(w);
    } catch (err) {
      errors.push(err);
    }
  }
  for (const r of current) {
    if (!r.ours || wantedDsts.has(r.dst)) continue;
    try {
      await table.delete(r.dst);
      result.removed.push(`${r.dst}${r.via ? ` via ${r.via}` : ''}`);
    } catch (err) {
      errors.push(err);
    }
  }
  for (const [what, list] of [
    ['added', result.added],
    ['changed', result.changed],
    ['removed', result.removed],
  ] as const) {
    if (list.length > 0) log.info(`pod routes ${what}`, { routes: list });
  }
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} pod route change(s) failed`);
  return result;
}

export function startPodRoutes(o: PodRoutesOptions): RunningPodRoutes {
  const clock = o.clock ?? realClock;
  const log = o.log ?? nullLogger;
  const table = o.table ?? new IpRouteTable();
  const resyncMs = o.resyncPeriodMs ?? 60_000;
  const maxRetries = o.maxRetries ?? 6;
  const stop = new AbortController();
  const informers = new SharedInformerFactory({ rest: o.rest, clock, log });
  const nodes = informers.forResource<Node>(gvr('', 'v1', 'nodes'));
  const lister: Lister<Node> = nodes.lister();

  let routes: PodRoute[] = [];
  let dirty = true;
  let wake: (() => void) | undefined;
  let waiters: { after: number; resolve: (r: SyncResult) => void; reject: (e: unknown) => void }[] = [];
  let started = 0;
  const warnedForeign = new Set<string>();

  const trigger = () => {
    dirty = true;
    wake?.();
  };
  nodes.addEventHandler({
    onAdd: trigger,
    onUpdate: (a, b) => {
      if (fingerprint(a) !== fingerprint(b)) trigger();
    },
    onDelete: trigger,
  });

  /** Waits for a trigger, the resync period, or `ms` when given. */
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stop.signal.aborted) return resolve();
      const timer = clock.setTimeout(done, ms);
      function done() {
        timer.cancel();
        wake = undefined;
        stop.signal.removeEventListener('abort', done);
        resolve();
      }
      wake = done;
      stop.signal.addEventListener('abort', done, { once: true });
    });

  const once = async (): Promise<SyncResult> => {
    const { routes: wanted, skipped } = desiredPodRoutes(lister.list(), o);
    for (const s of skipped) log.debug('no pod route to node', { ...s });
    const r = await syncRoutes(table, wanted, log);
    for (const dst of r.foreign) {
      if (warnedForeign.has(dst)) continue;
      warnedForeign.add(dst);
      log.warn('another route exists for a pod CIDR; leaving it alone', { dst });
    }
    return r;
  };

  const loop = async () => {
    informers.start(stop.signal);
    await informers.waitForCacheSync(stop.signal);
    const backoff = new Backoff({ initialMs: o.retryInitialMs ?? 500, maxMs: 30_000, jitter: 0.2 });
    let failures = 0;
    while (!stop.signal.aborted) {
      if (!dirty) await idle(resyncMs);
      if (stop.signal.aborted) break;
      dirty = false;
      const seq = ++started;
      try {
        const r = await once();
        routes = r.routes;
        failures = 0;
        backoff.reset();
        const ready = waiters.filter((w) => w.after < seq);
        waiters = waiters.filter((w) => w.after >= seq);
        for (const w of ready) w.resolve(r);
      } catch (err) {
        failures++;
        if (failures <= maxRetries) {
          log.warn('syncing pod routes failed; retrying', { err, attempt: failures });
          dirty = true;
          await idle(backoff.next());
        } else {
          log.error('syncing pod routes keeps failing; waiting for the next node change or resync', { err });
          failures = 0;
          backoff.reset();
        }
      }
    }
  };
  const running = loop().catch((err: unknown) => {
    if (!stop.signal.aborted) log.error('pod routes stopped', { err });
  });

  let disposed: Promise<void> | undefined;
  return {
    get routes() {
      return routes;
    },
    synced: () =>
      new Promise<SyncResult>((resolve, reject) => {
        if (stop.signal.aborted) return reject(new Error('pod routes stopped'));
        waiters.push({ after: started, resolve, reject });
        trigger();
      }),
    dispose: () =>
      (disposed ??= (async () => {
        stop.abort();
        await informers.shutdown();
        await running;
        for (const w of waiters) w.reject(new Error('pod routes stopped'));
        waiters = [];
        if (o.cleanupOnStop) {
          await syncRoutes(table, [], log).catch((err: unknown) => log.warn('removing pod routes failed', { err }));
        }
      })()),
  };
}

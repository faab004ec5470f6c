import { type Clock, realClock, type Timer } from '../../../lib/clock.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import { isNotFound } from '../../../api/errors/status-error.js';
import { DEFAULT_GROUP_PRIORITY, DEFAULT_VERSION_PRIORITY } from '../../../api/scheme/group-order.js';
import type { ApiServerCore } from '../api-server-core.js';
import { systemContext } from '../bootstrap.js';
import { withAggregatedAPIs } from '../discovery/aggregated-apis.js';
import type { DiscoverySnapshot } from '../discovery/discovery.js';
import { statusStrategy } from '../registry/default-strategy.js';
import type { ApiResponse, RequestContext } from '../types.js';
import type { CacheWatcher } from '../watch-cache/cache-watcher.js';
import type { KubeObject } from '../watch-cache/types.js';
import { checkAvailability, withCondition, type ProbeResult } from './availability.js';
import {
  describeError,
  readBounded,
  sendToBackend,
  streamedResponse,
  type BackendTLS,
  type FrontProxyCredentials,
} from './backend-client.js';
import { clusterObjectsOf, type ClusterObjects } from './cluster-objects.js';
import { resolveServiceEndpoint, type ResolvedEndpoint } from './service-resolver.js';
import { availableOf, type APIResourceEntry, type APIService, type RemoteGroupVersion } from './types.js';

export interface AggregatorOptions {
  /** The front-proxy client certificate (signed by the request-header CA). */
  credentials: FrontProxyCredentials;
  clock?: Clock;
  log?: Logger;
  /** Availability and discovery are re-checked this often even without changes (default 30 s). */
  resyncMs?: number;
  /** The objects read (default: the server's watch caches). */
  objects?: ClusterObjects;
}

const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The API aggregation layer (upstream kube-aggregator, inside the API server):
 * requests under `/apis/<group>/<version>` of an APIService with
 * `spec.service` are proxied to that service; the availability controller
 * keeps each APIService's `Available` condition; discovery lists the
 * available aggregated group-versions with the resources their servers
 * report (fetched by the availability probe, so refreshed with every resync).
 * Authentication, impersonation, flow control and authorization have run
 * in the API server before `proxy()` is called.
 */
export class Aggregator {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly objects: ClusterObjects;
  /** `<group>/<version>` -> the remote APIService serving it. */
  private remote = new Map<string, APIService>();
  private readonly resources = new Map<string, { list: APIResourceEntry[]; stale: boolean }>();
  private merged: { base: DiscoverySnapshot; version: number; snapshot: DiscoverySnapshot } | undefined;
  private version = 0;
  private watchers: CacheWatcher[] = [];
  private timer: Timer | undefined;
  private pending = false;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly server: ApiServerCore,
    private readonly opts: AggregatorOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.objects = opts.objects ?? clusterObjectsOf(server);
  }

  /** Watches APIServices, Services and Endpoints; every change schedules one availability pass. */
  async start(): Promise<void> {
    for (const [group, plural] of [
      ['apiregistration.k8s.io', 'apiservices'],
      ['', 'services'],
      ['', 'endpoints'],
    ] as const) {
      const r = this.server.resource(group, 'v1', plural);
      if (!r) continue;
      await r.store.deps.cache.start();
      const w = await r.store.deps.cache.watch({
        prefix: r.store.deps.prefixFor(''),
        filter: () => true,
        bookmarks: false,
        capacity: 1_000_000,
        encode: (type, e) => ({ type, object: e.object, line: () => '' }),
        bookmark: () => ({ type: 'BOOKMARK', object: {}, line: () => '' }),
      });
      this.watchers.push(w);
      void this.pump(w);
    }
    // Not awaited: probing extension servers (5 s timeouts) must not hold up the API server's start.
    void this.syncNow();
  }

  private async pump(w: CacheWatcher): Promise<void> {
    for (;;) {
      const ev = await w.next();
      if (ev === undefined || this.stopped) return;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      void this.syncNow();
    });
  }

  /** One availability pass over every APIService (serialized; resolves when done). */
  syncNow(): Promise<void> {
    this.running = this.running.then(() => this.sync().catch((err) => this.log.warn('aggregator sync', { err })));
    return this.running;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    this.timer?.cancel();
    const all = this.objects.apiServices();
    await Promise.all(all.map((s) => this.syncOne(s)));
    const remote = new Map<string, APIService>();
    for (const s of this.objects.apiServices())
      if (s.spec?.service && s.spec.group && s.spec.version) remote.set(`${s.spec.group}/${s.spec.version}`, s);
    for (const k of this.resources.keys()) if (!remote.has(k)) this.resources.delete(k);
    this.remote = remote;
    this.version++;
    if (!this.stopped) this.timer = this.clock.setTimeout(() => void this.syncNow(), this.opts.resyncMs ?? 30_000);
  }

  private async syncOne(svc: APIService): Promise<void> {
    const result = await checkAvailability(svc, this.objects, (e, p) => this.probe(e, p));
    const gv = `${svc.spec?.group}/${svc.spec?.version}`;
    if (svc.spec?.service) {
      if (result.resources) this.resources.set(gv, { list: result.resources, stale: false });
      else {
        const prev = this.resources.get(gv);
        if (prev) prev.stale = true;
      }
    }
    const conditions = withCondition(svc, result.condition, rfc3339(this.clock.now()));
    if (!conditions) return;
    const r = this.server.resource('apiregistration.k8s.io', 'v1', 'apiservices')!;
    try {
      await r.store.update(
        systemContext(),
        '',
        svc.metadata!.name!,
        (cur) => {
          const next = structuredClone(cur!) as unknown as APIService;
          const again = withCondition(next, result.condition, rfc3339(this.clock.now()));
          next.status = { ...next.status, conditions: again ?? next.status?.conditions ?? [] };
          return next as unknown as KubeObject;
        },
        { subresource: statusStrategy(r.info) },
      );
    } catch (err) {
      if (!isNotFound(err)) this.log.warn('updating APIService status', { name: svc.metadata?.name, err });
    }
  }

  /** Upstream's discovery check: 5 s, TLS not verified, as system:kube-aggregator in system:masters. */
  private async probe(endpoint: ResolvedEndpoint, path: string): Promise<ProbeResult> {
    const signal = AbortSignal.timeout(5_000);
    try {
      const res = await sendToBackend({
        endpoint,
        tls: { insecureSkipTLSVerify: true },
        credentials: this.opts.credentials,
        user: { username: 'system:kube-aggregator', groups: ['system:masters'] },
        method: 'GET',
        path,
        query: '',
        headers: { accept: 'application/json' },
        signal,
        timeoutMs: 5_000,
      });
      const body = await readBounded(res);
      return { status: res.statusCode ?? 0, body };
    } catch (err) {
      if (signal.aborted) return { error: 'context deadline exceeded' };
      const e = err as NodeJS.ErrnoException;
      const msg = e.message.replace(/^error trying to reach service: /, '');
      return { error: e.code ? describeError(e, endpoint) : msg };
    }
  }

  /** The served discovery: the server's own, with the available aggregated group-versions merged in. */
  discovery(base: DiscoverySnapshot): DiscoverySnapshot {
    if (this.merged && this.merged.base === base && this.merged.version === this.version) return this.merged.snapshot;
    const remote: RemoteGroupVersion[] = [];
    for (const [gv, s] of this.remote) {
      if (availableOf(s)?.status !== 'True') continue;
      const res = this.resources.get(gv);
      remote.push({
        group: s.spec!.group!,
        version: s.spec!.version!,
        groupPriorityMinimum: s.spec!.groupPriorityMinimum ?? DEFAULT_GROUP_PRIORITY,
        versionPriority: s.spec!.versionPriority ?? DEFAULT_VERSION_PRIORITY,
        resources: res?.list ?? [],
        stale: res?.stale ?? true,
      });
    }
    const snapshot = withAggregatedAPIs(base, remote);
    this.merged = { base, version: this.version, snapshot };
    return snapshot;
  }

  /** The remote APIService serving a request path, if any. */
  serviceFor(path: string): APIService | undefined {
    const m = /^\/apis\/([^/]+)\/([^/]+)(?:\/|$)/.exec(path);
    if (!m) return undefined;
    const cached = this.remote.get(`${m[1]}/${m[2]}`);
    if (!cached) return undefined;
    // The latest object from the cache: availability may have changed since the last pass.
    return this.objects.apiServices().find((s) => s.metadata?.name === cached.metadata?.name) ?? cached;
  }

  /**
   * Proxies the request when an available remote APIService serves its
   * group-version; undefined when the request is for a local API. An
   * APIService that is not available answers 503 "service unavailable" (plain
   * text, as upstream's proxy handler).
   */
  async proxy(ctx: RequestContext): Promise<ApiResponse | undefined> {
    const svc = this.serviceFor(ctx.request.path);
    if (!svc?.spec?.service) return undefined;
    if (availableOf(svc)?.status !== 'True')
      return { type: 'bytes', status: 503, contentType: 'text/plain; charset=utf-8', body: 'service unavailable\n' };
    const ref = svc.spec.service;
    const endpoint = resolveServiceEndpoint(this.objects, ref.namespace ?? '', ref.name ?? '', ref.port ?? 443);
    const req = ctx.request;
    const body =
      req.body ?? (req.object !== undefined ? new TextEncoder().encode(JSON.stringify(req.object)) : undefined);
    const headers = req.object !== undefined ? { ...req.headers, 'content-type': 'application/json' } : req.headers;
    const res = await sendToBackend({
      endpoint,
      tls: tlsOf(svc),
      credentials: this.opts.credentials,
      user: ctx.user,
      method: req.method,
      path: req.path,
      query: req.query.toString(),
      headers,
      body,
      remoteAddress: req.peer.remoteAddress,
      signal: req.signal,
    });
    return streamedResponse(res);
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    for (const w of this.watchers) w.close();
    this.watchers = [];
    await this.running;
  }
}

function tlsOf(svc: APIService): BackendTLS {
  if (svc.spec?.insecureSkipTLSVerify) return { insecureSkipTLSVerify: true };
  const ca = svc.spec?.caBundle ? Buffer.from(svc.spec.caBundle, 'base64').toString('utf8') : undefined;
  return { caPEM: ca, insecureSkipTLSVerify: false };
}

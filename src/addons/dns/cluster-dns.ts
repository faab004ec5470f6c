/**
 * Cluster DNS (the CoreDNS of kubets): an authoritative server for the
 * cluster domain over UDP and TCP, answering from Services, EndpointSlices
 * and Namespaces watched through informers, forwarding every other name to
 * the node's upstream resolvers through a cache, with Prometheus metrics,
 * `/health` and `/ready` over HTTP. An ordinary API client: it needs list and
 * watch on services, endpointslices.discovery.k8s.io and namespaces.
 *
 * `startClusterDns` binds the listeners first (so a bad address fails at
 * once), then waits up to `syncTimeoutMs` for the caches, like CoreDNS; until
 * they sync, cluster names get SERVFAIL and `/ready` says 503.
 */
import type { Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { gvr } from '../../client/resource-path.js';
import { metaNamespaceKey, splitMetaNamespaceKey } from '../../client/informers/keys.js';
import { SharedInformerFactory } from '../../client/informers/informer-factory.js';
import type { RestClient } from '../../client/rest-client.js';
import type { KubeObject } from '../../client/resource-client.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { ClusterResolver } from './cluster-resolver.js';
import { DnsServer } from './dns-server.js';
import { type HostPort, parseHostPort } from './exchange.js';
import { Forwarder } from './forwarder.js';
import { startHttpEndpoints, type HttpEndpoints } from './http-endpoints.js';
import { DnsMetrics, GaugeFunc } from './metrics.js';
import { QueryHandler } from './query-handler.js';
import { rcodeName } from './records.js';
import { defaultUpstreams } from './resolv-conf.js';
import { ResponseCache } from './response-cache.js';
import { ZoneIndex } from './zone-index.js';

export interface ClusterDnsOptions {
  rest: RestClient;
  /** Default `cluster.local`. */
  clusterDomain?: string;
  /** Where to serve DNS (UDP and TCP on each); port 0 picks a free port. */
  listen: HostPort[];
  /** `ip` or `ip:port` of upstream resolvers; default: the nameservers of /etc/resolv.conf other than ourselves. */
  upstreams?: string[];
  /** resolv.conf to read when `upstreams` is not given. */
  resolvConfPath?: string;
  /** Longest time a forwarded reply is cached (CoreDNS `cache 30`). */
  cacheTtlMaxSec?: number;
  /** Cached replies at most (default 9984). */
  cacheSize?: number;
  /** TTL of cluster records (default 5 s). */
  ttlSec?: number;
  /** SOA TTL and minimum for negative cluster answers (default 30 s). */
  negativeTtlSec?: number;
  /** Our service addresses (e.g. 10.43.0.10) for `ns.dns.<domain>` and the apex NS. */
  nsAddresses?: string[];
  /** Where to serve /metrics, /health and /ready over HTTP; absent: not served. */
  metricsListen?: HostPort;
  /** Per-attempt upstream timeout (default 2000 ms). */
  forwardTimeoutMs?: number;
  /** Largest UDP reply (default 1232). */
  maxUdpSize?: number;
  /** How long start waits for the caches (default 5000 ms); serving starts regardless. */
  syncTimeoutMs?: number;
  clock?: Clock;
  log?: Logger;
}

export interface ClusterDns {
  /** Bound DNS addresses (UDP and TCP each). */
  readonly addresses: HostPort[];
  /** Bound HTTP address of /metrics, /health, /ready. */
  readonly metricsAddress?: HostPort;
  readonly upstreams: HostPort[];
  readonly index: ZoneIndex;
  readonly metrics: DnsMetrics;
  readonly cache: ResponseCache;
  /** True once Services, EndpointSlices and Namespaces are synced. */
  ready(): boolean;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  dispose(): Promise<void>;
}

export async function startClusterDns(opts: ClusterDnsOptions): Promise<ClusterDns> {
  const clock = opts.clock ?? realClock;
  const log = opts.log ?? nullLogger;
  const index = new ZoneIndex(() => clock.now());
  const metrics = new DnsMetrics();
  const cache = new ResponseCache({ capacity: opts.cacheSize, maxTtlSec: opts.cacheTtlMaxSec ?? 30, clock });
  const upstreams = opts.upstreams
    ? opts.upstreams.map((u) => parseHostPort(u))
    : defaultUpstreams({ exclude: opts.listen, path: opts.resolvConfPath });
  const forwarder = new Forwarder({
    upstreams,
    timeoutMs: opts.forwardTimeoutMs,
    clock,
    log,
    onAttempt: (a) => {
      const rcode = a.rcode === undefined ? 'error' : rcodeName(a.rcode);
      metrics.forwardRequests.inc([a.upstream]);
      if (a.rcode !== undefined) metrics.forwardResponses.inc([a.upstream, rcode]);
      metrics.forwardDuration.observe(['forward', a.upstream, rcode], a.durationMs / 1000);
    },
  });

  const factory = new SharedInformerFactory({ rest: opts.rest, clock, log });
  const informers = [
    watch<Namespace>(factory, gvr('', 'v1', 'namespaces'), {
      set: (ns) => ns.metadata?.name && index.upsertNamespace(ns.metadata.name),
      del: (_ns, name) => index.deleteNamespace(name),
    }),
    watch<Service>(factory, gvr('', 'v1', 'services'), {
      set: (svc) => index.upsertService(svc),
      del: (ns, name) => index.deleteService(ns, name),
    }),
    watch<EndpointSlice>(factory, gvr('discovery.k8s.io', 'v1', 'endpointslices'), {
      set: (s) => index.upsertEndpointSlice(s),
      del: (ns, name) => index.deleteEndpointSlice(ns, name),
    }),
  ];
  const ready = () => informers.every((i) => i.hasSynced());

  const resolver: ClusterResolver = new ClusterResolver(index, {
    domain: opts.clusterDomain ?? 'cluster.local',
    ttl: opts.ttlSec,
    negativeTtl: opts.negativeTtlSec,
    nsAddresses: opts.nsAddresses,
    // The handler owns the cache and forwarder an ExternalName chase goes through.
    lookupUpstream: (name, qtype) => handler.lookupUpstream(name, qtype),
  });
  const handler: QueryHandler = new QueryHandler({
    resolver,
    forwarder: upstreams.length > 0 ? forwarder : undefined,
    cache,
    metrics,
    ready,
    maxUdpSize: opts.maxUdpSize,
    clock,
    log,
  });
  metrics.addGauge(
    new GaugeFunc('coredns_cache_entries', 'The number of elements in the cache.', ['server', 'type'], () => {
      const c = cache.counts();
      return [
        [['', 'success'], c.success],
        [['', 'denial'], c.denial],
      ];
    }),
  );
  metrics.addGauge(
    new GaugeFunc('kubets_dns_zone_objects', 'Objects in the cluster DNS index, by kind.', ['kind'], () => {
      const s = index.stats();
      return [
        [['services'], s.services],
        [['endpointslices'], s.endpointSlices],
        [['namespaces'], s.namespaces],
      ];
    }),
  );

  let server: DnsServer | undefined;
  let http: HttpEndpoints | undefined;
  const stop = new AbortController();
  const dispose = async () => {
    stop.abort();
    await Promise.allSettled([server?.close(), http?.close(), factory.shutdown()]);
  };
  try {
    server = await DnsServer.start({ listen: opts.listen, handle: (buf, ctx) => handler.handle(buf, ctx), log });
    if (opts.metricsListen) {
      http = await startHttpEndpoints({ listen: opts.metricsListen, metrics: () => metrics.render(), ready });
    }
    factory.start(stop.signal);
    const timeout = AbortSignal.timeout(opts.syncTimeoutMs ?? 5000);
    const synced = await factory.waitForCacheSync(AbortSignal.any([timeout, stop.signal]));
    if ([...synced.values()].some((v) => !v)) log.warn('serving with unsynced Kubernetes caches');
  } catch (err) {
    await dispose();
    throw err;
  }
  log.info('cluster DNS serving', {
    addresses: server.addresses.map((a) => `${a.host}:${a.port}`),
    upstreams: upstreams.map((u) => `${u.host}:${u.port}`),
  });
  return {
    addresses: server.addresses,
    metricsAddress: http?.address,
    upstreams,
    index,
    metrics,
    cache,
    ready,
    waitForSync: async (signal) => {
      const r = await factory.waitForCacheSync(signal);
      return [...r.values()].every(Boolean);
    },
    dispose,
  };
}

/** Feeds one resource's informer into the index: `set` on add and update, `del` on delete (tombstones too). */
function watch<T extends KubeObject>(
  factory: SharedInformerFactory,
  resource: ReturnType<typeof gvr>,
  on: { set: (obj: T) => unknown; del: (namespace: string, name: string) => void },
) {
  const informer = factory.forResource<T>(resource);
  // The index is this component's cache: updating it in the handler is the whole
  // reaction (no work queue), and it is cheap and touches only the changed object.
  informer.addEventHandler({
    onAdd: (obj) => on.set(obj),
    onUpdate: (_old, obj) => on.set(obj),
    onDelete: (obj) => {
      const { namespace, name } = splitMetaNamespaceKey(metaNamespaceKey(obj));
      on.del(namespace, name);
    },
  });
  return informer;
}

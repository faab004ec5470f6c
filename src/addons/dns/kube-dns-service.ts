/**
 * The `kube-system/kube-dns` Service that pods' resolv.conf points at
 * (kubelet `clusterDNS`, 10.43.0.10), in front of the DNS server that runs
 * inside the kubets server process rather than in pods.
 *
 * The Service has no selector: no pod serves it, so the endpoint controllers
 * must leave it alone. Its endpoints are managed here: every server publishes
 * its own EndpointSlice `kube-dns-kubets-<node name or IP>` with our own
 * `managed-by` (the EndpointSlice controller only touches its own) pointing at
 * the node address where its in-process DNS server listens, and the
 * Endpoints object (labelled `skip-mirror`, so the mirroring controller does
 * not make another slice from it) is the union of those slices. kube-proxy
 * then spreads 10.43.0.10:53 over every server, as for any Service.
 *
 * Several servers (HA): a server removes its slice on a clean stop. One that
 * died cannot, so every server also removes the slices of servers that are no
 * longer API servers: each slice records its server's advertise address, and
 * `default/kubernetes` lists the live ones (the lease endpoint reconciler drops
 * a server ~15 s after it stops renewing). That list is only trusted when it
 * names this server too (so a stale or foreign view deletes nothing), and a
 * slice without an address (a loopback-advertised server) is never judged.
 * Each server re-publishes its own slice periodically, so a slice removed
 * during a partition comes back when its server does.
 *
 * Listen address: the node IP (reachable from pods through the node's bridge
 * and from other nodes; loopback would not be), on port 53 when the process
 * may bind privileged ports (root or CAP_NET_BIND_SERVICE). Otherwise 1053:
 * the Service still says 53, its targetPort says 1053, and kube-proxy
 * translates, so pods notice nothing; only a host-side `dig @<nodeIP>` must
 * name the port.
 */
import type { Endpoints, EndpointPort, EndpointSubset, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isConflict, isNotFound } from '../../api/errors/status-error.js';
import { gvr } from '../../client/resource-path.js';
import { ResourceClient, type KubeObject } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { type Clock, realClock } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { canonicalIP, ipFamily } from './names.js';

export const kubeDnsServiceIP = '10.43.0.10';
export const kubeDnsName = 'kube-dns';
export const kubeDnsNamespace = 'kube-system';
/** The single slice older kubets servers shared (last writer won); removed when found. */
export const kubeDnsSliceName = 'kube-dns-kubets';
export const kubeDnsManagedBy = 'cluster-dns.kubets.io';
/** On each server's slice: the address that server advertises in `default/kubernetes` (absent for loopback). */
export const kubeDnsServerAddressAnnotation = 'cluster-dns.kubets.io/apiserver-address';
export const kubeDnsLabels: Readonly<Record<string, string>> = {
  'k8s-app': 'kube-dns',
  'kubernetes.io/cluster-service': 'true',
  'kubernetes.io/name': 'CoreDNS',
};
export const privilegedDnsPort = 53;
export const unprivilegedDnsPort = 1053;
export const dnsMetricsPort = 9153;

/** 53 when this process may bind it (root), else 1053 (see the file comment). */
export function defaultDnsListenPort(uid: number | undefined = process.getuid?.()): number {
  return uid === 0 ? privilegedDnsPort : unprivilegedDnsPort;
}

/** The slice of one server: `kube-dns-kubets-<node name, or its IP with dashes>` (a valid object name). */
export function kubeDnsSliceNameFor(server: string): string {
  const id = server
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return `${kubeDnsSliceName}-${id}`.slice(0, 253).replace(/[^a-z0-9]+$/, '');
}

export interface KubeDnsServiceOptions {
  /** A client allowed to write Services, Endpoints and EndpointSlices in kube-system and read default/kubernetes. */
  rest: RestClient;
  /** The node address the in-process DNS server listens on. */
  nodeIP: string;
  /** Names this server's slice (default: the node IP). */
  nodeName?: string;
  /**
   * This server's address in `default/kubernetes` (its advertise address):
   * recorded on its slice so other servers can tell when it is gone.
   */
  serverAddress?: string;
  /** The port it listens on (UDP and TCP); default 53. */
  dnsPort?: number;
  /** The port of its /metrics; default 9153. */
  metricsPort?: number;
  /** Default 10.43.0.10 (the kubelet's default clusterDNS). */
  clusterIP?: string;
  fieldManager?: string;
  log?: Logger;
}

export interface KubeDnsObjects {
  service: Service;
  /** This server's slice. */
  endpointSlice: EndpointSlice;
  /** The union of every server's slice. */
  endpoints: Endpoints;
}

type Slice = EndpointSlice & KubeObject;

function clientsOf(rest: RestClient) {
  return {
    services: new ResourceClient<Service & KubeObject>(rest, gvr('', 'v1', 'services'), kubeDnsNamespace),
    slices: new ResourceClient<Slice>(rest, gvr('discovery.k8s.io', 'v1', 'endpointslices'), kubeDnsNamespace),
    endpoints: new ResourceClient<Endpoints & KubeObject>(rest, gvr('', 'v1', 'endpoints'), kubeDnsNamespace),
    apiEndpoints: new ResourceClient<Endpoints & KubeObject>(rest, gvr('', 'v1', 'endpoints'), 'default'),
  };
}

const applyOpts = (o: KubeDnsServiceOptions) => ({ fieldManager: o.fieldManager ?? 'kubets-cluster-dns', force: true });
const ignoreGone = (err: unknown) => {
  // Someone else deleted or rewrote it first: their view is as good as ours.
  if (isNotFound(err) || isConflict(err)) return undefined;
  throw err;
};
const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

function checkedIP(what: string, ip: string): string {
  const c = canonicalIP(ip);
  if (!c) throw new Error(`${what} ${ip} is not an IP address`);
  return c;
}

/**
 * Creates or updates the Service, this server's EndpointSlice and the
 * Endpoints (server-side apply, idempotent), and removes the slices of
 * servers that are gone (see syncKubeDnsEndpoints). A kube-dns Service with
 * another cluster IP is deleted and recreated, since a cluster IP cannot
 * change in place.
 */
export async function ensureKubeDnsService(o: KubeDnsServiceOptions): Promise<KubeDnsObjects> {
  const log = o.log ?? nullLogger;
  const clusterIP = o.clusterIP ?? kubeDnsServiceIP;
  checkedIP('nodeIP', o.nodeIP);
  const dnsPort = o.dnsPort ?? privilegedDnsPort;
  const metricsPort = o.metricsPort ?? dnsMetricsPort;
  const { services } = clientsOf(o.rest);

  const existing = await services.get(kubeDnsName).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (existing && existing.spec?.clusterIP !== clusterIP) {
    log.warn('recreating kube-dns with the configured cluster IP', { had: existing.spec?.clusterIP, want: clusterIP });
    await services.delete(kubeDnsName, { preconditions: { uid: existing.metadata?.uid } });
  }
  const service = await services.apply(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: kubeDnsName,
        namespace: kubeDnsNamespace,
        labels: { ...kubeDnsLabels },
        annotations: { 'prometheus.io/port': String(dnsMetricsPort), 'prometheus.io/scrape': 'true' },
      },
      spec: {
        type: 'ClusterIP',
        clusterIP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: dnsPort },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: dnsPort },
          { name: 'metrics', port: dnsMetricsPort, protocol: 'TCP', targetPort: metricsPort },
        ],
      },
    },
    applyOpts(o),
  );
  const { endpointSlice, endpoints } = await syncKubeDnsEndpoints(o);
  return { service, endpointSlice, endpoints };
}

export interface KubeDnsSync {
  endpointSlice: EndpointSlice;
  endpoints: Endpoints;
  /** Names of the slices removed (servers that are gone, the old shared slice). */
  removed: string[];
}

/**
 * One round of the multi-server protocol (see the file comment): applies
 * this server's slice, removes the slices of servers no longer listed in
 * `default/kubernetes` and the old shared slice, and sets the Endpoints to
 * the union of the remaining slices.
 */
export async function syncKubeDnsEndpoints(o: KubeDnsServiceOptions): Promise<KubeDnsSync> {
  const log = o.log ?? nullLogger;
  const nodeIP = checkedIP('nodeIP', o.nodeIP);
  const serverAddress = o.serverAddress ? checkedIP('serverAddress', o.serverAddress) : undefined;
  const dnsPort = o.dnsPort ?? privilegedDnsPort;
  const metricsPort = o.metricsPort ?? dnsMetricsPort;
  const { slices } = clientsOf(o.rest);
  const ownName = kubeDnsSliceNameFor(o.nodeName ?? nodeIP);
  const endpointSlice = await slices.apply(
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: ownName,
        namespace: kubeDnsNamespace,
        labels: {
          ...kubeDnsLabels,
          'kubernetes.io/service-name': kubeDnsName,
          'endpointslice.kubernetes.io/managed-by': kubeDnsManagedBy,
        },
        ...(serverAddress && !isLoopback(serverAddress)
          ? { annotations: { [kubeDnsServerAddressAnnotation]: serverAddress } }
          : {}),
      },
      addressType: ipFamily(nodeIP) === 6 ? 'IPv6' : 'IPv4',
      endpoints: [
        {
          addresses: [nodeIP],
          conditions: { ready: true, serving: true, terminating: false },
          ...(o.nodeName ? { nodeName: o.nodeName } : {}),
        },
      ],
      ports: [
        { name: 'dns', port: dnsPort, protocol: 'UDP' },
        { name: 'dns-tcp', port: dnsPort, protocol: 'TCP' },
        { name: 'metrics', port: metricsPort, protocol: 'TCP' },
      ],
    },
    applyOpts(o),
  );

  const live = await liveApiServers(o.rest);
  // Only a view that includes this server is current enough to judge others by.
  const trusted = serverAddress !== undefined && live.has(serverAddress);
  const removed: string[] = [];
  const kept: Slice[] = [];
  for (const s of await ourSlices(o.rest)) {
    const name = s.metadata!.name!;
    const addr = s.metadata?.annotations?.[kubeDnsServerAddressAnnotation];
    const gone =
      name === kubeDnsSliceName ||
      (name !== ownName && trusted && addr !== undefined && !live.has(canonicalIP(addr) ?? addr));
    if (!gone) {
      kept.push(s);
      continue;
    }
    log.info('removing the DNS endpoints of a server that is gone', { slice: name, address: addr });
    await slices.delete(name, { preconditions: { resourceVersion: s.metadata!.resourceVersion } }).catch(ignoreGone);
    removed.push(name);
  }
  const endpoints = await writeEndpoints(o, kept);
  return { endpointSlice, endpoints, removed };
}

/**
 * What a clean stop does: deletes this server's slice and takes its address
 * out of the Endpoints. Other servers' slices are left as they are.
 */
export async function removeKubeDnsEndpoints(o: KubeDnsServiceOptions): Promise<void> {
  const nodeIP = checkedIP('nodeIP', o.nodeIP);
  const ownName = kubeDnsSliceNameFor(o.nodeName ?? nodeIP);
  await clientsOf(o.rest).slices.delete(ownName).catch(ignoreGone);
  await writeEndpoints(
    o,
    (await ourSlices(o.rest)).filter((s) => s.metadata?.name !== ownName),
  );
}

async function ourSlices(rest: RestClient): Promise<Slice[]> {
  const list = await clientsOf(rest).slices.list({
    labelSelector: `kubernetes.io/service-name=${kubeDnsName},endpointslice.kubernetes.io/managed-by=${kubeDnsManagedBy}`,
  });
  return list.items;
}

/** The API servers' addresses in `default/kubernetes` (empty when it is missing). */
async function liveApiServers(rest: RestClient): Promise<Set<string>> {
  const ep = await clientsOf(rest)
    .apiEndpoints.get('kubernetes')
    .catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  const out = new Set<string>();
  for (const sub of ep?.subsets ?? []) for (const a of sub.addresses ?? []) out.add(canonicalIP(a.ip) ?? a.ip);
  return out;
}

/** The Endpoints as the union of `slices` (one subset per distinct port set, sorted so rewrites are no-ops). */
async function writeEndpoints(o: KubeDnsServiceOptions, slices: Slice[]): Promise<Endpoints> {
  const subsets = new Map<string, EndpointSubset>();
  for (const s of [...slices].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))) {
    const ports: EndpointPort[] = (s.ports ?? []).map((p) => ({
      name: p.name,
      port: p.port!,
      protocol: p.protocol ?? 'TCP',
    }));
    const key = JSON.stringify(ports);
    const subset = subsets.get(key) ?? { addresses: [], ports };
    subsets.set(key, subset);
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses)
        if (!subset.addresses!.some((a) => a.ip === ip))
          subset.addresses!.push({ ip, ...(e.nodeName ? { nodeName: e.nodeName } : {}) });
    }
  }
  for (const sub of subsets.values()) sub.addresses!.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  return clientsOf(o.rest).endpoints.apply(
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: kubeDnsName,
        namespace: kubeDnsNamespace,
        labels: { ...kubeDnsLabels, 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets: [...subsets.values()].filter((sub) => sub.addresses!.length > 0),
    },
    applyOpts(o),
  );
}

export interface KubeDnsPublisher extends Disposable {
  /** What the first round published. */
  readonly objects: KubeDnsObjects;
}

/**
 * Runs the protocol for the life of this server: ensureKubeDnsService now,
 * then syncKubeDnsEndpoints every `intervalMs` (default 30 s; failures are
 * logged and retried next round). dispose() stops the rounds and removes
 * this server's endpoints (removeKubeDnsEndpoints).
 */
export async function startKubeDnsPublisher(
  o: KubeDnsServiceOptions & { intervalMs?: number; clock?: Clock },
): Promise<KubeDnsPublisher> {
  const log = o.log ?? nullLogger;
  const clock = o.clock ?? realClock;
  const objects = await ensureKubeDnsService(o);
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        await clock.sleep(o.intervalMs ?? 30_000, stop.signal);
      } catch {
        return;
      }
      try {
        await syncKubeDnsEndpoints(o);
      } catch (err) {
        if (!stop.signal.aborted) log.warn('publishing the cluster DNS endpoints failed', { err });
      }
    }
  })();
  let disposed: Promise<void> | undefined;
  return {
    objects,
    dispose() {
      disposed ??= (async () => {
        stop.abort();
        await loop;
        try {
          await removeKubeDnsEndpoints(o);
        } catch (err) {
          log.warn('removing this server from the cluster DNS endpoints failed', { err });
        }
      })();
      return disposed;
    },
  };
}

/**
 * The `kube-system/kube-dns` Service that pods' resolv.conf points at
 * (kubelet `clusterDNS`, 10.43.0.10), in front of the DNS server that runs
 * inside the kubets server process rather than in pods.
 *
 * The Service has no selector: no pod serves it, so the endpoint controllers
 * must leave it alone. Its endpoints are managed here: an EndpointSlice with
 * our own `managed-by` (the EndpointSlice controller only touches its own)
 * and an Endpoints object labelled `skip-mirror` (so the mirroring controller
 * does not make a second slice from it), both pointing at the node address
 * where the in-process server listens. kube-proxy then DNATs 10.43.0.10:53 to
 * that address, as for any Service.
 *
 * Listen address: the node IP (reachable from pods through the node's bridge
 * and from other nodes; loopback would not be), on port 53 when the process
 * may bind privileged ports (root or CAP_NET_BIND_SERVICE). Otherwise 1053:
 * the Service still says 53, its targetPort says 1053, and kube-proxy
 * translates, so pods notice nothing; only a host-side `dig @<nodeIP>` must
 * name the port.
 */
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isNotFound } from '../../api/errors/status-error.js';
import { gvr } from '../../client/resource-path.js';
import { ResourceClient, type KubeObject } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { canonicalIP, ipFamily } from './names.js';

export const kubeDnsServiceIP = '10.43.0.10';
export const kubeDnsName = 'kube-dns';
export const kubeDnsNamespace = 'kube-system';
/** The name of the slice managed here (the controller's slices are `<service>-<random>`). */
export const kubeDnsSliceName = 'kube-dns-kubets';
export const kubeDnsManagedBy = 'cluster-dns.kubets.io';
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

export interface KubeDnsServiceOptions {
  /** A client allowed to write Services, Endpoints and EndpointSlices in kube-system. */
  rest: RestClient;
  /** The node address the in-process DNS server listens on. */
  nodeIP: string;
  nodeName?: string;
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
  endpointSlice: EndpointSlice;
  endpoints: Endpoints;
}

/**
 * Creates or updates the Service, EndpointSlice and Endpoints (server-side
 * apply, idempotent). A kube-dns Service with another cluster IP is deleted
 * and recreated, since a cluster IP cannot change in place.
 */
export async function ensureKubeDnsService(o: KubeDnsServiceOptions): Promise<KubeDnsObjects> {
  const log = o.log ?? nullLogger;
  const clusterIP = o.clusterIP ?? kubeDnsServiceIP;
  const nodeIP = canonicalIP(o.nodeIP);
  if (!nodeIP) throw new Error(`nodeIP ${o.nodeIP} is not an IP address`);
  const dnsPort = o.dnsPort ?? privilegedDnsPort;
  const metricsPort = o.metricsPort ?? dnsMetricsPort;
  const apply = { fieldManager: o.fieldManager ?? 'kubets-cluster-dns', force: true };
  const services = new ResourceClient<Service & KubeObject>(o.rest, gvr('', 'v1', 'services'), kubeDnsNamespace);
  const slices = new ResourceClient<EndpointSlice & KubeObject>(
    o.rest,
    gvr('discovery.k8s.io', 'v1', 'endpointslices'),
    kubeDnsNamespace,
  );
  const endpoints = new ResourceClient<Endpoints & KubeObject>(o.rest, gvr('', 'v1', 'endpoints'), kubeDnsNamespace);

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
    apply,
  );

  const ports = [
    { name: 'dns', port: dnsPort, protocol: 'UDP' },
    { name: 'dns-tcp', port: dnsPort, protocol: 'TCP' },
    { name: 'metrics', port: metricsPort, protocol: 'TCP' },
  ];
  const endpointSlice = await slices.apply(
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: kubeDnsSliceName,
        namespace: kubeDnsNamespace,
        labels: {
          ...kubeDnsLabels,
          'kubernetes.io/service-name': kubeDnsName,
          'endpointslice.kubernetes.io/managed-by': kubeDnsManagedBy,
        },
      },
      addressType: ipFamily(nodeIP) === 6 ? 'IPv6' : 'IPv4',
      endpoints: [
        {
          addresses: [nodeIP],
          conditions: { ready: true, serving: true, terminating: false },
          ...(o.nodeName ? { nodeName: o.nodeName } : {}),
        },
      ],
      ports,
    },
    apply,
  );
  const eps = await endpoints.apply(
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: kubeDnsName,
        namespace: kubeDnsNamespace,
        labels: { ...kubeDnsLabels, 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets: [{ addresses: [{ ip: nodeIP, ...(o.nodeName ? { nodeName: o.nodeName } : {}) }], ports }],
    },
    apply,
  );
  return { service, endpointSlice, endpoints: eps };
}

/**
 * Cluster DNS: the public surface used by `kubets server` (startClusterDns,
 * ensureKubeDnsService) and by tests and benchmarks (queryDns).
 *
 * Wiring in `kubets server` (cmd/ only), with `nodeIP` the node's address:
 *
 *   const port = defaultDnsListenPort(); // 53 as root, else 1053
 *   const dns = await startClusterDns({
 *     rest,                                  // list+watch services, endpointslices, namespaces
 *     listen: [{ host: nodeIP, port }],
 *     metricsListen: { host: nodeIP, port: dnsMetricsPort },
 *     nsAddresses: [kubeDnsServiceIP],
 *     log,
 *   });
 *   await ensureKubeDnsService({ rest: adminRest, nodeIP, nodeName, dnsPort: port });
 *   // ... on shutdown: await dns.dispose();
 *
 * kube-proxy then routes 10.43.0.10:53 (the kubelet's default clusterDNS) to
 * nodeIP:port; see kube-dns-service.ts for why the node IP and the port choice.
 */
export { startClusterDns, type ClusterDns, type ClusterDnsOptions } from './cluster-dns.js';
export {
  defaultDnsListenPort,
  ensureKubeDnsService,
  kubeDnsLabels,
  kubeDnsName,
  kubeDnsNamespace,
  kubeDnsServiceIP,
  privilegedDnsPort,
  unprivilegedDnsPort,
  dnsMetricsPort,
  type KubeDnsObjects,
  type KubeDnsServiceOptions,
} from './kube-dns-service.js';
export { queryDns, encodeQuery, type DnsQueryOptions, type DnsQueryResult } from './dns-client.js';
export { parseHostPort, formatHostPort, type HostPort } from './exchange.js';
export { defaultUpstreams, parseResolvConf } from './resolv-conf.js';
export { ClusterResolver, dnsSchemaVersion, type ClusterResolverOptions, type Resolution } from './cluster-resolver.js';
export { ZoneIndex } from './zone-index.js';

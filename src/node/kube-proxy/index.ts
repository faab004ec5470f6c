/**
 * kube-proxy: Services to endpoints on one node, with nftables, iptables or
 * a userspace (Node.js) proxy. `startKubeProxy` is the composition used by
 * the agent; the proxiers and ProxyCore are exported for tests and benches
 * that feed objects directly.
 */
export { startKubeProxy, proxyLabelSelector, type RunningKubeProxy } from './kube-proxy.js';
export type { KubeProxyOptions } from './options.js';
export { ProxyCore, type ProxyCoreOptions } from './proxy-core.js';
export { ChangeTracker, type PortChange, type ProxyState } from './change-tracker.js';
export type { Proxier, ProxierStats, SyncOutcome } from './proxier.js';
export { NftablesProxier } from './nftables/nftables-proxier.js';
export { IptablesProxier } from './iptables/iptables-proxier.js';
export { UserspaceProxier } from './userspace/userspace-proxier.js';
export { removeServiceAddresses, ServiceAddressBinder } from './userspace/service-addresses.js';
export { hostRunner, netnsRunner, type CommandRunner, type CommandResult } from './runner.js';
export type { ProxyMode, ProxyNetworkConfig, ServicePortInfo, EndpointInfo } from './types.js';

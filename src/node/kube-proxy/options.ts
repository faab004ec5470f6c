import type { RestClient } from '../../client/rest-client.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import type { IptablesBackend } from './iptables/backend.js';
import { type CommandRunner, hostRunner } from './runner.js';
import type { ProxyMode, ProxyNetworkConfig } from './types.js';

export interface KubeProxyOptions {
  rest: RestClient;
  nodeName: string;
  /** 'auto' (default): nftables where `nft` works, else iptables, else userspace (always userspace without root). */
  mode?: ProxyMode | 'auto';
  /** Pod CIDR: traffic from outside it to a ClusterIP is masqueraded. */
  clusterCIDR?: string;
  /** Service CIDR: unallocated service addresses are dropped (nftables). */
  serviceCIDR?: string;
  /** `--nodeport-addresses`: CIDRs whose local addresses accept NodePorts; empty = all local addresses. */
  nodePortAddresses?: string[];
  masqueradeAll?: boolean;
  /** The node's own IPs (for loadBalancerSourceRanges containing the node). */
  nodeIPs?: string[];
  /** Minimum time between syncs after a burst of two (default 1 s). */
  minSyncPeriodMs?: number;
  /** Full resync period (default 30 s). */
  syncPeriodMs?: number;
  /** Port of /healthz, /livez and /metrics (default 10256; 0 = any free port; null = don't serve). */
  healthzPort?: number | null;
  healthzBindAddress?: string;
  /** Where health check node ports listen (default 0.0.0.0). */
  healthCheckBindAddress?: string;
  clock?: Clock;
  log?: Logger;
  /** Where nft/iptables/conntrack/sysctl run (default: this host; tests pass a netnsRunner). */
  runner?: CommandRunner;
  iptablesBackend?: 'auto' | IptablesBackend;
  /** Set ip_forward and bridge-nf-call-iptables (default: in kernel modes when running as root). */
  configureSysctls?: boolean;
  /** Remove our rules when stopped (default true). */
  cleanupOnStop?: boolean;
  /** Userspace mode: UDP session idle timeout (default 30 s) and the node's addresses for NodePorts. */
  udpIdleTimeoutMs?: number;
  nodeAddresses?: () => string[];
  /**
   * Userspace mode: add ClusterIPs, external IPs and LB IPs as local addresses
   * (on `lo`, through `runner`) so their listeners receive traffic. Needs root;
   * default false, since it changes the host's addresses (the kubets node turns it on).
   */
  bindServiceAddresses?: boolean;
}

export interface DefaultedOptions extends Required<
  Omit<KubeProxyOptions, 'clusterCIDR' | 'serviceCIDR' | 'nodeAddresses' | 'healthzPort' | 'configureSysctls'>
> {
  clusterCIDR: string | undefined;
  serviceCIDR: string | undefined;
  nodeAddresses: (() => string[]) | undefined;
  healthzPort: number | null;
  configureSysctls: boolean | undefined;
}

export function defaultOptions(o: KubeProxyOptions): DefaultedOptions {
  return {
    rest: o.rest,
    nodeName: o.nodeName,
    mode: o.mode ?? 'auto',
    clusterCIDR: o.clusterCIDR,
    serviceCIDR: o.serviceCIDR,
    nodePortAddresses: o.nodePortAddresses ?? [],
    masqueradeAll: o.masqueradeAll ?? false,
    nodeIPs: o.nodeIPs ?? [],
    minSyncPeriodMs: o.minSyncPeriodMs ?? 1000,
    syncPeriodMs: o.syncPeriodMs ?? 30_000,
    healthzPort: o.healthzPort === undefined ? 10256 : o.healthzPort,
    healthzBindAddress: o.healthzBindAddress ?? '0.0.0.0',
    healthCheckBindAddress: o.healthCheckBindAddress ?? '0.0.0.0',
    clock: o.clock ?? realClock,
    log: o.log ?? nullLogger,
    runner: o.runner ?? hostRunner,
    iptablesBackend: o.iptablesBackend ?? 'auto',
    configureSysctls: o.configureSysctls,
    cleanupOnStop: o.cleanupOnStop ?? true,
    udpIdleTimeoutMs: o.udpIdleTimeoutMs ?? 30_000,
    nodeAddresses: o.nodeAddresses,
    bindServiceAddresses: o.bindServiceAddresses ?? false,
  };
}

export function networkConfig(o: DefaultedOptions): ProxyNetworkConfig {
  return {
    nodeName: o.nodeName,
    clusterCIDR: o.clusterCIDR,
    serviceCIDR: o.serviceCIDR,
    nodePortAddresses: o.nodePortAddresses,
    masqueradeAll: o.masqueradeAll,
    nodeIPs: o.nodeIPs,
  };
}

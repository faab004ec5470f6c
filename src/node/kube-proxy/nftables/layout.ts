import { canonicalIPv4Cidr } from '../ip.js';
import type { ProxyNetworkConfig } from '../types.js';

/**
 * The fixed part of our nftables table (modelled on upstream
 * `pkg/proxy/nftables/proxier.go`): base chains on the netfilter hooks,
 * dispatch chains, and the verdict maps that per-service syncs fill. One
 * `inet` table holds everything, so deleting it removes every trace and
 * nothing else on the host is touched.
 */
export const nftTable = 'kubets-proxy';
export const nftFamily = 'inet';
export const tableRef = `${nftFamily} ${nftTable}`;

/** The packet mark bit that asks nat-postrouting to masquerade (upstream masqueradeBit 14). */
export const masqueradeMark = '0x00004000';

export const chains = {
  services: 'services',
  endpointsCheck: 'endpoints-check',
  firewallCheck: 'firewall-check',
  clusterIPsCheck: 'cluster-ips-check',
  reject: 'reject-chain',
  markMasq: 'mark-for-masquerade',
  masquerading: 'masquerading',
} as const;

export const maps = {
  serviceIPs: 'service-ips',
  serviceNodePorts: 'service-nodeports',
  noEndpointServices: 'no-endpoint-services',
  noEndpointNodePorts: 'no-endpoint-nodeports',
  firewallIPs: 'firewall-ips',
  serviceEndpoints: 'service-endpoints',
} as const;

/** A set (no values) of every ClusterIP, for rejecting traffic to ports a Service doesn't have. */
export const clusterIPsSet = 'cluster-ips';
/** `ip . ip` for every endpoint: a DNATed packet from an endpoint to itself is hairpin traffic. */
export const hairpinSet = 'hairpin';

/** Plain (value-less) sets we fill from renders, and their types. */
export const setTypes: Record<string, string> = {
  [clusterIPsSet]: 'ipv4_addr',
  [hairpinSet]: 'ipv4_addr . ipv4_addr',
};

const ipKey = 'type ipv4_addr . inet_proto . inet_service : verdict';
const portKey = 'type inet_proto . inet_service : verdict';

/** Every map of the fixed layout, with its declaration (what goes between the braces). */
export const mapSpecs: Record<string, string> = {
  [maps.serviceIPs]: ipKey,
  [maps.serviceNodePorts]: portKey,
  [maps.noEndpointServices]: ipKey,
  [maps.noEndpointNodePorts]: portKey,
  [maps.firewallIPs]: ipKey,
  // Slot i of a pick chain's choice for ClusterIP . proto . port -> endpoint address . port.
  [maps.serviceEndpoints]: 'typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport',
};

/**
 * Largest endpoint count a pick chain serves. A ClusterIP-only port without
 * session affinity and with at most this many endpoints has no chains of its
 * own: its `service-ips` element jumps to the shared `pick-<n>` chain, which
 * DNATs to slot `numgen random mod n` of the port's `service-endpoints`
 * elements. Endpoint changes are then element updates only; adding a DNAT
 * rule would make the kernel re-validate every chain reachable from the base
 * chains (tens of milliseconds at 10,000 Services) and make nft 1.0.x fetch
 * every chain name before the transaction. Larger or more complex ports keep
 * per-port chains.
 */
export const pickChainMax = 64;

export const pickChain = (n: number): string => `pick-${n}`;

/** Kernel features detected at init that change the layout. */
export interface NftCapabilities {
  /**
   * `reject` is allowed in prerouting (Linux 5.x and later). Rejecting before the
   * routing decision refuses connections to Services without endpoints even when the
   * service CIDR has no route (or an unreachable one); older kernels reject in
   * input/forward only, like upstream.
   */
  prerouteReject: boolean;
}

interface BaseChain {
  name: string;
  type: 'filter' | 'nat';
  hook: string;
  priority: number;
}

// Firewall checks (loadBalancerSourceRanges) see pre-DNAT addresses, so they run just
// before DNAT (-100); "no endpoints" and "not a service port" checks run after it (-90),
// where only traffic that no service rule translated still carries a service address.
// Without reject in prerouting, those checks move to input/forward like upstream.
const allBaseChains: readonly BaseChain[] = [
  { name: 'filter-prerouting', type: 'filter', hook: 'prerouting', priority: -110 },
  { name: 'filter-prerouting-post-dnat', type: 'filter', hook: 'prerouting', priority: -90 },
  { name: 'filter-input', type: 'filter', hook: 'input', priority: -110 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: -110 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: -110 },
  { name: 'filter-output-post-dnat', type: 'filter', hook: 'output', priority: -90 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
];

const withPrerouteReject = new Set(['filter-prerouting-post-dnat']);
const withoutPrerouteReject = new Set(['filter-input', 'filter-forward']);

export function baseChainsFor(caps: NftCapabilities): readonly BaseChain[] {
  const skip = caps.prerouteReject ? withoutPrerouteReject : withPrerouteReject;
  return allBaseChains.filter((c) => !skip.has(c.name));
}

export function baseChainSpec(c: BaseChain): string {
  return `type ${c.type} hook ${c.hook} priority ${c.priority}; policy accept;`;
}

/** Rules of every fixed chain, by chain (base chains included). */
export function staticChainRules(cfg: ProxyNetworkConfig, caps: NftCapabilities): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const jump = (to: string) => `ct state new jump ${to}`;
  out.set('filter-prerouting', [jump(chains.firewallCheck)]);
  if (caps.prerouteReject) {
    out.set('filter-prerouting-post-dnat', [jump(chains.endpointsCheck), jump(chains.clusterIPsCheck)]);
  } else {
    out.set('filter-input', [jump(chains.endpointsCheck)]);
    out.set('filter-forward', [jump(chains.endpointsCheck), jump(chains.clusterIPsCheck)]);
  }
  out.set('filter-output', [jump(chains.firewallCheck)]);
  out.set('filter-output-post-dnat', [jump(chains.endpointsCheck), jump(chains.clusterIPsCheck)]);
  out.set('nat-prerouting', [`jump ${chains.services}`]);
  out.set('nat-output', [`jump ${chains.services}`]);
  out.set('nat-postrouting', [
    `ct status dnat ip saddr . ip daddr @${hairpinSet} jump ${chains.markMasq}`,
    `jump ${chains.masquerading}`,
  ]);

  // NodePorts answer on local addresses (all, or those inside --nodeport-addresses); never on
  // loopback, which would need route_localnet (a known security hole).
  const cidrs = cfg.nodePortAddresses.map(canonicalIPv4Cidr).filter((c): c is string => c !== undefined);
  const nodePortMatch =
    cidrs.length > 0
      ? `ip daddr { ${cidrs.join(', ')} } ip daddr != 127.0.0.0/8 fib daddr type local`
      : 'fib daddr type local ip daddr != 127.0.0.0/8';
  const svcDispatch = 'ip daddr . meta l4proto . th dport';
  // ClusterIP traffic from outside the pod network (every source with masqueradeAll) is
  // masqueraded so replies come back through this node. Upstream has one such rule per
  // service chain; one rule on the set is equivalent here (traffic to a ClusterIP that
  // no service port takes is rejected anyway) and keeps per-service chains short, which
  // is what every kernel validation of the table walks.
  const clusterCIDR = cfg.clusterCIDR ? canonicalIPv4Cidr(cfg.clusterCIDR) : undefined;
  const masq = cfg.masqueradeAll
    ? [`ip daddr @${clusterIPsSet} jump ${chains.markMasq}`]
    : clusterCIDR
      ? [`ip daddr @${clusterIPsSet} ip saddr != ${clusterCIDR} jump ${chains.markMasq}`]
      : [];
  out.set(chains.services, [
    ...masq,
    `${svcDispatch} vmap @${maps.serviceIPs}`,
    `${nodePortMatch} meta l4proto . th dport vmap @${maps.serviceNodePorts}`,
  ]);
  out.set(chains.endpointsCheck, [
    `${svcDispatch} vmap @${maps.noEndpointServices}`,
    `${nodePortMatch} meta l4proto . th dport vmap @${maps.noEndpointNodePorts}`,
  ]);
  out.set(chains.firewallCheck, [`${svcDispatch} vmap @${maps.firewallIPs}`]);
  const serviceCIDR = cfg.serviceCIDR ? canonicalIPv4Cidr(cfg.serviceCIDR) : undefined;
  out.set(chains.clusterIPsCheck, [
    `ip daddr @${clusterIPsSet} reject`,
    ...(serviceCIDR ? [`ip daddr ${serviceCIDR} drop`] : []),
  ]);
  // TCP gets a reset (not subject to ICMP rate limits, so a burst of clients is refused too).
  out.set(chains.reject, ['meta l4proto tcp reject with tcp reset', 'reject']);
  out.set(chains.markMasq, [`mark set mark or ${masqueradeMark}`]);
  for (let n = 1; n <= pickChainMax; n++) {
    out.set(pickChain(n), [
      `meta l4proto { tcp, udp, sctp } dnat ip to ${svcDispatch} . numgen random mod ${n} map @${maps.serviceEndpoints}`,
    ]);
  }
  out.set(chains.masquerading, [
    `mark and ${masqueradeMark} == 0 return`,
    `mark set mark xor ${masqueradeMark}`,
    'masquerade fully-random',
  ]);
  return out;
}

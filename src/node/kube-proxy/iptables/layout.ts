import { canonicalIPv4Cidr } from '../ip.js';
import type { ProxyNetworkConfig } from '../types.js';

/**
 * The fixed chains of the iptables proxier (upstream `pkg/proxy/iptables`
 * with a KUBETS- prefix so a real kube-proxy on the same host never
 * clashes). Each built-in chain gets exactly one rule of ours, a jump to its
 * KUBETS-HOOK-* chain, so finding and removing our hooks is a single match.
 */
export type IptTable = 'filter' | 'nat';

export const masqMark = '0x4000';

export const ipt = {
  // nat
  services: 'KUBETS-SERVICES',
  serviceIPs: 'KUBETS-SERVICE-IPS',
  nodePorts: 'KUBETS-NODEPORTS',
  postrouting: 'KUBETS-POSTROUTING',
  markMasq: 'KUBETS-MARK-MASQ',
  // filter
  filterServices: 'KUBETS-SERVICES',
  externalServices: 'KUBETS-EXTERNAL-SERVICES',
  forward: 'KUBETS-FORWARD',
  proxyFirewall: 'KUBETS-PROXY-FIREWALL',
  healthCheckNodePorts: 'KUBETS-NODEPORTS',
} as const;

/** Built-in chain -> our hook chain, per table. */
export const hooks: Record<IptTable, Record<string, string>> = {
  filter: { INPUT: 'KUBETS-HOOK-INPUT', FORWARD: 'KUBETS-HOOK-FORWARD', OUTPUT: 'KUBETS-HOOK-OUTPUT' },
  nat: { PREROUTING: 'KUBETS-HOOK-PREROUTING', OUTPUT: 'KUBETS-HOOK-OUTPUT', POSTROUTING: 'KUBETS-HOOK-POSTROUTING' },
};

export const hookComment = 'kubets hook';

export function hookRule(builtin: string, target: string): string {
  return `${builtin} -m comment --comment "${hookComment}" -j ${target}`;
}

/** Chains whose rules are shared by every service port (diffed rule by rule, order-free). */
export const sharedChains: Record<IptTable, readonly string[]> = {
  nat: [ipt.serviceIPs, ipt.nodePorts],
  filter: [ipt.filterServices, ipt.externalServices, ipt.proxyFirewall, ipt.healthCheckNodePorts],
};

/** Fixed chains and their rules, by table (shared chains included, empty here). */
export function staticIptRules(cfg: ProxyNetworkConfig): Record<IptTable, Map<string, string[]>> {
  const isNew = '-m conntrack --ctstate NEW';
  const filter = new Map<string, string[]>([
    [
      hooks.filter.INPUT,
      [
        `${isNew} -m comment --comment "kubets load balancer firewall" -j ${ipt.proxyFirewall}`,
        `-m comment --comment "kubets health check service ports" -j ${ipt.healthCheckNodePorts}`,
        `${isNew} -m comment --comment "kubets externally-visible service portals" -j ${ipt.externalServices}`,
      ],
    ],
    [
      hooks.filter.FORWARD,
      [
        `${isNew} -m comment --comment "kubets load balancer firewall" -j ${ipt.proxyFirewall}`,
        `-m comment --comment "kubets forwarding rules" -j ${ipt.forward}`,
        `${isNew} -m comment --comment "kubets service portals" -j ${ipt.filterServices}`,
        `${isNew} -m comment --comment "kubets externally-visible service portals" -j ${ipt.externalServices}`,
      ],
    ],
    [
      hooks.filter.OUTPUT,
      [
        `${isNew} -m comment --comment "kubets load balancer firewall" -j ${ipt.proxyFirewall}`,
        `${isNew} -m comment --comment "kubets service portals" -j ${ipt.filterServices}`,
      ],
    ],
    [
      ipt.forward,
      [
        '-m conntrack --ctstate INVALID -j DROP',
        `-m comment --comment "kubets forwarding rules" -m mark --mark ${masqMark}/${masqMark} -j ACCEPT`,
        '-m comment --comment "kubets forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      ],
    ],
  ]);
  for (const c of sharedChains.filter) filter.set(c, []);

  const cidrs = cfg.nodePortAddresses.map(canonicalIPv4Cidr).filter((c): c is string => c !== undefined);
  const toNodePorts = (cidrs.length > 0 ? cidrs : ['']).map(
    (c) =>
      `-m comment --comment "kubets service nodeports; NOTE: this must be the last rule in this chain" ${c ? `-d ${c}` : '! -d 127.0.0.0/8'} -m addrtype --dst-type LOCAL -j ${ipt.nodePorts}`,
  );
  const nat = new Map<string, string[]>([
    [hooks.nat.PREROUTING, [`-m comment --comment "kubets service portals" -j ${ipt.services}`]],
    [hooks.nat.OUTPUT, [`-m comment --comment "kubets service portals" -j ${ipt.services}`]],
    [hooks.nat.POSTROUTING, [`-m comment --comment "kubets postrouting rules" -j ${ipt.postrouting}`]],
    [ipt.services, [`-m comment --comment "kubets service IPs" -j ${ipt.serviceIPs}`, ...toNodePorts]],
    [ipt.markMasq, [`-j MARK --or-mark ${masqMark}`]],
    [
      ipt.postrouting,
      [
        `-m mark ! --mark ${masqMark}/${masqMark} -j RETURN`,
        `-j MARK --xor-mark ${masqMark}`,
        '-m comment --comment "kubets service traffic requiring SNAT" -j MASQUERADE --random-fully',
      ],
    ],
  ]);
  for (const c of sharedChains.nat) nat.set(c, []);
  return { filter, nat };
}

/** Per-port chains are the ones made from a hash (SVC, SVL, EXT, FW, SEP). */
export function isIptPortChain(name: string): boolean {
  return /^KUBETS-(SVC|SVL|EXT|FW|SEP)-/.test(name);
}

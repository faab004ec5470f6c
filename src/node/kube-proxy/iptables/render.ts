import { categorizeEndpoints } from '../categorize.js';
import { canonicalIPv4Cidr, CidrSet } from '../ip.js';
import { iptEndpointChain, iptServiceHash, servicePortName } from '../names.js';
import { type EndpointInfo, externallyAccessible, type ProxyNetworkConfig, type ServicePortInfo } from '../types.js';
import { type IptTable, ipt } from './layout.js';

/** A rule this port adds to one of the shared chains. */
export interface SharedRule {
  table: IptTable;
  chain: string;
  rule: string;
}

export interface IptPortRender {
  /** Per-port chains (SVC, SVL, EXT, FW, SEP) and their rules, by table. */
  chains: Record<IptTable, Map<string, string[]>>;
  shared: SharedRule[];
}

export interface IptRenderContext {
  cfg: ProxyNetworkConfig;
  clusterCIDR: string | undefined;
  nodePortCidrs: string[];
}

export function iptRenderContext(cfg: ProxyNetworkConfig): IptRenderContext {
  return {
    cfg,
    clusterCIDR: cfg.clusterCIDR ? canonicalIPv4Cidr(cfg.clusterCIDR) : undefined,
    nodePortCidrs: cfg.nodePortAddresses.map(canonicalIPv4Cidr).filter((c): c is string => c !== undefined),
  };
}

/** Same probability text as upstream (`%0.10f` of 1/n). */
function probability(n: number): string {
  return (1 / n).toFixed(10);
}

/**
 * Rules of one service port (upstream iptables syncProxyRules' per-service
 * body): statistic-mode random choice among endpoints, `recent` lists for
 * ClientIP affinity, REJECT in the filter table when there are no endpoints.
 */
export function renderIptPort(
  ctx: IptRenderContext,
  sp: ServicePortInfo,
  endpoints: readonly EndpointInfo[],
): IptPortRender {
  const proto = sp.protocol.toLowerCase();
  const name = servicePortName(sp);
  const hash = iptServiceHash(sp);
  const svcChain = `KUBETS-SVC-${hash}`;
  const localChain = `KUBETS-SVL-${hash}`;
  const extChain = `KUBETS-EXT-${hash}`;
  const fwChain = `KUBETS-FW-${hash}`;
  const out: IptPortRender = {
    chains: { nat: new Map(), filter: new Map() },
    shared: [],
  };
  const nat = out.chains.nat;
  const cat = categorizeEndpoints(sp, endpoints);
  const comment = (text: string) => `-m comment --comment "${name}${text ? ` ${text}` : ''}"`;
  const dst = (ip: string, port: number) => `-m ${proto} -p ${proto} -d ${ip}/32 --dport ${port}`;
  const share = (table: IptTable, chain: string, rule: string) => out.shared.push({ table, chain, rule });

  const accessible = externallyAccessible(sp);
  const hasInternal = cat.hasAny && (!sp.internalPolicyLocal || cat.local.length > 0);
  const hasExternal = cat.hasAny && (!sp.externalPolicyLocal || cat.local.length > 0);
  const internalChain = sp.internalPolicyLocal ? localChain : svcChain;
  const externalPolicyChain = sp.externalPolicyLocal ? localChain : svcChain;
  const usesExternal = cat.hasAny && accessible;
  const usesFirewall = usesExternal && sp.loadBalancerVIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  const verdict = cat.hasAny ? 'DROP' : proto === 'tcp' ? 'REJECT --reject-with tcp-reset' : 'REJECT';

  const policyChains = new Map<string, readonly EndpointInfo[]>();
  if (cat.cluster.length > 0 && (!sp.internalPolicyLocal || accessible)) policyChains.set(svcChain, cat.cluster);
  if (cat.local.length > 0 && (sp.internalPolicyLocal || (sp.externalPolicyLocal && accessible))) {
    policyChains.set(localChain, cat.local);
  }
  for (const c of policyChains.keys()) nat.set(c, []);

  if (hasInternal) {
    share('nat', ipt.serviceIPs, `${comment('cluster IP')} ${dst(sp.clusterIP, sp.port)} -j ${internalChain}`);
    const masq = `${comment('cluster IP')} ${dst(sp.clusterIP, sp.port)}`;
    if (ctx.cfg.masqueradeAll) nat.get(internalChain)!.push(`${masq} -j ${ipt.markMasq}`);
    else if (ctx.clusterCIDR) nat.get(internalChain)!.push(`${masq} ! -s ${ctx.clusterCIDR} -j ${ipt.markMasq}`);
  } else {
    const why = cat.hasAny ? 'has no local endpoints' : 'has no endpoints';
    share('filter', ipt.filterServices, `${comment(why)} ${dst(sp.clusterIP, sp.port)} -j ${verdict}`);
  }

  const externalWhy = cat.hasAny ? 'has no local endpoints' : 'has no endpoints';
  for (const ip of sp.externalIPs) {
    if (usesExternal) share('nat', ipt.serviceIPs, `${comment('external IP')} ${dst(ip, sp.port)} -j ${extChain}`);
    if (!hasExternal)
      share('filter', ipt.externalServices, `${comment(externalWhy)} ${dst(ip, sp.port)} -j ${verdict}`);
  }
  for (const ip of sp.loadBalancerVIPs) {
    if (usesExternal) {
      const to = usesFirewall ? fwChain : extChain;
      share('nat', ipt.serviceIPs, `${comment('loadbalancer IP')} ${dst(ip, sp.port)} -j ${to}`);
    }
    if (usesFirewall) {
      // Allowed sources were DNATed by the FW chain; anything still addressed to the VIP is refused.
      share(
        'filter',
        ipt.proxyFirewall,
        `${comment(`traffic not accepted by ${fwChain}`)} ${dst(ip, sp.port)} -j DROP`,
      );
    }
    if (!hasExternal)
      share('filter', ipt.externalServices, `${comment(externalWhy)} ${dst(ip, sp.port)} -j ${verdict}`);
  }
  if (sp.nodePort > 0) {
    const np = `-m ${proto} -p ${proto} --dport ${sp.nodePort}`;
    if (usesExternal) share('nat', ipt.nodePorts, `${comment('')} ${np} -j ${extChain}`);
    if (!hasExternal) {
      for (const c of ctx.nodePortCidrs.length > 0 ? ctx.nodePortCidrs : ['']) {
        const local = `${c ? `-d ${c} ` : ''}-m addrtype --dst-type LOCAL`;
        share('filter', ipt.externalServices, `${comment(externalWhy)} ${local} ${np} -j ${verdict}`);
      }
    }
  }
  if (sp.healthCheckNodePort > 0) {
    share(
      'filter',
      ipt.healthCheckNodePorts,
      `-m comment --comment "${sp.namespace}/${sp.name} health check node port" -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`,
    );
  }

  if (usesExternal) {
    const rules: string[] = [];
    if (!sp.externalPolicyLocal) {
      rules.push(`-m comment --comment "masquerade traffic for ${name} external destinations" -j ${ipt.markMasq}`);
    } else {
      if (ctx.clusterCIDR) {
        rules.push(
          `-m comment --comment "pod traffic for ${name} external destinations" -s ${ctx.clusterCIDR} -j ${svcChain}`,
        );
      }
      rules.push(
        `-m comment --comment "masquerade LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${ipt.markMasq}`,
      );
      rules.push(
        `-m comment --comment "route LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${svcChain}`,
      );
    }
    if (hasExternal) rules.push(`-j ${externalPolicyChain}`);
    nat.set(extChain, rules);
  }
  if (usesFirewall) {
    const sources = [...sp.loadBalancerSourceRanges];
    const ranges = new CidrSet(sp.loadBalancerSourceRanges);
    if (ctx.cfg.nodeIPs.some((ip) => ranges.contains(ip))) sources.push(...sp.loadBalancerVIPs.map((v) => `${v}/32`));
    nat.set(
      fwChain,
      sources.map((s) => `${comment('loadbalancer IP')} -s ${s} -j ${extChain}`),
    );
  }

  const sticky = sp.stickySeconds !== undefined;
  for (const [chain, eps] of policyChains) {
    const rules = nat.get(chain)!;
    if (sticky) {
      for (const ep of eps) {
        const sep = iptEndpointChain(sp, ep);
        rules.push(
          `${comment(`-> ${ep.addr}`)} -m recent --name ${sep} --rcheck --seconds ${sp.stickySeconds} --reap -j ${sep}`,
        );
      }
    }
    eps.forEach((ep, i) => {
      const sep = iptEndpointChain(sp, ep);
      const left = eps.length - i;
      const pick = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : '';
      rules.push(`${comment(`-> ${ep.addr}`)}${pick} -j ${sep}`);
    });
  }
  for (const ep of cat.allReachable) {
    const sep = iptEndpointChain(sp, ep);
    const rules = [`${comment('')} -s ${ep.ip}/32 -j ${ipt.markMasq}`];
    if (sticky) rules.push(`${comment('')} -m recent --name ${sep} --set`);
    rules.push(`${comment('')} -m ${proto} -p ${proto} -j DNAT --to-destination ${ep.addr}`);
    nat.set(sep, rules);
  }
  return out;
}

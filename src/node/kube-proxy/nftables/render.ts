import { categorizeEndpoints } from '../categorize.js';
import { canonicalIPv4Cidr, CidrSet } from '../ip.js';
import { nftEndpointBase, nftServiceBase } from '../names.js';
import { type EndpointInfo, externallyAccessible, type ProxyNetworkConfig, type ServicePortInfo } from '../types.js';
import { chains, clusterIPsSet, hairpinSet, maps, pickChain, pickChainMax } from './layout.js';

/** One element of a verdict map (or, with value "", of a plain set). */
export interface NftElement {
  map: string;
  key: string;
  value: string;
}

/** Everything one service port contributes to the table. */
export interface NftPortRender {
  /** Per-port chains and their rules, in order. */
  chains: Map<string, string[]>;
  elements: NftElement[];
  /** ClientIP affinity sets: name -> timeout in seconds. */
  affinitySets: Map<string, number>;
}

/** Config-derived values every render needs, computed once per proxier. */
export interface NftRenderContext {
  cfg: ProxyNetworkConfig;
  clusterCIDR: string | undefined;
}

export function nftRenderContext(cfg: ProxyNetworkConfig): NftRenderContext {
  return {
    cfg,
    clusterCIDR: cfg.clusterCIDR ? canonicalIPv4Cidr(cfg.clusterCIDR) : undefined,
  };
}

/**
 * The chains, map elements and affinity sets of one service port (upstream
 * syncProxyRules' per-service body). Pure: the same inputs give the same
 * output, which is what lets incremental syncs diff renders.
 */
export function renderNftPort(
  ctx: NftRenderContext,
  sp: ServicePortInfo,
  endpoints: readonly EndpointInfo[],
): NftPortRender {
  const proto = sp.protocol.toLowerCase();
  const base = nftServiceBase(sp);
  const clusterChain = `service-${base}`;
  const localChain = `local-${base}`;
  const externalChain = `external-${base}`;
  const firewallChain = `firewall-${base}`;
  const out: NftPortRender = {
    chains: new Map(),
    elements: [],
    affinitySets: new Map(),
  };
  const cat = categorizeEndpoints(sp, endpoints);
  const epChain = (ep: EndpointInfo) => `endpoint-${nftEndpointBase(sp, ep)}`;
  const affinitySet = (ep: EndpointInfo) => `affinity-${nftEndpointBase(sp, ep)}`;
  const ipKey = (ip: string, port: number) => `${ip} . ${proto} . ${port}`;
  const nodePortKey = `${proto} . ${sp.nodePort}`;

  const hasInternal = cat.hasAny && (!sp.internalPolicyLocal || cat.local.length > 0);
  const hasExternal = cat.hasAny && (!sp.externalPolicyLocal || cat.local.length > 0);
  const internalChain = sp.internalPolicyLocal ? localChain : clusterChain;
  const externalPolicyChain = sp.externalPolicyLocal ? localChain : clusterChain;
  const usesExternal = cat.hasAny && externallyAccessible(sp);
  // No endpoints anywhere: reject (connection refused, not a hang). Endpoints elsewhere but
  // none here for a Local policy: drop, as a client outside would be sent to another node.
  const verdict = cat.hasAny ? 'drop' : `goto ${chains.reject}`;

  // Only ClusterIP traffic and no affinity: the shared pick chains choose among this port's
  // service-endpoints slots, so endpoint changes never add rules (see pickChainMax).
  const internalEps = sp.internalPolicyLocal ? cat.local : cat.cluster;
  const picked =
    hasInternal &&
    sp.stickySeconds === undefined &&
    !externallyAccessible(sp) &&
    internalEps.length > 0 &&
    internalEps.length <= pickChainMax;

  out.elements.push({ map: clusterIPsSet, key: sp.clusterIP, value: '' });
  if (picked) {
    const key = ipKey(sp.clusterIP, sp.port);
    out.elements.push({ map: maps.serviceIPs, key, value: `goto ${pickChain(internalEps.length)}` });
    internalEps.forEach((ep, i) =>
      out.elements.push({ map: maps.serviceEndpoints, key: `${key} . ${i}`, value: `${ep.ip} . ${ep.port}` }),
    );
  } else if (hasInternal) {
    out.elements.push({ map: maps.serviceIPs, key: ipKey(sp.clusterIP, sp.port), value: `goto ${internalChain}` });
  } else {
    out.elements.push({ map: maps.noEndpointServices, key: ipKey(sp.clusterIP, sp.port), value: verdict });
  }
  for (const ip of sp.externalIPs) {
    if (cat.hasAny) {
      out.elements.push({ map: maps.serviceIPs, key: ipKey(ip, sp.port), value: `goto ${externalChain}` });
    }
    if (!hasExternal) {
      out.elements.push({ map: maps.noEndpointServices, key: ipKey(ip, sp.port), value: verdict });
    }
  }
  const usesFirewall = sp.loadBalancerVIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  if (usesFirewall) {
    const sources = [...sp.loadBalancerSourceRanges];
    // A VIP that is also a local address loops node-originated requests back with the VIP as source.
    const ranges = new CidrSet(sp.loadBalancerSourceRanges);
    if (ctx.cfg.nodeIPs.some((ip) => ranges.contains(ip))) {
      sources.push(...sp.loadBalancerVIPs);
    }
    out.chains.set(firewallChain, [`ip saddr != { ${sources.join(', ')} } drop`]);
  }
  for (const ip of sp.loadBalancerVIPs) {
    if (cat.hasAny) {
      out.elements.push({ map: maps.serviceIPs, key: ipKey(ip, sp.port), value: `goto ${externalChain}` });
    }
    if (usesFirewall) {
      out.elements.push({ map: maps.firewallIPs, key: ipKey(ip, sp.port), value: `goto ${firewallChain}` });
    }
    if (!hasExternal) {
      out.elements.push({ map: maps.noEndpointServices, key: ipKey(ip, sp.port), value: verdict });
    }
  }
  if (sp.nodePort > 0) {
    if (cat.hasAny) {
      out.elements.push({ map: maps.serviceNodePorts, key: nodePortKey, value: `goto ${externalChain}` });
    }
    if (!hasExternal) {
      out.elements.push({ map: maps.noEndpointNodePorts, key: nodePortKey, value: verdict });
    }
  }

  const policyChains = new Map<string, readonly EndpointInfo[]>();
  if (!picked && cat.cluster.length > 0 && (!sp.internalPolicyLocal || externallyAccessible(sp))) {
    policyChains.set(clusterChain, cat.cluster);
  }
  if (
    !picked &&
    cat.local.length > 0 &&
    (sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible(sp)))
  ) {
    policyChains.set(localChain, cat.local);
  }
  for (const name of policyChains.keys()) out.chains.set(name, []);

  if (usesExternal) {
    const rules: string[] = [];
    if (!sp.externalPolicyLocal) {
      // Endpoints may be on other nodes: masquerade so replies return through us.
      rules.push(`jump ${chains.markMasq}`);
    } else {
      // Pods and the node itself are not subject to the Local policy (they act as if they
      // went out to the load balancer and came back); node sources still need masquerade.
      if (ctx.clusterCIDR) rules.push(`ip saddr ${ctx.clusterCIDR} goto ${clusterChain}`);
      rules.push(`fib saddr type local jump ${chains.markMasq}`);
      rules.push(`fib saddr type local goto ${clusterChain}`);
    }
    if (hasExternal) rules.push(`goto ${externalPolicyChain}`);
    out.chains.set(externalChain, rules);
  }

  // Ports the pick chains don't serve: endpoint choice is a run of rules, rule i taking
  // its endpoint with probability 1/(n-i) (uniform overall, as iptables' statistic
  // rules). Not upstream's
  // `numgen ... vmap { ... }`: every anonymous map is a set the kernel scans on each
  // set creation and loop check, which makes 10,000 Services quadratic; and only
  // ClientIP affinity needs per-endpoint chains, so other ports DNAT in place. Each
  // chain the table holds also costs every later nft run that lists chains.
  const sticky = sp.stickySeconds !== undefined;
  const dnat = (ep: EndpointInfo) => `meta l4proto ${proto} dnat ip to ${ep.ip}:${ep.port}`;
  const pick = (eps: readonly EndpointInfo[], i: number, action: string) =>
    eps.length - i > 1 ? `numgen random mod ${eps.length - i} 0 ${action}` : action;
  if (sticky) for (const ep of cat.allReachable) out.affinitySets.set(affinitySet(ep), sp.stickySeconds!);
  for (const [name, eps] of policyChains) {
    const rules = out.chains.get(name)!;
    if (sticky) for (const ep of eps) rules.push(`ip saddr @${affinitySet(ep)} goto ${epChain(ep)}`);
    eps.forEach((ep, i) => rules.push(pick(eps, i, sticky ? `goto ${epChain(ep)}` : dnat(ep))));
  }
  if (sticky) {
    for (const ep of cat.allReachable)
      out.chains.set(epChain(ep), [`update @${affinitySet(ep)} { ip saddr }`, dnat(ep)]);
  }
  // A pod reaching itself through the Service must be masqueraded, or its reply would
  // bypass the node; nat-postrouting matches these pairs after DNAT.
  for (const ep of cat.allReachable) out.elements.push({ map: hairpinSet, key: `${ep.ip} . ${ep.ip}`, value: '' });
  return out;
}

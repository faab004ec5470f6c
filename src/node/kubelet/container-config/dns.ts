/**
 * The pod's resolver configuration, handed to the runtime in the sandbox
 * config so it writes the container's /etc/resolv.conf (pkg/kubelet/network/dns):
 *
 *   ClusterFirst (not host network), ClusterFirstWithHostNet: the cluster DNS
 *     servers, search `<ns>.svc.<domain> svc.<domain> <domain>` + the host's
 *     search list, `options ndots:5`;
 *   Default, or ClusterFirst with host network: the host's resolver file;
 *   None: only `spec.dnsConfig`;
 * then `spec.dnsConfig` is appended (servers and searches de-duplicated,
 * options merged by name) and the result trimmed to the resolver's limits.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface DnsSettings {
  clusterDNS: string[];
  clusterDomain: string;
  /** The host's resolver file parsed; undefined when the kubelet has none (`--resolv-conf=""`). */
  host: DnsConfig | undefined;
  nodeIPs: string[];
}

// Limits of glibc's resolver (kubelet validation.MaxDNS*).
const maxNameservers = 3;
const maxSearchPaths = 32;
const maxSearchChars = 2048;

/** Parses resolv.conf text: nameserver, search (the last line wins) and options lines. */
export function parseResolvConf(text: string): DnsConfig {
  const out: DnsConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const fields = line.split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver' && fields[1]) out.servers.push(fields[1]);
    else if (fields[0] === 'search')
      out.searches = fields.slice(1).map((s) => (s.length > 1 ? s.replace(/\.$/, '') : s));
    else if (fields[0] === 'options') out.options.push(...fields.slice(1));
  }
  return out;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Options merged by name (`ndots:5` replaces `ndots:1`), later ones winning. */
function mergeOptions(base: string[], extra: { name?: string; value?: string }[]): string[] {
  const merged = new Map<string, string | undefined>();
  for (const o of base) {
    const i = o.indexOf(':');
    merged.set(i < 0 ? o : o.slice(0, i), i < 0 ? undefined : o.slice(i + 1));
  }
  for (const o of extra) if (o.name) merged.set(o.name, o.value);
  return [...merged].map(([k, v]) => (v === undefined ? k : `${k}:${v}`));
}

type DnsType = 'cluster' | 'host' | 'none';

function dnsType(pod: Pod): DnsType {
  switch (pod.spec?.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'ClusterFirst':
      return pod.spec?.hostNetwork ? 'host' : 'cluster';
    default:
      return 'host';
  }
}

export interface PodDnsResult {
  config: DnsConfig;
  /** Event reason and message for the pod when something had to be dropped or defaulted. */
  warnings: { reason: string; message: string }[];
}

/** The resolver configuration for `pod`. */
export function podDnsConfig(pod: Pod, s: DnsSettings): PodDnsResult {
  const warnings: PodDnsResult['warnings'] = [];
  const host = s.host ?? { servers: [], searches: [], options: [] };
  let cfg: DnsConfig = { servers: [...host.servers], searches: [...host.searches], options: [...host.options] };
  let type = dnsType(pod);
  if (type === 'cluster' && s.clusterDNS.length === 0) {
    warnings.push({
      reason: 'MissingClusterDNS',
      message:
        'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.',
    });
    type = 'host';
  }
  if (type === 'none') {
    cfg = { servers: [], searches: [], options: [] };
  } else if (type === 'cluster') {
    const ns = pod.metadata?.namespace ?? '';
    const domain = s.clusterDomain;
    const clusterSearch = domain ? [`${ns}.svc.${domain}`, `svc.${domain}`, domain] : [];
    cfg = { servers: [...s.clusterDNS], searches: unique([...clusterSearch, ...cfg.searches]), options: ['ndots:5'] };
  } else if (s.host === undefined) {
    // No resolver file: the local resolver, and no search list.
    cfg = {
      servers: s.nodeIPs.length === 0 ? ['127.0.0.1'] : s.nodeIPs.map((ip) => (ip.includes(':') ? '::1' : '127.0.0.1')),
      searches: ['.'],
      options: [],
    };
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    cfg = {
      servers: unique([...cfg.servers, ...(extra.nameservers ?? [])]),
      searches: unique([...cfg.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(cfg.options, extra.options ?? []),
    };
  }
  if (cfg.servers.length > maxNameservers) {
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${cfg.servers.slice(0, maxNameservers).join(' ')}`,
    });
    cfg.servers = cfg.servers.slice(0, maxNameservers);
  }
  let searches = cfg.searches.slice(0, maxSearchPaths);
  while (searches.join(' ').length > maxSearchChars) searches = searches.slice(0, -1);
  if (searches.length !== cfg.searches.length) {
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`,
    });
    cfg.searches = searches;
  }
  return { config: cfg, warnings };
}

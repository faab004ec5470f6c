/**
 * The pod's hostname and the kubelet-managed /etc/hosts (kubelet_pods.go):
 * the hostname is `spec.hostname` or the pod name cut to 63 characters, the
 * domain `<subdomain>.<ns>.svc.<clusterDomain>` when `spec.subdomain` is set;
 * the hosts file lists localhost entries, the pod's IPs with its names, and
 * `spec.hostAliases`. Host-network pods get the node's /etc/hosts plus aliases.
 */
import type { HostAlias, Pod } from 'kubernetes-types/core/v1.js';

const maxHostnameLength = 63;

export interface PodHostname {
  hostname: string;
  /** The pod's DNS domain, '' without a subdomain. */
  domain: string;
}

/** GeneratePodHostNameAndDomain. */
export function podHostname(pod: Pod, clusterDomain: string): PodHostname {
  let hostname = pod.spec?.hostname || pod.metadata?.name || '';
  if (hostname.length > maxHostnameLength) hostname = hostname.slice(0, maxHostnameLength).replace(/[-.]+$/, '');
  const sub = pod.spec?.subdomain;
  const domain = sub ? `${sub}.${pod.metadata?.namespace ?? ''}.svc.${clusterDomain}` : '';
  return { hostname, domain };
}

/** The hostname the sandbox gets: the FQDN when `setHostnameAsFQDN` (which must fit in 64 characters). */
export function sandboxHostname(pod: Pod, clusterDomain: string): string {
  const { hostname, domain } = podHostname(pod, clusterDomain);
  if (!pod.spec?.setHostnameAsFQDN || !domain) return hostname;
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > 64) {
    throw new Error(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (64 characters is the max, ${fqdn.length} characters requested)`,
    );
  }
  return fqdn;
}

function aliasEntries(aliases: HostAlias[] | undefined): string {
  if (!aliases || aliases.length === 0) return '';
  const lines = aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`);
  return `\n# Entries added by HostAliases.\n${lines.join('')}`;
}

/** The managed hosts file of a pod with its own network namespace. */
export function managedHostsFile(podIPs: string[], names: PodHostname, aliases?: HostAlias[]): string {
  let out =
    '# Kubernetes-managed hosts file.\n' +
    '127.0.0.1\tlocalhost\n' +
    '::1\tlocalhost ip6-localhost ip6-loopback\n' +
    'fe00::0\tip6-localnet\n' +
    'fe00::0\tip6-mcastprefix\n' +
    'fe00::1\tip6-allnodes\n' +
    'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) {
    out += names.domain
      ? `${ip}\t${names.hostname}.${names.domain}\t${names.hostname}\n`
      : `${ip}\t${names.hostname}\n`;
  }
  return out + aliasEntries(aliases);
}

/** The hosts file of a host-network pod: the node's file with the pod's aliases appended. */
export function hostNetworkHostsFile(nodeHosts: string, aliases?: HostAlias[]): string {
  return '# Kubernetes-managed hosts file (host network).\n' + nodeHosts + aliasEntries(aliases);
}

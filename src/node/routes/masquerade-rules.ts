/**
 * Which pod traffic the node masquerades, and the two kernel renderings of
 * that rule set (pure, so both are tested without a kernel).
 *
 * The Kubernetes network model: pods see each other's real addresses, on
 * every node, so traffic between two addresses of the cluster CIDR is never
 * translated; traffic from a pod to anything else (the node LAN, the outside
 * world) leaves with the node's address, because nothing beyond the nodes
 * routes pod CIDRs back (flannel's ip-masq rules, the bridge plugin's
 * `ipMasq` without its per-pod chains). Service addresses are exempt: they
 * are kube-proxy's, which DNATs them before postrouting and masquerades what
 * it must itself. Multicast is exempt as in the bridge plugin.
 *
 * Only IPv4: the table is an `ip` family table and the chain lives in
 * iptables (not ip6tables); IPv6 CIDRs are reported back as ignored.
 */

/** The nftables table (family `ip`) that holds the masquerade chain. */
export const masqTable = 'kubets-masq';
/** The base chain in `masqTable`. */
export const masqNftChain = 'postrouting';
/** The iptables nat chain, jumped to from POSTROUTING. */
export const masqIptChain = 'KUBETS-POD-MASQ';
/** Marks the POSTROUTING jump, so finding and deleting it needs no other knowledge. */
export const masqHookComment = 'kubets pod masquerade';

const multicast = '224.0.0.0/4';

export interface MasqueradeRules {
  /** Pod sources that are masqueraded (canonical IPv4 CIDRs). */
  sources: string[];
  /** Destinations never masqueraded: the cluster CIDRs, the service CIDRs, multicast. */
  exempt: string[];
  /** IPv6 CIDRs given but not handled. */
  ignored: string[];
}

function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

const formatIPv4 = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/**
 * `10.42.0.0/16` as the kernel tools print it: host bits cleared (a config
 * value with host bits set means the network it lies in, as upstream's
 * ParseCIDR does); throws for anything that is not an IPv4 CIDR.
 */
export function canonicalIPv4CIDR(cidr: string): string {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  const addr = m ? parseIPv4(m[1]!) : undefined;
  const bits = m ? Number(m[2]) : NaN;
  if (addr === undefined || !(bits >= 0 && bits <= 32)) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(cidr)}`);
  const size = 2 ** (32 - bits);
  return `${formatIPv4(Math.floor(addr / size) * size)}/${bits}`;
}

/** Splits comma-separated lists (dual-stack flags), trims, drops empties. */
function cidrList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** The rule set for the given cluster (pod) and service CIDRs; throws on a malformed IPv4 CIDR. */
export function masqueradeRules(clusterCIDRs: readonly string[], serviceCIDRs: readonly string[]): MasqueradeRules {
  const ignored: string[] = [];
  const v4 = (list: readonly string[]) => {
    const out: string[] = [];
    for (const c of cidrList(list)) {
      if (c.includes(':')) ignored.push(c);
      else {
        const canon = canonicalIPv4CIDR(c);
        if (!out.includes(canon)) out.push(canon);
      }
    }
    return out;
  };
  const sources = v4(clusterCIDRs);
  const services = v4(serviceCIDRs);
  const exempt = [...sources, ...services.filter((s) => !sources.includes(s))];
  if (!exempt.includes(multicast)) exempt.push(multicast);
  return { sources, exempt, ignored };
}

/**
 * An `nft -f -` script that (re)creates the table in one transaction: the
 * `add` + `delete` pair makes it work whether or not the table exists, and
 * the kernel swaps old for new atomically, so there is no instant without
 * masquerading. With no sources, the script only removes the table.
 */
export function renderNftMasquerade(r: MasqueradeRules): string {
  const lines = [`add table ip ${masqTable}`, `delete table ip ${masqTable}`];
  if (r.sources.length > 0) {
    lines.push(
      `table ip ${masqTable} {`,
      `\tchain ${masqNftChain} {`,
      // srcnat priority (100), numeric for nft releases without priority names.
      `\t\ttype nat hook postrouting priority 100; policy accept;`,
      ...r.exempt.map((d) => `\t\tip daddr ${d} return`),
      ...r.sources.map((s) => `\t\tip saddr ${s} masquerade`),
      `\t}`,
      `}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The chain's rules, in iptables-save form (what `-S`/iptables-save prints back, comments quoted). */
export function iptablesChainRules(r: MasqueradeRules): string[] {
  return [
    ...r.exempt.map((d) => `-A ${masqIptChain} -d ${d} -j RETURN`),
    ...r.sources.map((s) => `-A ${masqIptChain} -s ${s} -j MASQUERADE`),
  ];
}

/** The POSTROUTING rule that sends packets through our chain (without `-A`/`-D`). */
export const iptablesHookRule = `POSTROUTING -m comment --comment "${masqHookComment}" -j ${masqIptChain}`;

/**
 * `iptables-restore --noflush` input that rewrites our chain (declaring a
 * chain flushes it) and, when `hookPresent` is false, appends the jump from
 * POSTROUTING — appended, so rules others put there first keep precedence.
 */
export function renderIptablesMasquerade(r: MasqueradeRules, hookPresent: boolean): string {
  const lines = ['*nat', `:${masqIptChain} - [0:0]`, ...iptablesChainRules(r)];
  if (!hookPresent) lines.push(`-A ${iptablesHookRule}`);
  lines.push('COMMIT');
  return `${lines.join('\n')}\n`;
}

/**
 * `iptables-restore --noflush` input that removes the chain and the given
 * hook rules (as iptables-save printed them, `-A POSTROUTING ...`); one
 * transaction, so the chain is never left referenced.
 */
export function renderIptablesRemoval(hookLines: readonly string[]): string {
  return (
    [
      '*nat',
      ...hookLines.map((l) => l.replace(/^-A /, '-D ')),
      `:${masqIptChain} - [0:0]`,
      `-X ${masqIptChain}`,
      'COMMIT',
    ].join('\n') + '\n'
  );
}

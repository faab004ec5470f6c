/**
 * Which kernel routes a node needs to reach the pods of the other nodes
 * (flannel's host-gw backend, the route controller of a cloud provider whose
 * nodes share one L2 segment): for every other Node with a pod CIDR and an
 * InternalIP of the same family, `podCIDR via InternalIP`. Pure: the Node
 * objects in, the routes (and the reasons a Node got none) out, so the rules
 * are tested without a kernel.
 */
import { isIP } from 'node:net';
import type { Node } from 'kubernetes-types/core/v1.js';

export interface PodRoute {
  /** The other node's pod CIDR, canonical as the kernel prints it (`10.42.1.0/24`). */
  dst: string;
  /** That node's InternalIP of the same family. */
  via: string;
  family: 4 | 6;
  /** The Node the route leads to (for logs). */
  node: string;
}

export interface SkippedNode {
  node: string;
  reason: string;
}

export interface RouteSelf {
  nodeName: string;
  /** This node's own addresses: a route through one of them would loop. */
  nodeIPs: readonly string[];
}

export const familyOf = (cidrOrIP: string): 4 | 6 => (cidrOrIP.includes(':') ? 6 : 4);

/**
 * The form `ip route` prints a destination in: lower case, and a single host
 * without its `/32` or `/128`, so kernel and API views compare as strings.
 */
export function canonicalDst(dst: string): string {
  const d = dst.trim().toLowerCase();
  const slash = d.indexOf('/');
  if (slash < 0) return d;
  const bits = d.slice(slash + 1);
  const host = familyOf(d) === 4 ? '32' : '128';
  return bits === host ? d.slice(0, slash) : d;
}

function isLoopback(ip: string): boolean {
  return familyOf(ip) === 4 ? ip.startsWith('127.') : ip === '::1';
}

/** A pod CIDR an API object may carry: an address with a prefix length. */
function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const bits = Number(s.slice(slash + 1));
  const family = isIP(s.slice(0, slash));
  return family !== 0 && Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

export function podCIDRsOf(node: Node): string[] {
  const list = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  return [...new Set(list)];
}

export function internalIPsOf(node: Node): string[] {
  return (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
}

/**
 * Routes for every Node but `self`, sorted by destination. Nodes are taken
 * in name order, so when two Nodes claim the same pod CIDR (a stale object)
 * the choice is stable and the other is reported as skipped.
 */
export function desiredPodRoutes(
  nodes: Iterable<Node>,
  self: RouteSelf,
): { routes: PodRoute[]; skipped: SkippedNode[] } {
  const all = [...nodes].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const own = new Set(
    podCIDRsOf(all.find((n) => n.metadata?.name === self.nodeName) ?? {}).map((c) => canonicalDst(c)),
  );
  const ownIPs = new Set(self.nodeIPs);
  const byDst = new Map<string, PodRoute>();
  const skipped: SkippedNode[] = [];
  for (const n of all) {
    const name = n.metadata?.name ?? '';
    if (name === self.nodeName) continue;
    const ips = internalIPsOf(n);
    for (const cidr of podCIDRsOf(n)) {
      const skip = (reason: string) => skipped.push({ node: name, reason: `${cidr}: ${reason}` });
      if (!isCIDR(cidr)) {
        skip('not a CIDR');
        continue;
      }
      const dst = canonicalDst(cidr);
      const family = familyOf(cidr);
      const via = ips.find((ip) => isIP(ip) === family);
      if (!via) skip(`no IPv${family} InternalIP`);
      else if (isLoopback(via) || ownIPs.has(via)) skip(`its InternalIP ${via} is this node's`);
      else if (own.has(dst)) skip("it is this node's own pod CIDR");
      else if (byDst.has(dst)) skip(`also claimed by node ${byDst.get(dst)!.node}`);
      else byDst.set(dst, { dst, via, family, node: name });
    }
  }
  const routes = [...byDst.values()].sort((a, b) => a.dst.localeCompare(b.dst));
  return { routes, skipped };
}

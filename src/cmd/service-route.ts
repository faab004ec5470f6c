/**
 * The host route that keeps traffic to the service CIDR on this machine
 * (DESIGN.md §5): a packet to a service address that no kube-proxy rule
 * translates must fail here rather than follow the default route off the
 * machine, which is where it would go with no route at all.
 *
 * Tests in network namespaces add an `unreachable` route, which is the literal
 * rule; on a live node that type would also refuse the host's own connections
 * to ClusterIPs, because a local connect() consults the route before the
 * output hook's DNAT. So kubets routes the CIDR into the loopback device
 * instead (`dev lo src <nodeIP>`): translated packets are re-routed after
 * DNAT as usual, untranslated ones are dropped locally — nothing leaves the
 * machine either way. The route carries kubets' own protocol number, so
 * removal touches only what kubets added; an existing route for the same
 * prefix (say a test's `unreachable` one) is left alone and reused.
 */
import { spawnSync } from 'node:child_process';

/** The rtnetlink protocol number marking routes kubets added (free in iproute2's rt_protos). */
export const kubetsRouteProto = 252;

export interface ServiceRoute {
  /** True when kubets added the route (and remove() will delete it). */
  readonly added: boolean;
  remove(): void;
}

type Run = (args: string[]) => { status: number | null; stdout: string; stderr: string };

const runIp: Run = (args) => {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
};

/** Ensures a route for `cidr` exists; adds the loopback route when there is none. */
export function ensureServiceCIDRRoute(cidr: string, nodeIP: string, run: Run = runIp): ServiceRoute {
  const existing = run(['-4', 'route', 'show', 'exact', cidr, 'table', 'all']);
  if (existing.status === 0 && existing.stdout.trim() !== '') {
    return { added: false, remove: () => {} };
  }
  const r = run(['-4', 'route', 'add', cidr, 'dev', 'lo', 'src', nodeIP, 'proto', String(kubetsRouteProto)]);
  if (r.status !== 0) {
    throw new Error(`cannot add the service CIDR route ${cidr} (ip route: ${r.stderr.trim()})`);
  }
  return {
    added: true,
    remove: () => {
      run(['-4', 'route', 'del', cidr, 'dev', 'lo', 'proto', String(kubetsRouteProto)]);
    },
  };
}

/** Removes every route kubets added (uninstall); returns the ones removed, as `ip route` prints them. */
export function removeKubetsRoutes(run: Run = runIp): string[] {
  const list = run(['-4', 'route', 'show', 'proto', String(kubetsRouteProto), 'table', 'all']);
  if (list.status !== 0) return [];
  const removed: string[] = [];
  for (const line of list.stdout.split('\n').map((l) => l.trim())) {
    if (!line) continue;
    const dest = line.split(/\s+/)[0]!;
    const del = run(['-4', 'route', 'del', dest, 'proto', String(kubetsRouteProto)]);
    if (del.status === 0) removed.push(line);
  }
  return removed;
}

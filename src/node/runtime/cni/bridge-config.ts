/**
 * The pod network CNI config the kubelet writes for containerd: a conflist of
 * `bridge` (a Linux bridge on the node, the pod's gateway) with `host-local` IPAM
 * over the node's pod CIDR and `portmap` (hostPort). No `loopback` plugin: CRI
 * runtimes bring `lo` up through a network of their own (containerd's built-in
 * `cni-loopback`, go-cni WithLoNetwork), so one in the chain only ran the plugin
 * a second time on every sandbox setup and teardown. containerd loads the first
 * config in its conf_dir (max_conf_num = 1) and reloads when it changes, so the
 * file is written atomically (temp file + rename).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BridgeCniOptions {
  /** The node's pod CIDR, e.g. `10.42.0.0/24`. */
  podCIDR: string;
  /** The bridge device (at most 15 characters), e.g. `cni0`. */
  bridgeName: string;
  /** The bridge's address and the pods' default gateway; default: first host address of podCIDR. */
  gateway?: string;
  /** The CNI network name; default `kubets`. */
  networkName?: string;
  /** Where host-local records allocations; default CNI's `/var/lib/cni/networks`. */
  ipamDataDir?: string;
  /**
   * Masquerade traffic leaving the pod CIDR (per-pod iptables chains); default true. The
   * node agent turns it off and masquerades once per node instead (src/node/routes
   * pod-masquerade.ts), since this also masquerades pod traffic to other nodes' pods.
   */
  ipMasq?: boolean;
  /** Let a pod reach itself through a Service (hairpin mode on bridge ports); default true. */
  hairpinMode?: boolean;
  mtu?: number;
  /** File name in `dir`; default `10-kubets.conflist` (sorts first). */
  fileName?: string;
}

function parseIPv4(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`invalid IPv4 address ${JSON.stringify(s)}`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Network address, prefix length, and first/last usable host of an IPv4 CIDR. */
export function parseIPv4CIDR(cidr: string): { network: string; prefix: number; first: string; last: string } {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || Number(m[2]) > 30) throw new Error(`invalid IPv4 pod CIDR ${JSON.stringify(cidr)} (need /30 or larger)`);
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(parseIPv4(m[1]) / size) * size;
  if (network !== parseIPv4(m[1])) throw new Error(`pod CIDR ${cidr} has host bits set`);
  return { network: formatIPv4(network), prefix, first: formatIPv4(network + 1), last: formatIPv4(network + size - 2) };
}

/** The conflist document (an object, for inspection and tests). */
export function bridgeCniConfig(opts: BridgeCniOptions): Record<string, unknown> {
  if (!/^[\w.-]{1,15}$/.test(opts.bridgeName)) {
    throw new Error(`invalid bridge name ${JSON.stringify(opts.bridgeName)}: 1-15 of [A-Za-z0-9_.-]`);
  }
  const net = parseIPv4CIDR(opts.podCIDR);
  const gateway = opts.gateway ?? net.first;
  const gw = parseIPv4(gateway);
  if (gw < parseIPv4(net.first) || gw > parseIPv4(net.last)) {
    throw new Error(`gateway ${gateway} is not a host address of ${opts.podCIDR}`);
  }
  const ipam: Record<string, unknown> = {
    type: 'host-local',
    ranges: [[{ subnet: `${net.network}/${net.prefix}`, gateway }]],
    routes: [{ dst: '0.0.0.0/0' }],
  };
  if (opts.ipamDataDir) ipam.dataDir = opts.ipamDataDir;
  return {
    cniVersion: '1.0.0',
    name: opts.networkName ?? 'kubets',
    plugins: [
      {
        type: 'bridge',
        bridge: opts.bridgeName,
        isGateway: true,
        ipMasq: opts.ipMasq ?? true,
        hairpinMode: opts.hairpinMode ?? true,
        ...(opts.mtu ? { mtu: opts.mtu } : {}),
        ipam,
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/** Writes the conflist into `dir` (created if missing) and returns its path. */
export function writeBridgeCniConfig(dir: string, opts: BridgeCniOptions): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, opts.fileName ?? '10-kubets.conflist');
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(bridgeCniConfig(opts), null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}

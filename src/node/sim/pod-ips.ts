/** IPv4 CIDR as (network address, size). */
export function parseCIDR4(cidr: string): { base: number; size: number } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) return undefined;
  const addr = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const size = 2 ** (32 - bits);
  return { base: addr - (addr % size), size };
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * The fallback /24 for node `index` inside a /16 (`10.42.0.0/16` -> node 3
 * gets `10.42.3.0/24`), used until node IPAM assigns `spec.podCIDR`.
 */
export function fallbackPodCIDR(clusterCIDR: string, index: number): string {
  const c = parseCIDR4(clusterCIDR) ?? parseCIDR4('10.42.0.0/16')!;
  const subnets = Math.max(1, Math.floor(c.size / 256));
  return `${formatIPv4(c.base + (index % subnets) * 256)}/24`;
}

/**
 * Pod IPs of one node, from its pod CIDR (`.2` upwards; `.1` is the
 * gateway). A pod keeps its address until released; when the range is
 * exhausted addresses repeat (a simulation, nothing routes them).
 */
export class PodIPAllocator {
  private range: { base: number; size: number };
  private readonly byPod = new Map<string, string>();
  private readonly inUse = new Set<number>();
  private next = 2;

  constructor(cidr: string) {
    this.range = parseCIDR4(cidr) ?? parseCIDR4('10.42.0.0/24')!;
  }

  /** Switches to the CIDR node IPAM assigned; existing pods keep their addresses. */
  setCIDR(cidr: string): void {
    const r = parseCIDR4(cidr);
    if (!r || (r.base === this.range.base && r.size === this.range.size)) return;
    this.range = r;
    this.inUse.clear();
    this.next = 2;
  }

  allocate(podUid: string): string {
    const have = this.byPod.get(podUid);
    if (have) return have;
    const last = this.range.size - 2;
    let off = this.next;
    for (let tries = 0; tries < last - 1 && this.inUse.has(off); tries++) off = off >= last ? 2 : off + 1;
    this.inUse.add(off);
    this.next = off >= last ? 2 : off + 1;
    const ip = formatIPv4(this.range.base + off);
    this.byPod.set(podUid, ip);
    return ip;
  }

  release(podUid: string): void {
    const ip = this.byPod.get(podUid);
    if (!ip) return;
    this.byPod.delete(podUid);
    const parts = ip.split('.').map(Number);
    const n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
    if (n >= this.range.base && n < this.range.base + this.range.size) this.inUse.delete(n - this.range.base);
  }
}

import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Small IP helpers. The kernel proxiers are single-stack IPv4 (like one half
 * of upstream's dual-stack MetaProxier); addresses of the other family are
 * filtered out where Services and EndpointSlices are read.
 */
export type IPFamily = 'IPv4' | 'IPv6';

export function familyOf(ip: string): IPFamily | undefined {
  if (isIPv4(ip)) return 'IPv4';
  if (isIPv6(ip)) return 'IPv6';
  return undefined;
}

export interface Cidr {
  address: string;
  prefix: number;
  family: IPFamily;
}

/** Parses `a.b.c.d/n` (or an IPv6 CIDR); undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const s = text.trim();
  const slash = s.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const address = s.slice(0, slash);
  const prefixText = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const family = familyOf(address);
  if (!family || prefix > (family === 'IPv4' ? 32 : 128)) return undefined;
  return { address, prefix, family };
}

/** Membership test for a list of CIDRs of one family (backed by node's BlockList). */
export class CidrSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(cidrs: readonly string[]) {
    let n = 0;
    for (const text of cidrs) {
      const c = parseCidr(text);
      if (!c) continue;
      this.list.addSubnet(c.address, c.prefix, c.family === 'IPv4' ? 'ipv4' : 'ipv6');
      n++;
    }
    this.size = n;
  }

  contains(ip: string): boolean {
    const family = familyOf(ip);
    if (!family) return false;
    return this.list.check(ip, family === 'IPv4' ? 'ipv4' : 'ipv6');
  }
}

/** The network address of a CIDR in canonical `a.b.c.d/n` form (nft rejects host bits in prefixes). */
export function canonicalIPv4Cidr(text: string): string | undefined {
  const c = parseCidr(text);
  if (!c || c.family !== 'IPv4') return undefined;
  const parts = c.address.split('.').map(Number);
  let n = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
  n = (n & mask) >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${c.prefix}`;
}

export function isLoopbackIPv4(ip: string): boolean {
  return ip.startsWith('127.');
}

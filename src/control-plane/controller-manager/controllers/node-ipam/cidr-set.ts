/** A parsed CIDR: network address as a bigint, address width (32/128) and prefix length. */
export interface Cidr {
  base: bigint;
  bits: 32 | 128;
  prefix: number;
}

export const noCIDRsRemaining =
  'CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range';

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseIPv6(s: string): bigint | undefined {
  if (!s.includes(':')) return undefined;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 tail is two 16-bit groups.
    const v4 = parseIPv4(tail);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words = [...head, ...Array<string>(8 - total).fill('0'), ...rest].map((g) => BigInt(parseInt(g, 16)));
  return words.reduce((acc, w) => (acc << 16n) | w, 0n);
}

/** Parses `a.b.c.d/n` or `x::/n`, masking host bits as Go's net.ParseCIDR does. */
export function parseCidr(s: string): Cidr {
  const [ip, len, extra] = s.trim().split('/');
  const v4 = parseIPv4(ip ?? '');
  const v = v4 ?? parseIPv6(ip ?? '');
  const bits = v4 !== undefined ? 32 : 128;
  const prefix = Number(len);
  if (v === undefined || extra !== undefined || !/^[0-9]+$/.test(len ?? '') || prefix > bits)
    throw new Error(`invalid CIDR address: ${s}`);
  const hostBits = BigInt(bits - prefix);
  return { base: (v >> hostBits) << hostBits, bits, prefix };
}

export function formatIP(v: bigint, bits: 32 | 128): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const words = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt((7 - i) * 16)) & 0xffffn));
  // Longest run of zero words (two or more) becomes `::`, as Go prints.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

export function formatCidr(c: Cidr): string {
  return `${formatIP(c.base, c.bits)}/${c.prefix}`;
}

/** Whether two CIDRs of one family overlap. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.bits !== b.bits) return false;
  const p = BigInt(a.bits - Math.min(a.prefix, b.prefix));
  return a.base >> p === b.base >> p;
}

/** Upstream limits a cluster CIDR to 2^16 node subnets. */
const maxSubnetBits = 16;

/**
 * The node subnets of one cluster CIDR (upstream `cidrset.CidrSet`): a bitmap
 * of `2^(maskSize - prefix)` subnets, allocated round-robin from the last
 * allocation so a released subnet is not handed out again at once.
 */
export class CidrSet {
  readonly cluster: Cidr;
  readonly maxCIDRs: number;
  private readonly used: Uint8Array;
  private nextCandidate = 0;
  private allocated = 0;

  constructor(
    cidr: string,
    readonly maskSize: number,
  ) {
    this.cluster = parseCidr(cidr);
    if (maskSize < this.cluster.prefix || maskSize > this.cluster.bits)
      throw new Error(`invalid node CIDR mask size ${maskSize} for cluster CIDR ${cidr}`);
    if (maskSize - this.cluster.prefix > maxSubnetBits)
      throw new Error(
        `CIDRSet: mask size ${maskSize} for CIDR ${cidr} is too big: the difference to the cluster mask must be at most ${maxSubnetBits}`,
      );
    this.maxCIDRs = 2 ** (maskSize - this.cluster.prefix);
    this.used = new Uint8Array(this.maxCIDRs);
  }

  get family(): 'IPv4' | 'IPv6' {
    return this.cluster.bits === 32 ? 'IPv4' : 'IPv6';
  }

  get free(): number {
    return this.maxCIDRs - this.allocated;
  }

  private subnet(i: number): string {
    const shift = BigInt(this.cluster.bits - this.maskSize);
    return formatCidr({
      base: this.cluster.base + (BigInt(i) << shift),
      bits: this.cluster.bits,
      prefix: this.maskSize,
    });
  }

  /** The next free subnet; throws `noCIDRsRemaining` when none is left. */
  allocateNext(): string {
    for (let n = 0; n < this.maxCIDRs; n++) {
      const i = (this.nextCandidate + n) % this.maxCIDRs;
      if (this.used[i]) continue;
      this.used[i] = 1;
      this.allocated++;
      this.nextCandidate = (i + 1) % this.maxCIDRs;
      return this.subnet(i);
    }
    throw new Error(noCIDRsRemaining);
  }

  /** Subnet indices a CIDR covers (clamped to the cluster range); throws when outside it. */
  private indices(cidr: string): [number, number] {
    const c = parseCidr(cidr);
    if (!overlaps(c, this.cluster))
      throw new Error(`cidr ${cidr} is out the range of cluster cidr ${formatCidr(this.cluster)}`);
    const shift = BigInt(this.cluster.bits - this.maskSize);
    const size = 1n << BigInt(this.cluster.bits - this.cluster.prefix);
    const first = c.base > this.cluster.base ? c.base - this.cluster.base : 0n;
    const lastIP = c.base + (1n << BigInt(c.bits - c.prefix)) - 1n - this.cluster.base;
    const last = lastIP < size ? lastIP : size - 1n;
    return [Number(first >> shift), Number(last >> shift)];
  }

  /** Marks every subnet the CIDR covers as used (recovery from existing nodes, the service range). */
  occupy(cidr: string): void {
    const [a, b] = this.indices(cidr);
    for (let i = a; i <= b; i++) {
      if (!this.used[i]) this.allocated++;
      this.used[i] = 1;
    }
  }

  release(cidr: string): void {
    const [a, b] = this.indices(cidr);
    for (let i = a; i <= b; i++) {
      if (this.used[i]) this.allocated--;
      this.used[i] = 0;
    }
  }

  isUsed(cidr: string): boolean {
    const [a, b] = this.indices(cidr);
    for (let i = a; i <= b; i++) if (!this.used[i]) return false;
    return true;
  }
}

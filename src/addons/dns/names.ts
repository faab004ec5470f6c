/**
 * Domain-name and address helpers for cluster DNS. Names are compared
 * case-insensitively (DNS, and the Kubernetes DNS specification §2.1), so the
 * index and the resolver work on `normalizeName` forms: lower case, no
 * trailing dot. Addresses are kept in one canonical text form (RFC 5952 for
 * IPv6) so an address read from a reverse name finds the same index entry as
 * the address written in an API object.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Lower case without the trailing dot: `Foo.Bar.` -> `foo.bar`; the root is ``. */
export function normalizeName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** The labels of a normalized name (`` has none). */
export function labelsOf(name: string): string[] {
  return name === '' ? [] : name.split('.');
}

/**
 * Whether `name` is `zone` or below it (both normalized); returns the part
 * left of the zone (`` for the apex), or undefined when outside.
 */
export function relativeTo(name: string, zone: string): string | undefined {
  if (zone === '') return name;
  if (name === zone) return '';
  if (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.') {
    return name.slice(0, name.length - zone.length - 1);
  }
  return undefined;
}

function parseIPv6Groups(ip: string): number[] | undefined {
  let s = ip;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    // An embedded IPv4 tail (`::ffff:1.2.3.4`) is two groups written in dotted form.
    const v4 = s.slice(lastColon + 1);
    if (!isIPv4(v4)) return undefined;
    const o = v4.split('.').map(Number);
    s = `${s.slice(0, lastColon + 1)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const part = (p: string) =>
    p === '' ? [] : p.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  const head = part(halves[0]!);
  const rest = halves.length === 2 ? part(halves[1]!) : [];
  const fixed = head.length + rest.length;
  if (halves.length === 1 && fixed !== 8) return undefined;
  if (halves.length === 2 && fixed > 7) return undefined;
  const zeros = halves.length === 2 ? new Array<number>(8 - fixed).fill(0) : [];
  const groups = [...head, ...zeros, ...rest];
  return groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}

/** The 8 16-bit groups of a valid IPv6 address, or undefined. */
export function ipv6Groups(ip: string): number[] | undefined {
  if (!isIPv6(ip)) return undefined;
  return parseIPv6Groups(ip);
}

/** RFC 5952 text for 8 groups: lower-case hex, the longest run (>= 2) of zero groups as `::`. */
export function formatIPv6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The canonical text of an IP address (IPv4 dotted quad, IPv6 per RFC 5952), or undefined when invalid. */
export function canonicalIP(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  const g = ipv6Groups(ip);
  return g ? formatIPv6(g) : undefined;
}

export type IPFamily = 4 | 6;

export function ipFamily(ip: string): IPFamily | undefined {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  return undefined;
}

/** `10.0.0.1` -> `1.0.0.10.in-addr.arpa`; IPv6 -> 32 nibbles under `ip6.arpa` (normalized form). */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const g = ipv6Groups(ip);
  if (!g) throw new Error(`not an IP address: ${ip}`);
  const nibbles = g.map((x) => x.toString(16).padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa`;
}

export const reverseZones = ['in-addr.arpa', 'ip6.arpa'] as const;

/**
 * The canonical address a full reverse name stands for, or undefined when the
 * name is not a complete one (`1.0.0.10.in-addr.arpa` -> `10.0.0.1`; a partial
 * name such as `0.10.in-addr.arpa` names a network, not an address).
 */
export function addressFromReverse(name: string): string | undefined {
  const v4 = relativeTo(name, 'in-addr.arpa');
  if (v4 !== undefined) {
    const octets = labelsOf(v4);
    if (octets.length !== 4 || !octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)) {
      return undefined;
    }
    return octets.reverse().join('.');
  }
  const v6 = relativeTo(name, 'ip6.arpa');
  if (v6 !== undefined) {
    const nibbles = labelsOf(v6);
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(i * 4, i * 4 + 4), 16));
    return formatIPv6(groups);
  }
  return undefined;
}

/**
 * The address a pod-record label encodes (CoreDNS `pods insecure`): three
 * dashes and no `--` read as IPv4 (`10-42-0-5`), anything else with dashes as
 * colons for IPv6 (`fd00--5`). Undefined when the result is not an address.
 */
export function addressFromPodLabel(label: string): string | undefined {
  const dashes = label.split('-').length - 1;
  const text = dashes === 3 && !label.includes('--') ? label.replaceAll('-', '.') : label.replaceAll('-', ':');
  return canonicalIP(text);
}

/** The dashed form of an address used as an endpoint's hostname when it has none (`10.0.0.1` -> `10-0-0-1`). */
export function dashedAddress(ip: string): string {
  return ip.includes('.') ? ip.replaceAll('.', '-') : ip.replaceAll(':', '-');
}

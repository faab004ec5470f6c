import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { badRequest } from '../../../api/errors/status-error.js';

/**
 * Which addresses the API server may dial for `pods/proxy` and `nodes/proxy`.
 * Upstream refuses anything that is not a global unicast address (loopback,
 * link-local such as cloud metadata at 169.254.169.254, multicast,
 * unspecified), so a user who can write pod or node status cannot make the
 * API server reach its own loopback services.
 */
export interface ProxyAddressPolicy {
  /**
   * Also allow loopback addresses (127.0.0.0/8, ::1). Off by default as
   * upstream; tests and single-machine development clusters whose pods or
   * kubelet listen on loopback turn it on.
   */
  allowLoopback?: boolean;
}

const policies = new WeakMap<object, ProxyAddressPolicy>();

/** Sets the proxy address policy of one API server instance (composition roots and tests). */
export function setProxyAddressPolicy(server: object, policy: ProxyAddressPolicy): void {
  policies.set(server, { ...policy });
}

export function proxyAddressPolicy(server: object): ProxyAddressPolicy {
  return policies.get(server) ?? {};
}

function ipv4Octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** Expands an IPv6 address to its eight 16-bit groups (IPv4-mapped tails included). */
function ipv6Groups(ip: string): number[] {
  let s = ip.split('%')[0]!.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const o = ipv4Octets(v4[1]!);
    s = s.slice(0, -v4[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

function isLoopback(ip: string): boolean {
  if (isIP(ip) === 4) return ipv4Octets(ip)[0] === 127;
  const g = ipv6Groups(ip);
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return true;
  // IPv4-mapped loopback (::ffff:127.x.y.z).
  return g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff && g[6]! >> 8 === 127;
}

/**
 * Go's `net.IP.IsGlobalUnicast`: not unspecified, loopback, link-local,
 * multicast or the IPv4 limited broadcast address. Private ranges are global unicast.
 */
export function isGlobalUnicast(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) {
    const [a, b, c, d] = ipv4Octets(ip) as [number, number, number, number];
    if (a === 0 && b === 0 && c === 0 && d === 0) return false;
    if (a === 255 && b === 255 && c === 255 && d === 255) return false;
    if (a === 127 || a >= 224 || (a === 169 && b === 254)) return false;
    return true;
  }
  if (family !== 6) return false;
  const g = ipv6Groups(ip);
  if (g.length !== 8 || g.some((x) => Number.isNaN(x))) return false;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return isGlobalUnicast(`${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`);
  }
  if (g.every((x) => x === 0) || isLoopback(ip)) return false;
  if ((g[0]! & 0xff00) === 0xff00) return false; // multicast
  if ((g[0]! & 0xffc0) === 0xfe80) return false; // link-local
  return true;
}

/** True when `ip` is an IP address the policy lets the proxy dial. */
export function addressAllowed(ip: string, policy: ProxyAddressPolicy): boolean {
  if (isIP(ip) === 0) return false;
  if (isGlobalUnicast(ip)) return true;
  return !!policy.allowLoopback && isLoopback(ip);
}

/**
 * Upstream `isProxyableHostname` for node proxy: every address the host name
 * resolves to must be allowed; otherwise 400 "address not allowed".
 */
export async function checkProxyableHost(host: string, policy: ProxyAddressPolicy): Promise<void> {
  let addrs: string[];
  if (isIP(host)) addrs = [host];
  else {
    try {
      addrs = (await lookup(host, { all: true })).map((a) => a.address);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
  }
  if (addrs.length === 0) throw badRequest('no addresses for hostname');
  if (!addrs.every((a) => addressAllowed(a, policy))) throw badRequest('address not allowed');
}

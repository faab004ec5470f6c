import { createHash } from 'node:crypto';
import type { EndpointInfo, ServicePortInfo } from './types.js';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (no padding) of sha256(text): how upstream makes chain names unique but stable. */
export function hashBase32(text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/** `ns/name:port` as upstream prints a ServicePortName. */
export function servicePortName(sp: ServicePortInfo): string {
  return `${sp.namespace}/${sp.name}:${sp.portName}`;
}

// nftables: names may hold [A-Za-z0-9_./-] and are at most 256 bytes; Kubernetes names never
// contain "/", so it separates the parts, and every per-service object name contains one.
const nftNameMax = 256 - 16;

function nftBase(name: string): string {
  const full = `${hashBase32(name).slice(0, 8)}-${name}`;
  return full.length > nftNameMax ? `${full.slice(0, nftNameMax - 3)}...` : full;
}

/** `HASH-ns/name/proto/port` (upstream servicePortChainNameBase). */
export function nftServiceBase(sp: ServicePortInfo): string {
  return nftBase(`${sp.namespace}/${sp.name}/${sp.protocol.toLowerCase()}/${sp.portName}`);
}

/** `HASH-ns/name/proto/port__ip/port` (upstream servicePortEndpointChainNameBase). */
export function nftEndpointBase(sp: ServicePortInfo, ep: EndpointInfo): string {
  const ip = ep.ip.replaceAll(':', '.');
  return nftBase(`${sp.namespace}/${sp.name}/${sp.protocol.toLowerCase()}/${sp.portName}__${ip}/${ep.port}`);
}

/** Per-service nft objects contain a "/", the fixed ones never do. */
export function isNftServiceObject(name: string): boolean {
  return name.includes('/');
}

// iptables: chain names are at most 28 characters; "KUBETS-SVC-" + 16 hash characters fits.
function iptHash(text: string): string {
  return hashBase32(text).slice(0, 16);
}

export function iptServiceHash(sp: ServicePortInfo): string {
  return iptHash(servicePortName(sp) + sp.protocol.toLowerCase());
}

export function iptEndpointChain(sp: ServicePortInfo, ep: EndpointInfo): string {
  return `KUBETS-SEP-${iptHash(servicePortName(sp) + sp.protocol.toLowerCase() + ep.addr)}`;
}

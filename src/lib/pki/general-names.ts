import { isIPv4, isIPv6 } from 'node:net';
import * as der from './der.js';

/**
 * subjectAltName GeneralNames (RFC 5280 §4.2.1.6) as certificates and
 * certificate requests carry them: dNSName [2], rfc822Name [1],
 * uniformResourceIdentifier [6] and iPAddress [7] (4 or 16 bytes).
 */
export interface AltNames {
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

export function encodeIP(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`invalid IP address ${JSON.stringify(ip)}`);
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text =
      text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = text.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Go's net.IP String(): dotted quad for 4 bytes and IPv4-mapped addresses, RFC 5952 text otherwise. */
export function decodeIP(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length !== 16) throw new Error(`invalid IP address length ${b.length}`);
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return [...b.subarray(12)].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  // Longest run (length >= 2) of zero groups becomes '::'.
  let best = -1;
  let bestLen = 0;
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
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The GeneralNames SEQUENCE, or undefined when there are no names. */
export function encodeAltNames(n: Partial<AltNames>): der.Der | undefined {
  const names = [
    ...(n.emailAddresses ?? []).map((e) => der.implicit(1, Buffer.from(e, 'ascii'))),
    ...(n.dnsNames ?? []).map((d) => der.implicit(2, Buffer.from(d, 'ascii'))),
    ...(n.uris ?? []).map((u) => der.implicit(6, Buffer.from(u, 'ascii'))),
    ...(n.ipAddresses ?? []).map((ip) => der.implicit(7, encodeIP(ip))),
  ];
  return names.length ? der.sequence(...names) : undefined;
}

/** Reads a GeneralNames SEQUENCE (the subjectAltName extension value); unknown name forms are skipped. */
export function decodeAltNames(value: Buffer): AltNames {
  const out: AltNames = { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  const seq = der.parse(value);
  if (seq.tag !== 0x30) throw new Error('x509: malformed subjectAltName');
  for (const n of seq.children ?? []) {
    const text = () => n.content.toString('latin1');
    switch (n.tag) {
      case 0x81:
        out.emailAddresses.push(text());
        break;
      case 0x82:
        out.dnsNames.push(text());
        break;
      case 0x86:
        out.uris.push(text());
        break;
      case 0x87:
        out.ipAddresses.push(decodeIP(n.content));
        break;
    }
  }
  return out;
}

/**
 * A minimal ASN.1 DER encoder and reader: enough to build X.509 certificates and
 * read PKCS#10 certificate requests without a third-party library. Values are
 * built bottom-up as byte arrays.
 */
export type Der = Buffer;

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Der {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

export const sequence = (...items: Der[]): Der => tlv(0x30, Buffer.concat(items));
export const set = (...items: Der[]): Der => tlv(0x31, Buffer.concat(items));
export const nullValue = (): Der => Buffer.from([0x05, 0x00]);
export const bool = (v: boolean): Der => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
export const octetString = (b: Buffer): Der => tlv(0x04, b);
export const utf8String = (s: string): Der => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printableString = (s: string): Der => tlv(0x13, Buffer.from(s, 'ascii'));
export const ia5String = (s: string): Der => tlv(0x16, Buffer.from(s, 'ascii'));
/** Context-specific constructed tag [n] (explicit). */
export const explicit = (n: number, inner: Der): Der => tlv(0xa0 | n, inner);
/** Context-specific primitive tag [n] (implicit), e.g. SAN dNSName [2], iPAddress [7]. */
export const implicit = (n: number, content: Buffer): Der => tlv(0x80 | n, content);

/** BIT STRING with no unused bits. */
export const bitString = (b: Buffer): Der => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));

/** Non-negative INTEGER from a big-endian magnitude. */
export function integer(v: Buffer | number | bigint): Der {
  let b: Buffer;
  if (Buffer.isBuffer(v)) b = v;
  else {
    let n = BigInt(v);
    if (n < 0n) throw new RangeError('negative integers are not supported');
    const bytes: number[] = [];
    do {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    } while (n > 0n);
    b = Buffer.from(bytes);
  }
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.subarray(i);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

export function oid(dotted: string): Der {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack: number[] = [];
    let v = p;
    do {
      stack.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < stack.length - 1; i++) stack[i]! |= 0x80;
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280). */
export function time(d: Date): Der {
  const iso = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const compact = iso.replace(/[-:T]/g, '');
  const year = d.getUTCFullYear();
  if (year < 2050) return tlv(0x17, Buffer.from(compact.slice(2), 'ascii'));
  return tlv(0x18, Buffer.from(compact, 'ascii'));
}

export interface Node {
  tag: number;
  /** The whole TLV. */
  raw: Buffer;
  /** The content bytes. */
  content: Buffer;
  children?: Node[];
}

/** Parses one DER value at `offset`; constructed values get `children`. Throws on malformed input. */
export function parse(buf: Buffer, offset = 0): Node & { end: number } {
  if (offset + 2 > buf.length) throw new Error('DER: truncated');
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > buf.length) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
    pos += n;
  }
  const end = pos + len;
  if (end > buf.length) throw new Error('DER: truncated value');
  const content = buf.subarray(pos, end);
  const node: Node & { end: number } = { tag, raw: buf.subarray(offset, end), content, end };
  if (tag & 0x20) {
    node.children = [];
    let p = 0;
    while (p < content.length) {
      const child = parse(content, p);
      node.children.push(child);
      p = child.end;
    }
  }
  return node;
}

export function readOid(node: Node): string {
  const b = node.content;
  if (node.tag !== 0x06 || b.length === 0) throw new Error('DER: not an OID');
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

export function readString(node: Node): string {
  return node.content.toString(node.tag === 0x0c ? 'utf8' : 'latin1');
}

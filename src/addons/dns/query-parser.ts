/**
 * Reads a DNS query off the wire: header, the single question (kept as raw
 * bytes too, so replies and forwarded queries echo it byte for byte, case
 * included, as 0x20-randomizing resolvers require), and the EDNS OPT record
 * if present. Malformed input is reported as a value saying how to reply.
 */
import { CLASS_IN, FLAG, RCODE, TYPE } from './records.js';
import { readName, skipName, WireFormatError } from './wire-names.js';

export interface Edns {
  /** The requestor's UDP payload size (RFC 6891 §6.2.3; below 512 means 512). */
  udpSize: number;
  version: number;
  /** DNSSEC OK. */
  do: boolean;
}

export interface Query {
  id: number;
  /** The header flags word as received (opcode, RD, CD...). */
  flags: number;
  /** The question name as presentation text in the requestor's spelling, no trailing dot. */
  qname: string;
  qtype: number;
  qclass: number;
  /** The question section (uncompressed name, type, class) as it goes into replies and forwarded queries. */
  question: Buffer;
  edns?: Edns;
}

export type ParseOutcome =
  | { ok: true; query: Query }
  /** Reply with `rcode` (no question echoed) — or drop when `id` is undefined (not even a header). */
  | { ok: false; id?: number; flags?: number; rcode: number; edns?: Edns; reason: string };

/** Opcode QUERY; anything else gets NOTIMP. */
const OPCODE_MASK = 0x7800;

export function parseQuery(buf: Buffer): ParseOutcome {
  if (buf.length < 12) return { ok: false, rcode: RCODE.FORMERR, reason: 'shorter than a header' };
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & FLAG.QR) return { ok: false, rcode: RCODE.FORMERR, reason: 'a response, not a query' };
  const fail = (rcode: number, reason: string, edns?: Edns): ParseOutcome => ({
    ok: false,
    id,
    flags,
    rcode,
    edns,
    reason,
  });
  if ((flags & OPCODE_MASK) !== 0) return fail(RCODE.NOTIMP, `opcode ${(flags & OPCODE_MASK) >> 11}`);
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  if (qd !== 1) return fail(RCODE.FORMERR, `${qd} questions`);
  try {
    const { name, end } = readName(buf, 12);
    if (end + 4 > buf.length) return fail(RCODE.FORMERR, 'truncated question');
    const qtype = buf.readUInt16BE(end);
    const qclass = buf.readUInt16BE(end + 2);
    const q: Query = {
      id,
      flags,
      qname: name,
      qtype,
      qclass,
      question: questionBytes(buf, end, qtype, qclass),
    };
    let off = end + 4;
    for (let i = 0; i < an + ns; i++) off = skipRecord(buf, off);
    for (let i = 0; i < ar; i++) {
      const nameEnd = skipName(buf, off);
      if (nameEnd + 10 > buf.length) throw new WireFormatError('truncated record');
      const type = buf.readUInt16BE(nameEnd);
      if (type === TYPE.OPT) {
        if (q.edns) return fail(RCODE.FORMERR, 'more than one OPT record');
        if (nameEnd !== off + 1 || buf[off] !== 0) return fail(RCODE.FORMERR, 'OPT owner is not the root');
        q.edns = {
          udpSize: buf.readUInt16BE(nameEnd + 2),
          version: buf[nameEnd + 5]!,
          do: (buf.readUInt16BE(nameEnd + 6) & 0x8000) !== 0,
        };
      }
      off = skipRecord(buf, off);
    }
    return { ok: true, query: q };
  } catch (err) {
    if (err instanceof WireFormatError) return fail(RCODE.FORMERR, err.message);
    throw err;
  }
}

function skipRecord(buf: Buffer, off: number): number {
  const nameEnd = skipName(buf, off);
  if (nameEnd + 10 > buf.length) throw new WireFormatError('truncated record');
  const end = nameEnd + 10 + buf.readUInt16BE(nameEnd + 8);
  if (end > buf.length) throw new WireFormatError('record data runs past the message');
  return end;
}

/** The question section with its name written out in full (a query may, oddly, compress it). */
function questionBytes(buf: Buffer, end: number, qtype: number, qclass: number): Buffer {
  const parts: Buffer[] = [];
  let pos = 12;
  let copied = true;
  for (;;) {
    const len = buf[pos]!;
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      copied = false;
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!;
      continue;
    }
    parts.push(buf.subarray(pos, pos + len + 1));
    pos += len + 1;
  }
  if (copied) return Buffer.from(buf.subarray(12, end + 4));
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(qtype, 1);
  tail.writeUInt16BE(qclass, 3);
  return Buffer.concat([...parts, tail]);
}

/** Whether the class is one cluster DNS answers (IN, or ANY as some stub resolvers send). */
export function isInternetClass(qclass: number): boolean {
  return qclass === CLASS_IN || qclass === 255;
}

/**
 * Upstream replies are relayed as the bytes the upstream sent (its name
 * compression and record types untouched), edited in place: the ID, the
 * flags, the question's spelling, TTLs aged by the time spent in the cache,
 * the OPT record swapped for ours, and record-boundary truncation. Pointers
 * in DNS messages point backwards, so cutting a message after any record
 * leaves the rest valid.
 */
import { FLAG, RCODE, TYPE } from './records.js';
import { skipName, WireFormatError } from './wire-names.js';

export interface RawRecord {
  /** 0 answer, 1 authority, 2 additional. */
  section: 0 | 1 | 2;
  start: number;
  end: number;
  type: number;
  ttl: number;
  ttlAt: number;
  rdataAt: number;
}

export interface ScannedMessage {
  id: number;
  flags: number;
  rcode: number;
  /** End of the question section. */
  questionEnd: number;
  records: RawRecord[];
}

/** Walks a message's sections; throws WireFormatError when it is malformed. */
export function scanMessage(buf: Buffer): ScannedMessage {
  if (buf.length < 12) throw new WireFormatError('shorter than a header');
  const flags = buf.readUInt16BE(2);
  const qd = buf.readUInt16BE(4);
  const counts = [buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  let off = 12;
  for (let i = 0; i < qd; i++) {
    off = skipName(buf, off) + 4;
    if (off > buf.length) throw new WireFormatError('truncated question');
  }
  const questionEnd = off;
  const records: RawRecord[] = [];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s]!; i++) {
      const nameEnd = skipName(buf, off);
      if (nameEnd + 10 > buf.length) throw new WireFormatError('truncated record');
      const end = nameEnd + 10 + buf.readUInt16BE(nameEnd + 8);
      if (end > buf.length) throw new WireFormatError('record data runs past the message');
      records.push({
        section: s as 0 | 1 | 2,
        start: off,
        end,
        type: buf.readUInt16BE(nameEnd),
        ttl: buf.readUInt32BE(nameEnd + 4),
        ttlAt: nameEnd + 4,
        rdataAt: nameEnd + 10,
      });
      off = end;
    }
  }
  return { id: buf.readUInt16BE(0), flags, rcode: flags & 0xf, questionEnd, records };
}

/**
 * The message without its OPT record (and any additional record after it,
 * which cannot be kept without rewriting pointers): replies carry our OPT,
 * or none when the query had none (RFC 6891 §7).
 */
export function stripOpt(buf: Buffer, msg: ScannedMessage): { buf: Buffer; msg: ScannedMessage } {
  const i = msg.records.findIndex((r) => r.type === TYPE.OPT);
  if (i < 0) return { buf, msg };
  const kept = msg.records.slice(0, i);
  const out = Buffer.from(buf.subarray(0, msg.records[i]!.start));
  out.writeUInt16BE(kept.filter((r) => r.section === 2).length, 10);
  return { buf: out, msg: { ...msg, records: kept } };
}

export interface CachePolicy {
  ttl: number;
  /** NXDOMAIN or NODATA (cached by the SOA's negative TTL, RFC 2308). */
  negative: boolean;
}

/**
 * How long a reply may be cached: a positive answer for its smallest answer
 * TTL, a negative one for min(SOA TTL, SOA minimum); undefined for replies not
 * to cache (errors, truncated, negative without an SOA, TTL 0).
 */
export function cachePolicy(buf: Buffer, msg: ScannedMessage): CachePolicy | undefined {
  if (msg.flags & FLAG.TC) return undefined;
  const answers = msg.records.filter((r) => r.section === 0);
  if (msg.rcode === RCODE.NOERROR && answers.length > 0) {
    const ttl = Math.min(...answers.map((r) => r.ttl));
    return ttl > 0 ? { ttl, negative: false } : undefined;
  }
  if (msg.rcode !== RCODE.NOERROR && msg.rcode !== RCODE.NXDOMAIN) return undefined;
  const soa = msg.records.find((r) => r.section === 1 && r.type === TYPE.SOA);
  if (!soa) return undefined;
  const minimumAt = skipName(buf, skipName(buf, soa.rdataAt)) + 16;
  if (minimumAt + 4 > soa.end) throw new WireFormatError('truncated SOA');
  const ttl = Math.min(soa.ttl, buf.readUInt32BE(minimumAt));
  return ttl > 0 ? { ttl, negative: true } : undefined;
}

export interface RelayOptions {
  id: number;
  /** Header flags for the reply except TC (set here when records are cut) and the rcode (kept). */
  flags: number;
  /** The requestor's question bytes (same name in another case fits the same space). */
  question: Buffer;
  /** Seconds the reply spent in the cache: every TTL is lowered by it. */
  ageSec: number;
  /** The cache's lifetime for the entry: no TTL is left above `capSec - ageSec`. */
  capSec?: number;
  /** Size limit (the requestor's UDP size, or 65535 over TCP). */
  limit: number;
  edns?: { udpSize: number; do: boolean };
}

/** A copy of an OPT-less message for one requestor (see RelayOptions). */
export function relay(base: Buffer, msg: ScannedMessage, o: RelayOptions): { bytes: Buffer; truncated: boolean } {
  const budget = Math.max(512, Math.min(o.limit, 65535)) - (o.edns ? 11 : 0);
  let keep = 0;
  while (keep < msg.records.length && msg.records[keep]!.end <= budget) keep++;
  const truncated = msg.records.slice(keep).some((r) => r.section < 2);
  const cut = keep > 0 ? msg.records[keep - 1]!.end : msg.questionEnd;
  const out = Buffer.allocUnsafe(cut + (o.edns ? 11 : 0));
  base.copy(out, 0, 0, cut);
  out.writeUInt16BE(o.id, 0);
  out.writeUInt16BE(FLAG.QR | (o.flags & ~(FLAG.QR | FLAG.TC | 0xf)) | (truncated ? FLAG.TC : 0) | msg.rcode, 2);
  if (o.question.length === msg.questionEnd - 12) o.question.copy(out, 12);
  const counts = [0, 0, 0];
  const cap = o.capSec ?? Infinity;
  for (let i = 0; i < keep; i++) {
    const r = msg.records[i]!;
    counts[r.section]!++;
    if (o.ageSec > 0 || r.ttl > cap) out.writeUInt32BE(Math.max(0, Math.min(r.ttl, cap) - o.ageSec), r.ttlAt);
  }
  out.writeUInt16BE(counts[0]!, 6);
  out.writeUInt16BE(counts[1]!, 8);
  out.writeUInt16BE(counts[2]! + (o.edns ? 1 : 0), 10);
  if (o.edns) {
    const at = cut;
    out[at] = 0;
    out.writeUInt16BE(TYPE.OPT, at + 1);
    out.writeUInt16BE(o.edns.udpSize, at + 3);
    out.writeUInt32BE(o.edns.do ? 0x8000 : 0, at + 5);
    out.writeUInt16BE(0, at + 9);
  }
  return { bytes: out, truncated };
}

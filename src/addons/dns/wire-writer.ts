/**
 * Encodes cluster DNS replies with name compression (RFC 1035 §4.1.4) and
 * truncation to the requestor's size limit. `dns-packet` decodes and encodes
 * everything else (forwarded queries, the client); replies are written here
 * because it does not compress names, and uncompressed headless answers
 * would hit the 512-byte limit after a handful of endpoints, pushing clients
 * that cannot fall back to TCP (older musl) into failures.
 *
 * Compression matches suffixes case-sensitively, so every name keeps its
 * own spelling (answers to the question keep the requestor's).
 *
 * Truncation keeps whole records: when the next answer or authority record
 * does not fit, the rest is dropped and TC is set (the client retries over
 * TCP); dropped additional records do not set TC (RFC 2181 §9). The OPT
 * record is always kept.
 */
import { ipv6Groups } from './names.js';
import { CLASS_IN, FLAG, TYPE, type ResourceRecord } from './records.js';
import { splitText, textLabels, WireFormatError } from './wire-names.js';

export interface ReplySpec {
  id: number;
  /** Header flags to set besides QR, TC and the rcode (AA, RD, RA, CD...). */
  flags: number;
  /** 4-bit rcode, or an extended one (>= 16), which needs `edns`. */
  rcode: number;
  /** The question exactly as asked, and its name in text form (for compression). */
  question?: { bytes: Buffer; name: string };
  answers?: readonly ResourceRecord[];
  authorities?: readonly ResourceRecord[];
  additionals?: readonly ResourceRecord[];
  /** Present when the query carried EDNS: the reply's OPT record. */
  edns?: { udpSize: number; do: boolean };
}

export interface EncodedReply {
  bytes: Buffer;
  truncated: boolean;
}

const maxMessage = 65535;

class Overflow {}
const overflow = new Overflow();

/** A scratch buffer reused by every encode (encoding is synchronous, so there is never more than one user). */
const scratch = Buffer.allocUnsafe(maxMessage + 1024);

class Writer {
  off = 0;
  private readonly names = new Map<string, number>();
  private readonly log: string[] = [];

  constructor(private readonly cap: number) {}

  private room(n: number): void {
    if (this.off + n > this.cap) throw overflow;
  }
  u8(v: number): void {
    this.room(1);
    scratch[this.off++] = v;
  }
  u16(v: number): void {
    this.room(2);
    scratch.writeUInt16BE(v & 0xffff, this.off);
    this.off += 2;
  }
  u32(v: number): void {
    this.room(4);
    scratch.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
  }
  bytes(b: Buffer): void {
    this.room(b.length);
    b.copy(scratch, this.off);
    this.off += b.length;
  }

  mark(): [number, number] {
    return [this.off, this.log.length];
  }
  reset([off, logLen]: [number, number]): void {
    this.off = off;
    while (this.log.length > logLen) this.names.delete(this.log.pop()!);
  }

  /** Remembers where the suffixes of a name (text labels `labels`) start: `offsets[i]` for `labels[i..]`. */
  register(labels: string[], offsets: number[]): void {
    for (let i = 0; i < offsets.length; i++) {
      const key = labels.slice(i).join('.');
      if (offsets[i]! < 0x3fff && !this.names.has(key)) {
        this.names.set(key, offsets[i]!);
        this.log.push(key);
      }
    }
  }

  /** Writes a name; `compress` false for names that must be written in full (SRV targets, RFC 2782). */
  name(text: string, compress: boolean): void {
    const textLabelsList = splitText(text);
    // textLabels validates lengths (63 per label, 255 in all) before anything is written.
    const wire = textLabels(text);
    const offsets: number[] = [];
    for (let i = 0; i < wire.length; i++) {
      if (compress) {
        const ptr = this.names.get(textLabelsList.slice(i).join('.'));
        if (ptr !== undefined) {
          this.register(textLabelsList, offsets);
          this.u16(0xc000 | ptr);
          return;
        }
      }
      offsets.push(this.off);
      this.u8(wire[i]!.length);
      this.bytes(wire[i]!);
    }
    this.u8(0);
    if (compress) this.register(textLabelsList, offsets);
  }

  record(rr: ResourceRecord): void {
    this.name(rr.name, true);
    this.u16(TYPE[rr.type]);
    this.u16(CLASS_IN);
    this.u32(rr.ttl);
    const lenAt = this.off;
    this.u16(0);
    switch (rr.type) {
      case 'A': {
        const o = rr.data.split('.').map(Number);
        if (o.length !== 4 || o.some((x) => !(x >= 0 && x <= 255))) throw new WireFormatError(`bad IPv4 ${rr.data}`);
        for (const x of o) this.u8(x);
        break;
      }
      case 'AAAA': {
        const g = ipv6Groups(rr.data);
        if (!g) throw new WireFormatError(`bad IPv6 ${rr.data}`);
        for (const x of g) this.u16(x);
        break;
      }
      case 'CNAME':
      case 'PTR':
      case 'NS':
        this.name(rr.data, true);
        break;
      case 'SRV':
        this.u16(rr.data.priority);
        this.u16(rr.data.weight);
        this.u16(rr.data.port);
        this.name(rr.data.target, false);
        break;
      case 'SOA':
        this.name(rr.data.mname, true);
        this.name(rr.data.rname, true);
        this.u32(rr.data.serial);
        this.u32(rr.data.refresh);
        this.u32(rr.data.retry);
        this.u32(rr.data.expire);
        this.u32(rr.data.minimum);
        break;
      case 'TXT':
        for (const s of rr.data) {
          const b = Buffer.from(s, 'utf8');
          if (b.length > 255) throw new WireFormatError('TXT string longer than 255 bytes');
          this.u8(b.length);
          this.bytes(b);
        }
        break;
    }
    scratch.writeUInt16BE(this.off - lenAt - 2, lenAt);
  }

  result(): Buffer {
    return Buffer.from(scratch.subarray(0, this.off));
  }
}

/** The OPT record's size with no options. */
const optSize = 11;

/** Encodes `spec` in at most `limit` bytes (512..65535), truncating as described above. */
export function encodeReply(spec: ReplySpec, limit: number): EncodedReply {
  const cap = Math.max(512, Math.min(limit, maxMessage));
  const budget = cap - (spec.edns ? optSize : 0);
  const w = new Writer(cap);
  w.off = 12;
  if (spec.question) {
    w.bytes(spec.question.bytes);
    // Names in the answers point back into the question, the most common suffix.
    const labels = splitText(spec.question.name);
    const offsets: number[] = [];
    let pos = 12;
    for (let i = 0; i < labels.length; i++) {
      offsets.push(pos);
      pos += spec.question.bytes[pos - 12]! + 1;
    }
    w.register(labels, offsets);
  }
  const sections = [spec.answers ?? [], spec.authorities ?? [], spec.additionals ?? []];
  const counts = [0, 0, 0];
  let truncated = false;
  outer: for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]!) {
      const m = w.mark();
      let fits = true;
      try {
        w.record(rr);
      } catch (err) {
        if (err !== overflow) throw err;
        fits = false;
      }
      if (!fits || w.off > budget) {
        w.reset(m);
        if (s < 2) truncated = true;
        break outer;
      }
      counts[s]!++;
    }
  }
  if (spec.edns) {
    w.u8(0);
    w.u16(TYPE.OPT);
    w.u16(spec.edns.udpSize);
    w.u8(spec.rcode >> 4);
    w.u8(0);
    w.u16(spec.edns.do ? 0x8000 : 0);
    w.u16(0);
  }
  const flags = FLAG.QR | (spec.flags & ~(FLAG.QR | FLAG.TC | 0xf)) | (truncated ? FLAG.TC : 0) | (spec.rcode & 0xf);
  scratch.writeUInt16BE(spec.id, 0);
  scratch.writeUInt16BE(flags, 2);
  scratch.writeUInt16BE(spec.question ? 1 : 0, 4);
  scratch.writeUInt16BE(counts[0]!, 6);
  scratch.writeUInt16BE(counts[1]!, 8);
  scratch.writeUInt16BE(counts[2]! + (spec.edns ? 1 : 0), 10);
  return { bytes: w.result(), truncated };
}

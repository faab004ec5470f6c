/**
 * The DNS values cluster DNS produces: resource records as plain objects
 * (shaped like `dns-packet`'s answers, so tests compare them with decoded
 * packets directly), and the numeric codes of the types, classes and rcodes it
 * deals in.
 */

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

interface RecordBase {
  /** Owner name as it goes on the wire (the question's spelling for answers to it), no trailing dot. */
  name: string;
  ttl: number;
}

export type ResourceRecord =
  | (RecordBase & { type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; data: string })
  | (RecordBase & { type: 'SRV'; data: SrvData })
  | (RecordBase & { type: 'SOA'; data: SoaData })
  | (RecordBase & { type: 'TXT'; data: string[] });

export type RecordType = ResourceRecord['type'];

/** Type codes (RFC 1035, 3596, 2782, 6891) of the types cluster DNS names; others are reported by number. */
export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  HTTPS: 65,
  SVCB: 64,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;

const typeNames = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v, k]));

/** `1` -> `A`; an unnamed type -> `TYPE<n>` (RFC 3597 presentation). */
export function typeName(code: number): string {
  return typeNames.get(code) ?? `TYPE${code}`;
}

export const CLASS_IN = 1;
export const CLASS_ANY = 255;

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended (needs OPT): 16 = 1 << 4 | 0. */
  BADVERS: 16,
} as const;

const rcodeNames = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v, k]));

export function rcodeName(code: number): string {
  return rcodeNames.get(code) ?? `RCODE${code}`;
}

/** Header flag bits (the 16-bit word after the ID). */
export const FLAG = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

/** The OPT pseudo-record's DO bit (in the TTL field's low 16 bits). */
export const EDNS_DO = 0x8000;

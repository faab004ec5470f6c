/**
 * A minimal stub-resolver client built on `dns-packet`: one question to one
 * server over UDP (with the usual fallback to TCP on a truncated reply) or
 * TCP. For tests, the benchmark and health probes; not a resolver (no search
 * list, no retries across servers).
 */
import { randomBytes } from 'node:crypto';
import dnsPacket, { type DecodedPacket, type RecordType } from 'dns-packet';
import { type HostPort, tcpExchange, udpExchange } from './exchange.js';

export interface DnsQueryOptions {
  server: HostPort;
  name: string;
  type: RecordType;
  /** TCP from the start. */
  tcp?: boolean;
  /** Ask again over TCP when the UDP reply has TC set (default true). */
  tcpFallback?: boolean;
  /** Send EDNS with this payload size; absent: no OPT (512-byte limit). */
  udpSize?: number;
  /** Recursion desired (default true). */
  rd?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DnsQueryResult {
  packet: DecodedPacket & { rcode?: string };
  bytes: Buffer;
  /** The transport of the final reply. */
  proto: 'udp' | 'tcp';
  /** The UDP reply was truncated (and, with fallback, retried over TCP). */
  truncatedOverUdp: boolean;
}

/** Encodes a query for `name`/`type` (used by the benchmark to pre-build queries too). */
export function encodeQuery(name: string, type: RecordType, o: { id?: number; rd?: boolean; udpSize?: number } = {}) {
  return dnsPacket.encode({
    type: 'query',
    id: o.id ?? randomBytes(2).readUInt16BE(0),
    flags: o.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    additionals:
      o.udpSize !== undefined
        ? [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: o.udpSize,
              extendedRcode: 0,
              ednsVersion: 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ]
        : [],
  });
}

export async function queryDns(o: DnsQueryOptions): Promise<DnsQueryResult> {
  const query = encodeQuery(o.name, o.type, { rd: o.rd, udpSize: o.udpSize });
  const ex = { timeoutMs: o.timeoutMs ?? 2000, signal: o.signal };
  const decode = (bytes: Buffer) => dnsPacket.decode(bytes) as DnsQueryResult['packet'];
  if (o.tcp) {
    const bytes = await tcpExchange(o.server, query, ex);
    return { packet: decode(bytes), bytes, proto: 'tcp', truncatedOverUdp: false };
  }
  const udp = await udpExchange(o.server, query, ex);
  const packet = decode(udp);
  if (!packet.flag_tc || o.tcpFallback === false)
    return { packet, bytes: udp, proto: 'udp', truncatedOverUdp: packet.flag_tc };
  const bytes = await tcpExchange(o.server, query, ex);
  return { packet: decode(bytes), bytes, proto: 'tcp', truncatedOverUdp: true };
}

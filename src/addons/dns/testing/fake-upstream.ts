/**
 * A fake upstream resolver for tests and benchmarks (DESIGN.md §5: forwarding
 * is never pointed at a real server): UDP and TCP on a loopback port,
 * answering from a fixed table with `dns-packet`, NXDOMAIN (with an SOA) for
 * anything else. It can truncate over UDP or stay silent, and records what
 * it was asked.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { HostPort } from '../exchange.js';

export interface FakeUpstreamOptions {
  /** Answers by `name|TYPE` (name lower case, no trailing dot). */
  records: Record<string, dnsPacket.Answer[]>;
  /** Over UDP, reply with TC and no answers when a reply has more than this many answers. */
  udpMaxAnswers?: number;
  /** Never reply (a dead upstream). */
  silent?: boolean;
  host?: string;
}

export interface FakeUpstream {
  address: HostPort;
  /** `proto name TYPE` of every query received, in order. */
  readonly asked: string[];
  close(): Promise<void>;
}

const soa: dnsPacket.Answer = {
  type: 'SOA',
  name: 'example',
  ttl: 60,
  data: {
    mname: 'ns.example',
    rname: 'hostmaster.example',
    serial: 1,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum: 20,
  },
};

export async function startFakeUpstream(o: FakeUpstreamOptions): Promise<FakeUpstream> {
  const host = o.host ?? '127.0.0.1';
  const asked: string[] = [];
  const conns = new Set<Socket>();

  const answer = (buf: Buffer, proto: 'udp' | 'tcp'): Buffer | undefined => {
    const q = dnsPacket.decode(buf);
    const question = q.questions?.[0];
    if (!question) return undefined;
    asked.push(`${proto} ${question.name} ${question.type}`);
    if (o.silent) return undefined;
    const key = `${question.name.toLowerCase().replace(/\.$/, '')}|${question.type}`;
    const answers = (o.records[key] ?? []).map((a) => ({ ...a, name: question.name }));
    const known = Object.keys(o.records).some((k) => k.startsWith(`${key.split('|')[0]}|`));
    const truncate = proto === 'udp' && o.udpMaxAnswers !== undefined && answers.length > o.udpMaxAnswers;
    const opt = q.additionals?.find((a) => a.type === 'OPT');
    return dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags:
        dnsPacket.RECURSION_DESIRED |
        dnsPacket.RECURSION_AVAILABLE |
        (truncate ? dnsPacket.TRUNCATED_RESPONSE : 0) |
        (known ? 0 : 3),
      questions: q.questions,
      answers: truncate ? [] : answers,
      authorities: answers.length === 0 ? [soa] : [],
      additionals: opt
        ? [
            {
              type: 'OPT',
              name: '.',
              udpPayloadSize: 1232,
              extendedRcode: 0,
              ednsVersion: 0,
              flags: 0,
              flag_do: false,
              options: [],
            },
          ]
        : [],
    });
  };

  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    const r = answer(msg, 'udp');
    if (r) udp.send(r, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(0, host, () => resolve());
  });
  const port = udp.address().port;
  const tcp: Server = createServer((c) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
    c.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    c.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= pending.readUInt16BE(0) + 2) {
        const len = pending.readUInt16BE(0);
        const r = answer(pending.subarray(2, len + 2), 'tcp');
        pending = pending.subarray(len + 2);
        if (r) c.write(Buffer.concat([Buffer.from([r.length >> 8, r.length & 255]), r]));
      }
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host, port }, () => resolve());
    });
  } catch (err) {
    udp.close();
    throw err;
  }
  return {
    address: { host, port },
    asked,
    close: async () => {
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
      await new Promise<void>((r) => udp.close(() => r()));
    },
  };
}

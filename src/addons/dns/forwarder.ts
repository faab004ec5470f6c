/**
 * Forwarding of names outside the cluster to the node's upstream resolvers
 * (CoreDNS `forward . /etc/resolv.conf`): our own query (fresh random ID and
 * source port, RD, EDNS with a 1232-byte buffer) carrying the requestor's
 * question bytes; over UDP first and again over TCP when the reply is
 * truncated. Upstreams are tried in order starting from the last one that
 * answered, each with its own timeout; a reply is only taken if its ID and
 * question match ours.
 */
import { randomBytes } from 'node:crypto';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { formatHostPort, type HostPort, tcpExchange, udpExchange } from './exchange.js';
import { FLAG, TYPE } from './records.js';

export interface ForwardAttempt {
  upstream: string;
  proto: 'udp' | 'tcp';
  /** The reply's rcode, or undefined when the attempt failed (timeout, network error). */
  rcode?: number;
  durationMs: number;
}

export interface ForwarderOptions {
  upstreams: HostPort[];
  /** Per-attempt timeout (default 2000 ms). */
  timeoutMs?: number;
  /** EDNS buffer size advertised upstream (default 1232, the DNS flag day 2020 value). */
  udpSize?: number;
  clock?: Clock;
  log?: Logger;
  onAttempt?: (a: ForwardAttempt) => void;
}

export class NoUpstreamError extends Error {
  override name = 'NoUpstreamError';
}

/** Builds the upstream query: header, the question as asked, and an OPT record. */
export function buildForwardQuery(id: number, question: Buffer, o: { cd: boolean; do: boolean; udpSize: number }) {
  const q = Buffer.allocUnsafe(12 + question.length + 11);
  q.writeUInt16BE(id, 0);
  q.writeUInt16BE(FLAG.RD | (o.cd ? FLAG.CD : 0), 2);
  q.writeUInt16BE(1, 4);
  q.writeUInt16BE(0, 6);
  q.writeUInt16BE(0, 8);
  q.writeUInt16BE(1, 10);
  question.copy(q, 12);
  const at = 12 + question.length;
  q[at] = 0;
  q.writeUInt16BE(TYPE.OPT, at + 1);
  q.writeUInt16BE(o.udpSize, at + 3);
  q.writeUInt32BE(o.do ? 0x8000 : 0, at + 5);
  q.writeUInt16BE(0, at + 9);
  return q;
}

/** Whether `reply` answers `query`: same ID, QR set, the same question (name compared case-insensitively). */
export function matchesQuery(query: Buffer, question: Buffer, reply: Buffer): boolean {
  if (reply.length < 12 + question.length || reply[0] !== query[0] || reply[1] !== query[1]) return false;
  if ((reply.readUInt16BE(2) & FLAG.QR) === 0 || reply.readUInt16BE(4) !== 1) return false;
  for (let i = 0; i < question.length; i++) {
    let a = reply[12 + i]!;
    let b = question[i]!;
    if (a >= 0x41 && a <= 0x5a) a |= 0x20;
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (a !== b) return false;
  }
  return true;
}

export class Forwarder {
  readonly upstreams: HostPort[];
  private readonly timeoutMs: number;
  private readonly udpSize: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private preferred = 0;

  constructor(private readonly opts: ForwarderOptions) {
    this.upstreams = [...opts.upstreams];
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.udpSize = opts.udpSize ?? 1232;
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
  }

  /** The upstream's reply to `question` (raw bytes, OPT included); throws when no upstream answered. */
  async forward(question: Buffer, o: { cd: boolean; do: boolean }, signal?: AbortSignal): Promise<Buffer> {
    if (this.upstreams.length === 0) throw new NoUpstreamError('no upstream resolvers configured');
    let last: unknown;
    for (let i = 0; i < this.upstreams.length; i++) {
      const idx = (this.preferred + i) % this.upstreams.length;
      const up = this.upstreams[idx]!;
      try {
        const reply = await this.ask(up, question, o, signal);
        this.preferred = idx;
        return reply;
      } catch (err) {
        if (signal?.aborted) throw err;
        last = err;
        this.log.debug('upstream failed', { upstream: formatHostPort(up), err });
      }
    }
    throw last;
  }

  private async ask(up: HostPort, question: Buffer, o: { cd: boolean; do: boolean }, signal?: AbortSignal) {
    const id = randomBytes(2).readUInt16BE(0);
    const query = buildForwardQuery(id, question, { ...o, udpSize: this.udpSize });
    const accept = (r: Buffer) => matchesQuery(query, question, r);
    const common = { timeoutMs: this.timeoutMs, signal, accept, clock: this.clock };
    const udp = await this.attempt(up, 'udp', () => udpExchange(up, query, common));
    if ((udp.readUInt16BE(2) & FLAG.TC) === 0) return udp;
    return this.attempt(up, 'tcp', () => tcpExchange(up, query, common));
  }

  private async attempt(up: HostPort, proto: 'udp' | 'tcp', run: () => Promise<Buffer>): Promise<Buffer> {
    const t0 = this.clock.monotonic();
    const upstream = formatHostPort(up);
    try {
      const reply = await run();
      this.opts.onAttempt?.({ upstream, proto, rcode: reply[3]! & 0xf, durationMs: this.clock.monotonic() - t0 });
      return reply;
    } catch (err) {
      this.opts.onAttempt?.({ upstream, proto, durationMs: this.clock.monotonic() - t0 });
      throw err;
    }
  }
}

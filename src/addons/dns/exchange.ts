/**
 * One DNS request/response exchange over UDP or TCP (RFC 1035 §4.2, RFC 7766
 * framing), used by the forwarder and by the DNS client. Each UDP exchange
 * uses a fresh socket, so the source port is random per query as well as the
 * ID (spoofing resistance), and the socket is connected, so the kernel drops
 * datagrams from any other address. Every socket and timer is released when
 * the promise settles.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { isIPv6 } from 'node:net';
import { AbortError } from '../../lib/abort.js';
import { type Clock, realClock } from '../../lib/clock.js';

export interface HostPort {
  host: string;
  port: number;
}

/** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353` -> host and port (default 53). */
export function parseHostPort(s: string, defaultPort = 53): HostPort {
  const t = s.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracket) return { host: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : defaultPort };
  if (isIPv6(t)) return { host: t, port: defaultPort };
  const m = /^([^:]+)(?::(\d+))?$/.exec(t);
  if (!m) throw new Error(`not a host[:port]: ${s}`);
  const port = m[2] ? Number(m[2]) : defaultPort;
  if (!(port > 0 && port < 65536)) throw new Error(`bad port in ${s}`);
  return { host: m[1]!, port };
}

export function formatHostPort(hp: HostPort): string {
  return isIPv6(hp.host) ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}

export interface ExchangeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Whether a received message is the reply (default: the ID matches the query's). */
  accept?: (reply: Buffer) => boolean;
  clock?: Clock;
}

export class ExchangeTimeout extends Error {
  override name = 'ExchangeTimeout';
}

function defaultAccept(query: Buffer): (reply: Buffer) => boolean {
  return (r) => r.length >= 12 && r[0] === query[0] && r[1] === query[1];
}

/** Sends `query` over UDP and resolves with the first accepted reply. */
export function udpExchange(server: HostPort, query: Buffer, o: ExchangeOptions): Promise<Buffer> {
  const accept = o.accept ?? defaultAccept(query);
  const clock = o.clock ?? realClock;
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(o.signal.reason ?? new AbortError());
    const sock = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (err: unknown, reply?: Buffer) => {
      if (done) return;
      done = true;
      timer.cancel();
      o.signal?.removeEventListener('abort', onAbort);
      sock.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const onAbort = () => finish(o.signal?.reason ?? new AbortError());
    const timer = clock.setTimeout(
      () => finish(new ExchangeTimeout(`no reply from ${formatHostPort(server)} over UDP in ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    o.signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (err) => finish(err));
    sock.on('message', (msg) => {
      if (accept(msg)) finish(undefined, msg);
    });
    // A failed connect (no route, EACCES for broadcast...) is reported to this callback
    // only, not as an 'error' event; sending on the unconnected socket would throw.
    sock.connect(server.port, server.host, (connectErr?: Error) => {
      if (connectErr) return finish(connectErr);
      if (done) return;
      sock.send(query, (err) => {
        if (err) finish(err);
      });
    });
  });
}

/** Sends `query` over a new TCP connection (2-byte length framing) and resolves with the first accepted reply. */
export function tcpExchange(server: HostPort, query: Buffer, o: ExchangeOptions): Promise<Buffer> {
  const accept = o.accept ?? defaultAccept(query);
  const clock = o.clock ?? realClock;
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(o.signal.reason ?? new AbortError());
    const sock = connect({ host: server.host, port: server.port });
    let done = false;
    let pending: Buffer = Buffer.alloc(0);
    const finish = (err: unknown, reply?: Buffer) => {
      if (done) return;
      done = true;
      timer.cancel();
      o.signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const onAbort = () => finish(o.signal?.reason ?? new AbortError());
    const timer = clock.setTimeout(
      () => finish(new ExchangeTimeout(`no reply from ${formatHostPort(server)} over TCP in ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    o.signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('error', (err) => finish(err));
    sock.on('close', () => finish(new Error(`${formatHostPort(server)} closed the TCP connection without a reply`)));
    sock.on('connect', () => {
      const framed = Buffer.allocUnsafe(query.length + 2);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      sock.write(framed);
    });
    sock.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < len + 2) break;
        const msg = Buffer.from(pending.subarray(2, len + 2));
        pending = pending.subarray(len + 2);
        if (accept(msg)) return finish(undefined, msg);
      }
    });
  });
}

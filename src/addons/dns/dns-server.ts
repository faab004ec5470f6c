/**
 * The DNS listeners: for each address, a UDP socket and a TCP server on the
 * same port (RFC 7766 requires both). Port 0 picks a free port shared by the
 * two. TCP connections carry any number of length-prefixed queries, answered
 * as they complete (RFC 7766 §6.2.1.1 allows out of order), and are closed
 * after `tcpIdleTimeoutMs` without traffic; their number is bounded.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { type Logger, nullLogger } from '../../lib/log.js';
import { formatHostPort, type HostPort } from './exchange.js';
import type { RequestContext } from './query-handler.js';

export type DnsHandler = (buf: Buffer, ctx: RequestContext) => Buffer | undefined | Promise<Buffer | undefined>;

export interface DnsServerOptions {
  listen: HostPort[];
  handle: DnsHandler;
  /** Idle TCP connections are closed after this (default 10 s, as CoreDNS). */
  tcpIdleTimeoutMs?: number;
  /** Open TCP connections at most, per listener (default 1000); more are refused. */
  maxTcpConnections?: number;
  /** Kernel receive buffer for UDP (default 4 MiB; bursts otherwise overflow the default ~200 KiB). */
  udpRecvBufferBytes?: number;
  log?: Logger;
}

interface Listener {
  address: HostPort;
  udp: UdpSocket;
  tcp: Server;
  conns: Set<Socket>;
}

function bindUdp(host: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    s.once('error', reject);
    s.bind(port, host, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

function listenTcp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export class DnsServer {
  private readonly listeners: Listener[] = [];
  private readonly log: Logger;
  private closed = false;

  private constructor(private readonly opts: DnsServerOptions) {
    this.log = opts.log ?? nullLogger;
  }

  /** Binds every address (UDP and TCP); on any failure, closes what was bound and throws. */
  static async start(opts: DnsServerOptions): Promise<DnsServer> {
    const s = new DnsServer(opts);
    try {
      for (const a of opts.listen) s.listeners.push(await s.bind(a));
    } catch (err) {
      await s.close();
      throw err;
    }
    return s;
  }

  /** The bound addresses (ports resolved when 0 was asked). */
  get addresses(): HostPort[] {
    return this.listeners.map((l) => l.address);
  }

  private async bind(a: HostPort): Promise<Listener> {
    for (let attempt = 0; ; attempt++) {
      const udp = await bindUdp(a.host, a.port);
      const port = udp.address().port;
      const conns = new Set<Socket>();
      const address = { host: a.host, port };
      const ctx = (proto: 'udp' | 'tcp'): RequestContext => ({
        proto,
        server: `dns://${formatHostPort(address)}`,
        family: isIPv6(a.host) ? 6 : 4,
      });
      const tcp = createServer((c) => this.serveTcp(c, conns, ctx('tcp')));
      tcp.maxConnections = this.opts.maxTcpConnections ?? 1000;
      try {
        await listenTcp(tcp, a.host, port);
      } catch (err) {
        udp.close();
        // With port 0 the UDP port may be taken for TCP by someone else: pick another.
        if (a.port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 20) continue;
        throw err;
      }
      try {
        udp.setRecvBufferSize(this.opts.udpRecvBufferBytes ?? 4 << 20);
      } catch {
        // Capped by net.core.rmem_max; the default still works.
      }
      const udpCtx = ctx('udp');
      udp.on('message', (msg, rinfo) => this.serveUdp(udp, msg, rinfo.address, rinfo.port, udpCtx));
      udp.on('error', (err) => this.log.warn('udp socket error', { address: formatHostPort(address), err }));
      tcp.on('error', (err) => this.log.warn('tcp server error', { address: formatHostPort(address), err }));
      return { address, udp, tcp, conns };
    }
  }

  private serveUdp(udp: UdpSocket, msg: Buffer, host: string, port: number, ctx: RequestContext): void {
    const send = (reply: Buffer | undefined) => {
      if (!reply || this.closed) return;
      udp.send(reply, port, host, (err) => {
        if (err) this.log.debug('udp send failed', { to: host, err });
      });
    };
    let r: ReturnType<DnsHandler>;
    try {
      r = this.opts.handle(msg, ctx);
    } catch (err) {
      this.log.error('dns handler threw', { err });
      return;
    }
    if (r instanceof Promise) r.then(send, (err: unknown) => this.log.error('dns handler failed', { err }));
    else send(r);
  }

  private serveTcp(c: Socket, conns: Set<Socket>, ctx: RequestContext): void {
    if (this.closed) {
      c.destroy();
      return;
    }
    conns.add(c);
    c.setNoDelay(true);
    c.setTimeout(this.opts.tcpIdleTimeoutMs ?? 10_000, () => c.destroy());
    c.on('close', () => conns.delete(c));
    c.on('error', () => undefined);
    let pending: Buffer = Buffer.alloc(0);
    const write = (reply: Buffer | undefined) => {
      if (!reply || c.destroyed) return;
      const framed = Buffer.allocUnsafe(reply.length + 2);
      framed.writeUInt16BE(reply.length, 0);
      reply.copy(framed, 2);
      c.write(framed);
    };
    c.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < len + 2) break;
        const msg = Buffer.from(pending.subarray(2, len + 2));
        pending = pending.subarray(len + 2);
        let r: ReturnType<DnsHandler>;
        try {
          r = this.opts.handle(msg, ctx);
        } catch (err) {
          this.log.error('dns handler threw', { err });
          c.destroy();
          return;
        }
        if (r instanceof Promise) r.then(write, (err: unknown) => this.log.error('dns handler failed', { err }));
        else write(r);
      }
    });
  }

  /** Stops listening and closes every connection; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.listeners.map(async (l) => {
        for (const c of l.conns) c.destroy();
        await new Promise<void>((r) => l.tcp.close(() => r()));
        await new Promise<void>((r) => l.udp.close(() => r()));
      }),
    );
  }
}

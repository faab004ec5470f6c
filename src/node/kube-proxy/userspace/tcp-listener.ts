import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../../lib/log.js';
import type { EndpointInfo } from '../types.js';

/** Chooses endpoints for one listener (a RoundRobinBalancer, seen through what listeners need). */
export interface EndpointPicker {
  pick(clientIP: string, exclude?: ReadonlySet<string>): EndpointInfo | undefined;
  forget(clientIP: string): void;
}

/** Dial timeouts per attempt (upstream userspace proxy: 250 ms doubling), one attempt per endpoint at most. */
const dialTimeoutsMs = [250, 500, 1000, 2000];

export function clientAddress(addr: string | undefined): string {
  return addr?.startsWith('::ffff:') ? addr.slice(7) : (addr ?? '');
}

/**
 * A TCP listener that splices each accepted connection to an endpoint. The
 * listener exists only while the service port has endpoints, so a port with
 * none refuses connections instead of accepting and resetting them.
 */
export class TcpListener {
  private server: Server | undefined;
  private readonly conns = new Set<Socket>();

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly picker: EndpointPicker,
    private readonly log: Logger,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  get connections(): number {
    return this.conns.size / 2;
  }

  /** Starts listening; rejects with the bind error (EADDRINUSE, EADDRNOTAVAIL...). */
  listen(): Promise<void> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (c) => this.accept(c));
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        server.close();
        reject(err);
      };
      server.once('error', onError);
      server.listen({ host: this.host, port: this.port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.log.warn('tcp listener error', { host: this.host, port: this.port, err }));
        this.server = server;
        resolve();
      });
    });
  }

  /** Stops accepting; established connections keep running (like conntrack entries in kernel modes). */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  /** Stops accepting and tears down every connection (shutdown). */
  async destroy(): Promise<void> {
    const closing = this.close();
    for (const s of this.conns) s.destroy();
    this.conns.clear();
    await closing;
  }

  private accept(client: Socket): void {
    const clientIP = clientAddress(client.remoteAddress);
    this.conns.add(client);
    client.on('close', () => this.conns.delete(client));
    client.on('error', () => undefined);
    const tried = new Set<string>();
    const attempt = (n: number) => {
      const ep = this.picker.pick(clientIP, tried);
      if (!ep || n >= dialTimeoutsMs.length) {
        client.resetAndDestroy();
        return;
      }
      const backend = connect({ host: ep.ip, port: ep.port, allowHalfOpen: true });
      const timer = setTimeout(() => backend.destroy(new Error('dial timeout')), dialTimeoutsMs[n]);
      let connected = false;
      backend.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        this.conns.add(backend);
        backend.on('close', () => this.conns.delete(backend));
        client.pipe(backend);
        backend.pipe(client);
        client.resume();
      });
      backend.on('error', (err) => {
        clearTimeout(timer);
        if (connected) {
          client.destroy();
          return;
        }
        this.log.debug('dial to endpoint failed', { endpoint: ep.addr, err });
        tried.add(ep.addr);
        this.picker.forget(clientIP);
        if (!client.destroyed) attempt(n + 1);
      });
      client.once('close', () => backend.destroy());
      // A clean close ends the client through the pipe (flushing what is buffered); only errors cut it.
      backend.once('close', (hadError) => {
        if (connected && hadError) client.destroy();
      });
    };
    attempt(0);
  }
}

import http2 from 'node:http2';
import tls from 'node:tls';
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { classifyNetworkError } from './network-errors.js';

export interface TlsTarget {
  host: string;
  port: number;
  servername?: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized: boolean;
}

const pingIntervalMs = 30_000;
const pingTimeoutMs = 15_000;

/**
 * One HTTP/2 session per server, opened lazily with ALPN offering `h2` and
 * `http/1.1`. When the server picks HTTP/1.1 (or offers no ALPN), `get()`
 * resolves undefined from then on and the transport falls back to HTTP/1.1.
 * A session that received GOAWAY, errored or closed is dropped, so the next
 * request reconnects; streams already running on it finish normally.
 *
 * The session is referenced only while streams are active, so an idle client
 * never keeps the process alive; while streams are active (long watches) it is
 * pinged every 30 s and torn down when a ping goes unanswered for 15 s, which
 * detects half-open connections.
 */
export class Http2Connector {
  private session: http2.ClientHttp2Session | undefined;
  private connecting: Promise<http2.ClientHttp2Session | undefined> | undefined;
  private declined = false;
  private closed = false;
  private pinger: Timer | undefined;
  private readonly active = new Map<http2.ClientHttp2Session, number>();

  constructor(
    private readonly target: TlsTarget,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** True once the server declined HTTP/2 (it never changes back). */
  get http1Only(): boolean {
    return this.declined;
  }

  get(): Promise<http2.ClientHttp2Session | undefined> {
    if (this.closed || this.declined) return Promise.resolve(undefined);
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return Promise.resolve(s);
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Marks a stream as running on `session` (keeps the session referenced). */
  retain(session: http2.ClientHttp2Session): void {
    const n = (this.active.get(session) ?? 0) + 1;
    this.active.set(session, n);
    if (n === 1) session.ref();
  }

  release(session: http2.ClientHttp2Session): void {
    const n = (this.active.get(session) ?? 1) - 1;
    if (n > 0) {
      this.active.set(session, n);
      return;
    }
    this.active.delete(session);
    if (!session.destroyed) session.unref();
  }

  close(): void {
    this.closed = true;
    this.pinger?.cancel();
    this.pinger = undefined;
    const s = this.session;
    this.session = undefined;
    if (s && !s.destroyed) s.destroy();
  }

  private connect(): Promise<http2.ClientHttp2Session | undefined> {
    const t = this.target;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: t.host,
        port: t.port,
        servername: t.servername,
        ca: t.ca,
        cert: t.cert,
        key: t.key,
        rejectUnauthorized: t.rejectUnauthorized,
        ALPNProtocols: ['h2', 'http/1.1'],
      });
      const onError = (err: Error) => reject(classifyNetworkError(err, true));
      socket.once('error', onError);
      socket.once('secureConnect', () => {
        socket.off('error', onError);
        if (socket.alpnProtocol !== 'h2') {
          this.declined = true;
          this.log.debug('server did not negotiate h2, using HTTP/1.1', { server: `${t.host}:${t.port}` });
          socket.destroy();
          resolve(undefined);
          return;
        }
        if (this.closed) {
          socket.destroy();
          resolve(undefined);
          return;
        }
        const session = http2.connect(`https://${t.host}:${t.port}`, { createConnection: () => socket });
        this.adopt(session);
        resolve(session);
      });
    });
  }

  private adopt(session: http2.ClientHttp2Session): void {
    this.session = session;
    session.unref();
    const drop = () => {
      if (this.session === session) this.session = undefined;
      this.active.delete(session);
    };
    session.on('goaway', (code) => {
      this.log.debug('http2 GOAWAY received, reconnecting for new requests', { code });
      drop();
    });
    session.on('error', (err) => {
      this.log.debug('http2 session error', { err });
      drop();
    });
    session.on('close', drop);
    this.pinger ??= this.clock.setInterval(() => this.pingActive(), pingIntervalMs);
  }

  private pingActive(): void {
    const s = this.session;
    if (!s || s.destroyed || !this.active.has(s)) return;
    const deadline = this.clock.setTimeout(() => {
      this.log.warn('http2 ping timed out, closing the connection');
      if (this.session === s) this.session = undefined;
      s.destroy();
    }, pingTimeoutMs);
    const sent = s.ping((err) => {
      deadline.cancel();
      if (err && !s.destroyed) s.destroy();
    });
    if (!sent) deadline.cancel();
  }
}

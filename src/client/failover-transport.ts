import { type Clock, realClock } from '../lib/clock.js';
import { type Logger, nullLogger } from '../lib/log.js';
import { TransportError, type Transport, type TransportRequest, type TransportResponse } from './transport.js';

/**
 * A client-side load balancer over several API servers (what k3s agents run
 * in front of their kubelet): requests go to one preferred server; when it
 * cannot be reached they fail over to the next server that is not cooling
 * down, and that one becomes preferred. Only failures that a different
 * server can fix fail over: errors before the request reached the server
 * (connection refused, unreachable, GOAWAY) for every verb, and broken
 * connections mid-request for idempotent verbs. HTTP answers, even 5xx, are
 * responses and are returned as they are (the REST client retries those).
 *
 * The server list can change at any time (`setServers`, e.g. from the
 * `kubernetes` Endpoints); transports of removed servers are disposed.
 */
export interface FailoverTransportOptions {
  servers: readonly string[];
  /** Builds the transport of one server (an HttpTransport with the node's credentials). */
  transportFor(server: string): Transport;
  /** How long a server that failed is skipped while others are available (default 15 s). */
  cooldownMs?: number;
  clock?: Clock;
  log?: Logger;
}

/** Broken connections after which an idempotent request may be repeated elsewhere. */
const connectionCodes = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'ERR_STREAM_CLOSED',
  'ERR_HTTP2_STREAM_ERROR',
]);
const idempotent = new Set(['GET', 'HEAD', 'PUT']);

interface Member {
  url: string;
  transport: Transport;
  downUntil: number;
}

export class FailoverTransport implements Transport {
  readonly kind = 'http';
  private members: Member[] = [];
  private preferred: string | undefined;
  private disposed = false;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly cooldownMs: number;

  constructor(private readonly opts: FailoverTransportOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.cooldownMs = opts.cooldownMs ?? 15_000;
    this.setServers(opts.servers);
  }

  /** Current servers, in failover order. */
  get servers(): string[] {
    return this.members.map((m) => m.url);
  }

  /** The server requests go to while it works. */
  get current(): string | undefined {
    return this.preferred ?? this.members[0]?.url;
  }

  /** Replaces the server list, keeping the transports (and health) of servers still in it. */
  setServers(servers: readonly string[]): void {
    if (this.disposed) return;
    const wanted = [...new Set(servers.map(normalizeServer))];
    if (wanted.length === 0) throw new Error('FailoverTransport needs at least one server');
    const old = new Map(this.members.map((m) => [m.url, m]));
    this.members = wanted.map((url) => old.get(url) ?? { url, transport: this.opts.transportFor(url), downUntil: 0 });
    for (const [url, m] of old) if (!wanted.includes(url)) void m.transport.dispose();
    if (this.preferred && !wanted.includes(this.preferred)) this.preferred = undefined;
  }

  /** Candidates in order: preferred first, then the others; servers cooling down go last. */
  private order(): Member[] {
    const now = this.clock.monotonic();
    const start = Math.max(
      0,
      this.members.findIndex((m) => m.url === this.preferred),
    );
    const rotated = [...this.members.slice(start), ...this.members.slice(0, start)];
    return [...rotated.filter((m) => m.downUntil <= now), ...rotated.filter((m) => m.downUntil > now)];
  }

  async roundTrip(req: TransportRequest): Promise<TransportResponse> {
    if (this.disposed) throw new TransportError('transport is closed', 'ERR_TRANSPORT_CLOSED', true);
    let last: unknown;
    for (const m of this.order()) {
      try {
        const res = await m.transport.roundTrip(req);
        m.downUntil = 0;
        if (this.preferred !== m.url) {
          if (this.preferred) this.log.info('API server failover', { from: this.preferred, to: m.url });
          this.preferred = m.url;
        }
        return res;
      } catch (err) {
        if (req.signal?.aborted || !this.canFailOver(err, req)) throw err;
        last = err;
        m.downUntil = this.clock.monotonic() + this.cooldownMs;
        this.log.warn('API server unreachable, trying the next one', { server: m.url, err });
      }
    }
    throw last ?? new TransportError('no API server configured', 'ERR_NO_SERVER', true);
  }

  private canFailOver(err: unknown, req: TransportRequest): boolean {
    if (!(err instanceof TransportError) || !err.retryable) return false;
    if (err.notSent) return true;
    return idempotent.has(req.method) && err.code !== undefined && connectionCodes.has(err.code);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.members.map((m) => m.transport.dispose()));
  }
}

/** `https://Host:443/` and `https://host` name the same server. */
export function normalizeServer(server: string): string {
  const u = new URL(server);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.protocol}//${u.hostname.toLowerCase()}:${port}${u.pathname.replace(/\/+$/, '')}`;
}

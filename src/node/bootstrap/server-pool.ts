import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { FailoverTransport } from '../../client/failover-transport.js';
import {
  HttpTransport,
  ResourceClient,
  RestClient,
  defaultUserAgent,
  type KubeObject,
  type RestClientOptions,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from '../../client/index.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';

/**
 * The servers a joined node talks to, with client-side failover (k3s's agent
 * load balancer): the server given at join time plus every API server listed
 * in the `default/kubernetes` Endpoints, which each server keeps pointing at
 * itself. All node components share one FailoverTransport, so when one server
 * goes away they move to the next together; the join URL is always kept, so a
 * node can come back through it after every discovered server changed.
 */
export interface ServerPoolOptions {
  /** Initial servers (`--server`), tried first in this order. */
  servers: string[];
  /** The cluster's server CA (verifies every server). */
  caPEM: string;
  /** The node's client certificate and key. */
  certPEM: string;
  keyPEM: string;
  /** How long a failed server is skipped (default 15 s). */
  cooldownMs?: number;
  clock?: Clock;
  log?: Logger;
}

export class ServerPool {
  readonly transport: FailoverTransport;
  private readonly initial: string[];
  private readonly clock: Clock;
  private readonly log: Logger;
  private discovery: AbortController | undefined;

  constructor(private readonly o: ServerPoolOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? nullLogger;
    this.initial = [...o.servers];
    this.transport = new FailoverTransport({
      servers: o.servers,
      cooldownMs: o.cooldownMs,
      clock: this.clock,
      log: this.log,
      transportFor: (server) =>
        new HttpTransport({ server, ca: o.caPEM, cert: o.certPEM, key: o.keyPEM, clock: this.clock, log: this.log }),
    });
  }

  get servers(): string[] {
    return this.transport.servers;
  }

  /**
   * A REST client over the pool that identifies as `component` (User-Agent).
   * Its own rate limits apply; disposing it leaves the pool open.
   */
  rest(component: string, opts: Partial<Omit<RestClientOptions, 'transport'>> = {}): RestClient {
    return new RestClient({
      clock: this.clock,
      log: this.log,
      ...opts,
      transport: this.view(defaultUserAgent(component)),
    });
  }

  /** A transport sharing the pool's connections, with its own User-Agent. */
  view(userAgent: string): Transport {
    const inner = this.transport;
    return {
      kind: 'http',
      roundTrip: (req: TransportRequest): Promise<TransportResponse> =>
        inner.roundTrip({ ...req, headers: { 'user-agent': userAgent, ...req.headers } }),
      dispose: () => undefined,
    };
  }

  /**
   * Reads `default/kubernetes` Endpoints and makes the pool the initial
   * servers plus every endpoint address (`https://<ip>:<https port>`).
   * Returns the new list; a failed read, or Endpoints without addresses,
   * leaves the list as it was.
   */
  async refresh(signal?: AbortSignal): Promise<string[]> {
    const client = new ResourceClient<Endpoints & KubeObject>(
      this.rest('kubets-agent', { qps: Infinity, maxRetries: 1 }),
      { group: '', version: 'v1', resource: 'endpoints' },
      'default',
    );
    const ep = await client.get('kubernetes', { signal });
    const discovered: string[] = [];
    for (const subset of ep.subsets ?? []) {
      const port = subset.ports?.find((p) => p.name === 'https') ?? subset.ports?.[0];
      if (!port) continue;
      for (const a of subset.addresses ?? []) {
        const host = a.ip.includes(':') ? `[${a.ip}]` : a.ip;
        discovered.push(`https://${host}:${port.port}`);
      }
    }
    // An Endpoints without addresses (a server advertising loopback) tells nothing: keep what works.
    if (discovered.length) this.transport.setServers([...this.initial, ...discovered]);
    return this.servers;
  }

  /** Refreshes now and then every `intervalMs` (default 30 s) until `signal` aborts or the pool is disposed. */
  startDiscovery(signal?: AbortSignal, intervalMs = 30_000): void {
    this.discovery?.abort();
    const ctrl = new AbortController();
    this.discovery = ctrl;
    signal?.addEventListener('abort', () => ctrl.abort(), { once: true });
    void (async () => {
      while (!ctrl.signal.aborted) {
        try {
          await this.refresh(ctrl.signal);
        } catch (err) {
          if (!ctrl.signal.aborted) this.log.debug('API server discovery failed; keeping the current list', { err });
        }
        try {
          await this.clock.sleep(intervalMs, ctrl.signal);
        } catch {
          return;
        }
      }
    })();
  }

  async dispose(): Promise<void> {
    this.discovery?.abort();
    await this.transport.dispose();
  }
}

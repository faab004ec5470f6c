import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../lib/clock.js';

/**
 * Proxier health (upstream `ProxierHealthServer`): healthy unless an update
 * has been waiting for a sync longer than the timeout (2 × syncPeriod), so
 * a wedged proxier fails its node's /healthz and load balancers steer away.
 */
export class ProxierHealth {
  private lastUpdated = 0;
  private oldestPending: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /** An update was queued (an event arrived, or a sync was requested). */
  queued(): void {
    this.oldestPending ??= this.clock.now();
  }

  /** A sync succeeded: everything queued before it is programmed. */
  updated(): void {
    this.lastUpdated = this.clock.now();
    this.oldestPending = undefined;
  }

  healthy(): boolean {
    return this.oldestPending === undefined || this.clock.now() - this.oldestPending <= this.timeoutMs;
  }

  /** The /healthz body, as upstream prints it. */
  body(withEligibility: boolean): string {
    const last = this.lastUpdated ? new Date(this.lastUpdated).toISOString() : new Date(0).toISOString();
    const now = new Date(this.clock.now()).toISOString();
    return withEligibility
      ? `{"lastUpdated": ${JSON.stringify(last)},"currentTime": ${JSON.stringify(now)}, "nodeEligible": true}`
      : `{"lastUpdated": ${JSON.stringify(last)},"currentTime": ${JSON.stringify(now)}}`;
  }
}

/** Serves /healthz, /livez and /metrics on the node (upstream ports 10256 and 10249, here one listener). */
export class HealthzServer {
  private server: Server | undefined;

  constructor(
    private readonly health: ProxierHealth,
    private readonly metrics: () => string,
  ) {}

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz' || path === '/livez') {
        const ok = this.health.healthy();
        res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
        res.end(this.health.body(path === '/healthz'));
      } else if (path === '/metrics') {
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(this.metrics());
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('404 page not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

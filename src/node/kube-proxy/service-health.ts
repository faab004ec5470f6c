import { createServer, type Server } from 'node:http';
import type { Logger } from '../../lib/log.js';

interface Entry {
  namespace: string;
  name: string;
  localEndpoints: number;
  server?: Server;
  failed?: boolean;
}

/**
 * HTTP health checks on the healthCheckNodePort of every LoadBalancer
 * Service with externalTrafficPolicy Local (upstream `ServiceHealthServer`):
 * 200 while this node has ready endpoints for it (and the proxy is healthy),
 * 503 otherwise, so the cloud load balancer only sends traffic to nodes that
 * can serve it without a second hop.
 */
export class ServiceHealthServer {
  private readonly ports = new Map<number, Entry>();

  constructor(
    private readonly bindAddress: string,
    private readonly proxyHealthy: () => boolean,
    private readonly log: Logger,
  ) {}

  /** Makes the set of served ports exactly `wanted` (port -> Service and its local ready endpoint count). */
  async sync(wanted: ReadonlyMap<number, { namespace: string; name: string; localEndpoints: number }>): Promise<void> {
    const work: Promise<void>[] = [];
    for (const [port, e] of this.ports) {
      const w = wanted.get(port);
      if (w && w.namespace === e.namespace && w.name === e.name) {
        e.localEndpoints = w.localEndpoints;
        continue;
      }
      this.ports.delete(port);
      if (e.server) work.push(closeServer(e.server));
    }
    for (const [port, w] of wanted) {
      if (this.ports.has(port)) continue;
      const entry: Entry = { ...w };
      this.ports.set(port, entry);
      work.push(this.open(port, entry));
    }
    await Promise.all(work);
  }

  async close(): Promise<void> {
    const servers = [...this.ports.values()].map((e) => e.server).filter((s): s is Server => s !== undefined);
    this.ports.clear();
    await Promise.all(servers.map(closeServer));
  }

  private async open(port: number, entry: Entry): Promise<void> {
    const server = createServer((_req, res) => {
      const count = entry.localEndpoints;
      const healthy = this.proxyHealthy();
      res.writeHead(count > 0 && healthy ? 200 : 503, {
        'Content-Type': 'application/json',
        'X-Content-Type-Options': 'nosniff',
        'X-Load-Balancing-Endpoint-Weight': String(count),
      });
      res.end(
        JSON.stringify(
          {
            service: { namespace: entry.namespace, name: entry.name },
            localEndpoints: count,
            serviceProxyHealthy: healthy,
          },
          null,
          '\t',
        ),
      );
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: this.bindAddress, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      if (this.ports.get(port) === entry) entry.server = server;
      else await closeServer(server);
    } catch (err) {
      entry.failed = true;
      this.log.warn('cannot open health check node port', { service: `${entry.namespace}/${entry.name}`, port, err });
    }
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * The HTTP side of cluster DNS on one port: `/metrics` (Prometheus text),
 * `/health` (the process serves; CoreDNS `health`) and `/ready` (the
 * Kubernetes caches synced; CoreDNS `ready`), both `OK` with 200 or 503.
 */
import { createServer, type Server } from 'node:http';
import type { HostPort } from './exchange.js';

export interface HttpEndpointsOptions {
  listen: HostPort;
  metrics: () => string;
  ready: () => boolean;
}

export interface HttpEndpoints {
  address: HostPort;
  close(): Promise<void>;
}

export async function startHttpEndpoints(o: HttpEndpointsOptions): Promise<HttpEndpoints> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(o.metrics());
    } else if (path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    } else if (path === '/ready') {
      const ok = o.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'OK' : 'not ready: caches not synced');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: o.listen.host, port: o.listen.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.listen.port;
  return {
    address: { host: o.listen.host, port },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

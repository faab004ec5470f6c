import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { serviceUnavailable } from '../../../api/errors/status-error.js';
import type { KubeletClientConfig } from './kubelet-proxy.js';
import type { ProxyTarget } from './proxy-target.js';
import { backendRequestHeaders, type ForwardRequest } from './http-forward.js';
import { escapePath } from './proxy-url.js';

/**
 * Splices an HTTP/1.1 Upgrade request (WebSocket through `.../proxy/...`) to
 * the backend: the request line and headers go out as for a plain proxied
 * request (credentials stripped, X-Forwarded-* added, `Connection: Upgrade`
 * and `Upgrade` kept), then bytes are piped both ways until either side closes.
 * The backend's answer (101 or an error) reaches the client unchanged.
 */
export function spliceUpgrade(
  req: Omit<ForwardRequest, 'signal' | 'body'>,
  client: Duplex,
  head: Buffer,
  kubeletClient: KubeletClientConfig | undefined,
): Promise<void> {
  const t: ProxyTarget = req.target;
  const port = t.port ?? (t.scheme === 'https' ? 443 : 80);
  const kc = t.kubelet ? kubeletClient : undefined;
  return new Promise((resolve, reject) => {
    const upstream: Socket =
      t.scheme === 'https'
        ? tlsConnect({
            host: t.host,
            port,
            rejectUnauthorized: !!kc?.caPEM,
            cert: kc?.certPEM,
            key: kc?.keyPEM,
            ca: kc?.caPEM,
            servername: kc?.caPEM ? t.kubelet!.nodeName : undefined,
            ALPNProtocols: ['http/1.1'],
          })
        : netConnect({ host: t.host, port });
    const fail = (err: NodeJS.ErrnoException) => {
      upstream.destroy();
      reject(serviceUnavailable(`error trying to reach service: ${err.message}`));
    };
    upstream.once('error', fail);
    upstream.once(t.scheme === 'https' ? 'secureConnect' : 'connect', () => {
      upstream.off('error', fail);
      const headers = backendRequestHeaders(req);
      const lines = [`${req.method} ${escapePath(req.path || '/')}${req.query ? `?${req.query}` : ''} HTTP/1.1`];
      for (const [name, value] of Object.entries(headers)) {
        if (value === undefined) continue;
        lines.push(`${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
      }
      lines.push('connection: Upgrade');
      if (req.headers.upgrade) lines.push(`upgrade: ${req.headers.upgrade}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      const done = () => {
        client.destroy();
        upstream.destroy();
        resolve();
      };
      upstream.once('close', done);
      client.once('close', done);
      upstream.on('error', done);
      client.on('error', done);
    });
  });
}

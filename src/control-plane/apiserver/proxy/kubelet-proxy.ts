import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { badRequest, serviceUnavailable, StatusError } from '../../../api/errors/status-error.js';
import type { ApiResponse } from '../types.js';

/** The API server's client credentials towards kubelets (`--kubelet-client-certificate`/`-key`, CA optional as upstream). */
export interface KubeletClientConfig {
  certPEM: string;
  keyPEM: string;
  /** When set, the kubelet's serving certificate must chain to it (`--kubelet-certificate-authority`). */
  caPEM?: string;
}

/** Where a node's kubelet API listens. */
export interface KubeletLocation {
  host: string;
  port: number;
  nodeName: string;
}

/** Hop-by-hop and credential headers never forwarded to a kubelet. */
const dropHeaders = new Set([
  'authorization',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'host',
  'impersonate-user',
  'impersonate-group',
  'impersonate-uid',
]);

/**
 * Streams a kubelet HTTP response (container logs, stats) back to the caller:
 * GET `https://<node>:<port><path>` with the API server's kubelet client
 * certificate. Kubelet error bodies (metav1.Status) are passed through.
 */
export function kubeletGet(
  cfg: KubeletClientConfig,
  k: KubeletLocation,
  path: string,
  signal: AbortSignal,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: k.host,
        port: k.port,
        path,
        method: 'GET',
        cert: cfg.certPEM,
        key: cfg.keyPEM,
        ca: cfg.caPEM,
        rejectUnauthorized: !!cfg.caPEM,
        servername: cfg.caPEM ? k.nodeName : undefined,
        signal,
      },
      (res) => {
        const status = res.statusCode ?? 502;
        const contentType = String(res.headers['content-type'] ?? 'text/plain');
        if (status >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            try {
              const st = JSON.parse(text);
              if (st?.kind === 'Status')
                return reject(new StatusError(st.code ?? status, st.reason ?? '', st.message ?? text, st.details));
            } catch {
              // plain text error
            }
            reject(
              status === 404
                ? badRequest(text.trim() || `kubelet returned ${status}`)
                : new StatusError(
                    status,
                    status === 400 ? 'BadRequest' : 'InternalError',
                    text.trim() || `kubelet returned ${status}`,
                  ),
            );
          });
          return;
        }
        resolve({ type: 'stream', status, contentType, body: res });
      },
    );
    req.on('error', (err) => reject(serviceUnavailable(`error dialing backend: ${err.message}`)));
    req.end();
  });
}

/**
 * Proxies an HTTP/1.1 Upgrade request (exec, attach, port-forward: WebSocket or
 * SPDY) to the kubelet byte for byte: the request line and headers go to the
 * kubelet over TLS, then both directions are piped until either side closes.
 *
 * A kubelet that cannot be reached rejects with "error dialing backend" (500,
 * as upstream) and leaves `client` open for the caller's Status response:
 * dropping it would leave kubectl with a bare "unexpected EOF". When the
 * kubelet closes, what it sent is flushed to the client before the client is
 * ended (its error response, or the end of a session); the client closing
 * drops the kubelet connection.
 */
export function proxyUpgrade(
  cfg: KubeletClientConfig,
  k: KubeletLocation,
  path: string,
  method: string,
  headers: Record<string, string | undefined>,
  client: Duplex,
  head: Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream: TLSSocket = tlsConnect({
      host: k.host,
      port: k.port,
      cert: cfg.certPEM,
      key: cfg.keyPEM,
      ca: cfg.caPEM,
      rejectUnauthorized: !!cfg.caPEM,
      servername: cfg.caPEM ? k.nodeName : undefined,
      ALPNProtocols: ['http/1.1'],
    });
    const fail = (err: Error) => {
      upstream.destroy();
      reject(new StatusError(500, '', `error dialing backend: ${err.message}`));
    };
    upstream.once('error', fail);
    upstream.once('secureConnect', () => {
      upstream.off('error', fail);
      const lines = [`${method} ${path} HTTP/1.1`, `Host: ${k.host}:${k.port}`, 'Connection: Upgrade'];
      for (const [name, value] of Object.entries(headers)) {
        if (value === undefined || dropHeaders.has(name)) continue;
        lines.push(`${name}: ${value}`);
      }
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      // Errors end in 'close' on the same socket; they only need a listener here.
      upstream.on('error', () => undefined);
      client.on('error', () => undefined);
      upstream.once('close', () => {
        if (client.destroyed) return;
        client.end();
        const t = setTimeout(() => client.destroy(), 5000);
        t.unref();
        client.once('close', () => clearTimeout(t));
      });
      client.once('close', () => {
        upstream.destroy();
        resolve();
      });
    });
  });
}

export { serviceUnavailable };

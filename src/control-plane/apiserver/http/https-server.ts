import http from 'node:http';
import http2 from 'node:http2';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { type Logger, nullLogger } from '../../../lib/log.js';
import type { Disposable } from '../../../lib/disposable.js';
import type { ApiRequest, ApiResponse, PeerInfo } from '../types.js';
import { readBody, writeResponse, writeError } from './wire.js';

export interface HttpsServerOptions {
  /** PEM serving certificate chain and key. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM CA bundle client certificates must chain to (requested, not required). */
  clientCA?: string | Buffer;
  host: string;
  port: number;
  handler: (req: ApiRequest) => Promise<ApiResponse>;
  /** HTTP/1.1 Upgrade requests (WebSocket/SPDY for exec, attach, port-forward). */
  upgrade?: (req: ApiRequest, socket: Duplex, head: Buffer) => Promise<void>;
  /** Largest accepted request body (default 3 MiB, as kube-apiserver). */
  maxBodyBytes?: number;
  log?: Logger;
}

export interface RunningServer extends Disposable {
  port: number;
  host: string;
}

/**
 * Peer identity captured at TLS handshake, stored on the raw TLS socket under a
 * symbol (HTTP/2 hands out a proxy of the socket, which forwards property reads).
 */
const peerKey = Symbol('kubets.peer');
type WithPeer = { [peerKey]?: PeerInfo };

function peerOf(socket: tls.TLSSocket): PeerInfo {
  const peer: PeerInfo = { remoteAddress: socket.remoteAddress };
  if (socket.authorized) {
    const c = socket.getPeerCertificate();
    if (c && c.subject) {
      const subj = c.subject as unknown as Record<string, string | string[] | undefined>;
      const cn = subj.CN;
      const o = subj.O;
      peer.certificate = {
        commonName: Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? ''),
        organizations: o === undefined ? [] : Array.isArray(o) ? o : [o],
        der: c.raw,
      };
    }
  }
  return peer;
}

function headersOf(raw: http.IncomingHttpHeaders): {
  headers: Record<string, string | undefined>;
  lists: Record<string, string[]>;
} {
  const headers: Record<string, string | undefined> = {};
  const lists: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith(':')) continue;
    if (Array.isArray(v)) {
      headers[k] = v.join(', ');
      lists[k] = v;
    } else if (v !== undefined) {
      headers[k] = v;
      lists[k] = [v];
    }
  }
  return { headers, lists };
}

/**
 * The HTTPS listener: one TLS port speaking HTTP/2 (what kubectl uses) and
 * HTTP/1.1 (upgrades for exec/attach/port-forward, older clients), chosen by
 * ALPN. Client certificates are requested but not required; a verified one
 * becomes `peer.certificate` for authentication.
 */
export async function startHttpsServer(opts: HttpsServerOptions): Promise<RunningServer> {
  const log = opts.log ?? nullLogger;
  const maxBody = opts.maxBodyBytes ?? 3 * 1024 * 1024;
  const sockets = new Set<Duplex>();

  function buildRequest(
    req: http.IncomingMessage | http2.Http2ServerRequest,
    tlsSocket: tls.TLSSocket | undefined,
    signal: AbortSignal,
  ): ApiRequest {
    const url = new URL(req.url ?? '/', 'https://kubets');
    const { headers, lists } = headersOf(req.headers as http.IncomingHttpHeaders);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    return {
      method: (req.method ?? 'GET').toUpperCase(),
      path,
      query: url.searchParams,
      headers,
      headerLists: lists,
      peer: (tlsSocket && (tlsSocket as unknown as WithPeer)[peerKey]) ?? { remoteAddress: tlsSocket?.remoteAddress },
      signal,
    };
  }

  async function serve(
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
    tlsSocket: tls.TLSSocket | undefined,
  ) {
    const ctrl = new AbortController();
    const abort = () => ctrl.abort();
    res.on('close', abort);
    try {
      const apiReq = buildRequest(req, tlsSocket, ctrl.signal);
      const body = await readBody(req, maxBody, apiReq.method);
      if (body) apiReq.body = body;
      const out = await opts.handler(apiReq);
      await writeResponse(req, res, out, ctrl.signal);
    } catch (err) {
      writeError(res, err, log);
    } finally {
      res.off('close', abort);
    }
  }

  const h1 = http.createServer({ noDelay: true }, (req, res) => void serve(req, res, req.socket as tls.TLSSocket));
  // Header values with surrounding whitespace must reach impersonation checks as sent (upstream Go keeps
  // them); Node >= 22 honours this option, Node 20's nghttp2 drops such fields (documented limitation).
  const h2Options = {
    settings: { maxConcurrentStreams: 1000 },
    strictFieldWhitespaceValidation: false,
  } as http2.ServerOptions;
  const h2 = http2.createServer(h2Options, (req, res) => {
    void serve(req, res, (req.stream.session?.socket as tls.TLSSocket | undefined) ?? undefined);
  });
  h1.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!opts.upgrade) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const ctrl = new AbortController();
    socket.on('close', () => ctrl.abort());
    const apiReq = buildRequest(req, req.socket as tls.TLSSocket, ctrl.signal);
    opts.upgrade(apiReq, socket, head).catch((err) => {
      log.warn('upgrade failed', { path: apiReq.path, err });
      socket.destroy();
    });
  });
  const server = tls.createServer(
    {
      cert: opts.cert,
      key: opts.key,
      ca: opts.clientCA,
      requestCert: !!opts.clientCA,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'],
      minVersion: 'TLSv1.2',
    },
    (socket) => {
      (socket as unknown as WithPeer)[peerKey] = peerOf(socket);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      if (socket.alpnProtocol === 'h2') h2.emit('connection', socket);
      else h1.emit('connection', socket);
    },
  );
  server.on('tlsClientError', (err) => log.debug('tls handshake failed', { err }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    port: addr.port,
    host: opts.host,
    async dispose() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      h1.close();
      h2.close();
    },
  };
}

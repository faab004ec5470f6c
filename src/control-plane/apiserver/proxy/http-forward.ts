import { request as httpRequest, type IncomingMessage, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { posix } from 'node:path';
import { serviceUnavailable } from '../../../api/errors/status-error.js';
import type { ApiResponse, ResponseHeaders } from '../types.js';
import type { KubeletClientConfig } from './kubelet-proxy.js';
import type { ProxyTarget } from './proxy-target.js';
import { escapePath } from './proxy-url.js';

/** One proxied HTTP exchange (not an upgrade). */
export interface ForwardRequest {
  target: ProxyTarget;
  /** Needed when `target.kubelet` is set. */
  kubeletClient?: KubeletClientConfig;
  method: string;
  /** Decoded backend path ('' is sent as '/'). */
  path: string;
  /** Query string without '?'. */
  query: string;
  /** Lower-cased request headers as received by the API server. */
  headers: Record<string, string | undefined>;
  body?: Uint8Array;
  remoteAddress?: string;
  /** The API path that maps onto the backend's root (`.../pods/p:80/proxy`). */
  prefix: string;
  signal: AbortSignal;
  /** TCP connect timeout (default 30 s, as upstream's dialer). */
  connectTimeoutMs?: number;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) never forwarded in either direction. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Request headers the API server consumed: credentials (upstream deletes
 * `Authorization` after authenticating), impersonation and front-proxy identity.
 */
function consumedRequestHeader(name: string): boolean {
  return name === 'authorization' || name.startsWith('impersonate-') || name.startsWith('x-remote-');
}

/** CORS headers of the backend are dropped so the API server's own CORS policy applies (upstream corsRemovingTransport). */
const corsHeaders = new Set([
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-allow-origin',
]);

function connectionTokens(headers: Record<string, string | string[] | undefined>): Set<string> {
  const v = headers.connection;
  const s = Array.isArray(v) ? v.join(',') : (v ?? '');
  return new Set(
    s
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

function hostPort(t: ProxyTarget): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return t.port === undefined ? host : `${host}:${t.port}`;
}

/** The headers sent to the backend: the caller's, minus hop-by-hop and consumed ones, plus X-Forwarded-*. */
export function backendRequestHeaders(
  req: Pick<ForwardRequest, 'target' | 'headers' | 'remoteAddress' | 'prefix' | 'path' | 'body'>,
): OutgoingHttpHeaders {
  const drop = connectionTokens(req.headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || hopByHop.has(name) || drop.has(name) || consumedRequestHeader(name)) continue;
    out[name] = value;
  }
  // Upstream keeps the Host the client used; HTTP/2 callers only sent :authority.
  if (!out.host) out.host = hostPort(req.target);
  if (req.remoteAddress) {
    const prior = req.headers['x-forwarded-for'];
    out['x-forwarded-for'] = prior ? `${prior}, ${req.remoteAddress}` : req.remoteAddress;
  }
  out['x-forwarded-uri'] = escapePath(req.prefix + (req.path || '/'));
  if (req.body) out['content-length'] = String(req.body.byteLength);
  return out;
}

const urlParts = /^([a-z][a-z0-9+.-]*:)?(\/\/[^/?#]*)?([^?#]*)(.*)$/is;

/**
 * Rewrites a backend `Location` so that links into the backend stay behind the
 * proxy (upstream proxy `Transport.rewriteURL`): absolute paths on the backend's
 * own host (or the host the client asked for) get the proxy prefix; relative
 * references and other hosts are left alone.
 */
export function rewriteLocation(
  location: string,
  backendHost: string,
  requestHost: string | undefined,
  prefix: string,
): string {
  const m = urlParts.exec(location);
  if (!m) return location;
  const scheme = m[1] ?? '';
  const authority = m[2] ?? '';
  const path = m[3] ?? '';
  const rest = m[4] ?? '';
  const host = authority.slice(2).replace(/^[^@]*@/, '');
  const differentHost = host !== '' && host !== backendHost && host !== requestHost;
  if (differentHost || !path.startsWith('/')) return location;
  const keepOrigin = host !== '' && host === requestHost;
  const origin = keepOrigin ? `${scheme}${authority}` : '';
  if (path.startsWith(prefix)) return `${origin}${path}${rest}`;
  let joined = posix.join(prefix, path);
  if (path.endsWith('/') && !joined.endsWith('/')) joined += '/';
  return `${origin}${joined}${rest}`;
}

function responseHeaders(res: IncomingMessage, req: ForwardRequest): ResponseHeaders {
  const drop = connectionTokens(res.headers);
  const out: ResponseHeaders = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || hopByHop.has(name) || drop.has(name) || corsHeaders.has(name)) continue;
    if (name === 'content-type') continue;
    out[name] = value;
  }
  const location = res.headers.location;
  if (location) out.location = rewriteLocation(location, hostPort(req.target), req.headers.host, req.prefix);
  return out;
}

/** Go's dial error wording, which clients and scripts match on ("connection refused"). */
function dialError(err: NodeJS.ErrnoException, t: ProxyTarget): string {
  const addr = hostPort({ ...t, port: t.port ?? (t.scheme === 'https' ? 443 : 80) });
  if (err.code === 'ECONNREFUSED') return `dial tcp ${addr}: connect: connection refused`;
  if (err.code === 'ETIMEDOUT') return `dial tcp ${addr}: i/o timeout`;
  if (err.code === 'EHOSTUNREACH') return `dial tcp ${addr}: connect: no route to host`;
  return err.message;
}

/**
 * Sends one request to the backend and streams its response back unchanged
 * (status, body and end-to-end headers, whatever the status). Failing to reach
 * the backend is 503 "error trying to reach service: ..." as upstream.
 */
export function forwardHttp(req: ForwardRequest): Promise<ApiResponse> {
  const t = req.target;
  const tls = t.scheme === 'https';
  const kc = t.kubelet ? req.kubeletClient : undefined;
  return new Promise((resolve, reject) => {
    let connectTimer: NodeJS.Timeout | undefined;
    const options = {
      host: t.host,
      port: t.port ?? (tls ? 443 : 80),
      method: req.method,
      path: escapePath(req.path || '/') + (req.query ? `?${req.query}` : ''),
      headers: backendRequestHeaders(req),
      agent: false as const,
      signal: req.signal,
      setHost: false,
    };
    const onResponse = (res: IncomingMessage) => {
      clearTimeout(connectTimer);
      const contentType = res.headers['content-type'] ?? 'text/plain; charset=utf-8';
      resolve({
        type: 'stream',
        status: res.statusCode ?? 502,
        contentType,
        body: res,
        headers: responseHeaders(res, req),
      });
    };
    const creq: ClientRequest = tls
      ? httpsRequest(
          {
            ...options,
            // Pod and service backends are not verified (upstream's proxy transport skips
            // verification); kubelets are, when a kubelet CA is configured.
            rejectUnauthorized: !!kc?.caPEM,
            cert: kc?.certPEM,
            key: kc?.keyPEM,
            ca: kc?.caPEM,
            servername: kc?.caPEM ? t.kubelet!.nodeName : undefined,
          },
          onResponse,
        )
      : httpRequest(options, onResponse);
    creq.on('socket', (socket) => {
      connectTimer = setTimeout(() => {
        const err: NodeJS.ErrnoException = new Error('i/o timeout');
        err.code = 'ETIMEDOUT';
        creq.destroy(err);
      }, req.connectTimeoutMs ?? 30_000);
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    creq.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (req.signal.aborted) reject(err);
      else reject(serviceUnavailable(`error trying to reach service: ${dialError(err, t)}`));
    });
    creq.end(req.body ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength) : undefined);
  });
}

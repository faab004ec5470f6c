import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { isIP } from 'node:net';
import { serviceUnavailable } from '../../../api/errors/status-error.js';
import type { ApiResponse, ResponseHeaders, UserInfo } from '../types.js';
import { backendRequestHeaders } from '../proxy/http-forward.js';
import { escapePath } from '../proxy/proxy-url.js';
import type { ResolvedEndpoint } from './service-resolver.js';

/** The front-proxy identity the API server presents to extension servers. */
export interface FrontProxyCredentials {
  certPEM: string;
  keyPEM: string;
}

/** How an APIService's serving certificate is checked. */
export interface BackendTLS {
  /** PEM CA bundle (decoded `caBundle`); undefined with insecureSkipTLSVerify. */
  caPEM?: string;
  insecureSkipTLSVerify: boolean;
}

/**
 * Go's header-key escaping for `X-Remote-Extra-<key>` (upstream
 * `transport.SetAuthProxyHeaders`): bytes that may not appear in a header
 * name, and '%', are percent-encoded, so the receiving authenticator decodes
 * the original key.
 */
export function escapeExtraKey(key: string): string {
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b);
    if (b < 0x80 && /[A-Za-z0-9!#$&'*+.^_`|~-]/.test(c)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The X-Remote-* headers asserting `user` to the extension server. */
export function authProxyHeaders(user: UserInfo): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { 'X-Remote-User': user.username };
  if (user.groups.length) h['X-Remote-Group'] = [...user.groups];
  for (const [k, vs] of Object.entries(user.extra ?? {})) h[`X-Remote-Extra-${escapeExtraKey(k)}`] = [...vs];
  return h;
}

export interface BackendRequest {
  endpoint: ResolvedEndpoint;
  tls: BackendTLS;
  credentials: FrontProxyCredentials;
  user: UserInfo;
  method: string;
  /** Decoded request path, sent as is (escaped). */
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
  body?: Uint8Array;
  remoteAddress?: string;
  signal: AbortSignal;
  /** Until the response headers arrive (default 30 s). */
  timeoutMs?: number;
}

function hostPort(e: ResolvedEndpoint): string {
  return `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/** Go's error text for a failed dial or handshake, as clients and the availability condition show it. */
export function describeError(err: NodeJS.ErrnoException, e: ResolvedEndpoint): string {
  const addr = hostPort(e);
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ETIMEDOUT':
      return `dial tcp ${addr}: i/o timeout`;
    case 'ECONNRESET':
      return `read tcp ${addr}: read: connection reset by peer`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is valid for other names, not ${e.serverName}`;
    default:
      return err.message;
  }
}

/**
 * Sends one request to the extension server and resolves once its response
 * headers arrive; the body streams through (watches included). The caller's
 * credentials, impersonation and X-Remote-* headers are dropped and the
 * authenticated user is asserted instead, over a TLS connection made with the
 * front-proxy client certificate. Unreachable backends are 503s.
 */
export function sendToBackend(req: BackendRequest): Promise<IncomingMessage> {
  const headers: OutgoingHttpHeaders = {
    ...backendRequestHeaders({
      target: { scheme: 'https', host: req.endpoint.host, port: req.endpoint.port },
      headers: req.headers,
      remoteAddress: req.remoteAddress,
      prefix: '',
      path: req.path,
      body: req.body,
    }),
    ...authProxyHeaders(req.user),
  };
  delete headers['x-forwarded-uri'];
  return new Promise((resolve, reject) => {
    const creq = request(
      {
        host: req.endpoint.host,
        port: req.endpoint.port,
        method: req.method,
        path: escapePath(req.path || '/') + (req.query ? `?${req.query}` : ''),
        headers,
        agent: false,
        signal: req.signal,
        setHost: false,
        cert: req.credentials.certPEM,
        key: req.credentials.keyPEM,
        ca: req.tls.caPEM,
        rejectUnauthorized: !req.tls.insecureSkipTLSVerify,
        servername: isIP(req.endpoint.serverName) ? undefined : req.endpoint.serverName,
        timeout: req.timeoutMs ?? 30_000,
      },
      (res) => {
        creq.setTimeout(0);
        resolve(res);
      },
    );
    creq.on('timeout', () => {
      const err: NodeJS.ErrnoException = new Error('i/o timeout');
      err.code = 'ETIMEDOUT';
      creq.destroy(err);
    });
    creq.on('error', (err: NodeJS.ErrnoException) => {
      if (req.signal.aborted) reject(err);
      else reject(serviceUnavailable(`error trying to reach service: ${describeError(err, req.endpoint)}`));
    });
    creq.end(req.body ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength) : undefined);
  });
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'trailer', 'proxy-authenticate']);

/** The backend's answer as an ApiResponse streaming its body unchanged. */
export function streamedResponse(res: IncomingMessage): ApiResponse {
  const headers: ResponseHeaders = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || hopByHop.has(name) || name === 'content-type' || name === 'content-length') continue;
    headers[name] = Array.isArray(value) ? value : String(value);
  }
  return {
    type: 'stream',
    status: res.statusCode ?? 502,
    contentType: res.headers['content-type'] ?? 'text/plain; charset=utf-8',
    body: res,
    headers,
  };
}

/** Reads a (discovery) body, at most `limit` bytes. */
export async function readBounded(res: IncomingMessage, limit = 3 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) {
      res.destroy();
      throw new Error(`response body larger than ${limit} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

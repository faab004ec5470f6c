import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { AbortError } from '../lib/abort.js';
import { type Clock, realClock } from '../lib/clock.js';
import { type Logger, nullLogger } from '../lib/log.js';
import { Http2Connector } from './http2-connector.js';
import { watchSourceFromBytes } from './json-lines.js';
import type { ClientConnectionConfig } from './kubeconfig.js';
import { classifyNetworkError } from './network-errors.js';
import {
  TransportError,
  type ResponseHeaders,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  type WatchEventSource,
} from './transport.js';
import { defaultUserAgent } from './user-agent.js';

export interface HttpTransportOptions {
  /** `https://host:port[/prefix]`; plain `http://` is allowed but then no credentials are sent (as client-go). */
  server: string;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  impersonate?: { user: string; uid?: string; groups: string[] };
  userAgent?: string;
  /** Offer HTTP/2 (default true); false speaks HTTP/1.1 only. */
  http2?: boolean;
  clock?: Clock;
  log?: Logger;
}

const tokenFileTtlMs = 60_000;

/**
 * HTTPS transport. HTTP/2 is preferred (one multiplexed session per server,
 * see Http2Connector); servers that don't negotiate it get HTTP/1.1 over a
 * keep-alive agent. Bodies are JSON, `Accept: application/json`; watch
 * responses are decoded as newline-delimited JSON events while they stream.
 */
export class HttpTransport implements Transport {
  readonly kind = 'http';
  private readonly url: URL;
  private readonly secure: boolean;
  private readonly prefix: string;
  private readonly h2: Http2Connector | undefined;
  private readonly agent: http.Agent;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly userAgent: string;
  private tokenCache: { value: string; at: number } | undefined;
  private disposed = false;

  constructor(private readonly opts: HttpTransportOptions) {
    this.url = new URL(opts.server);
    this.secure = this.url.protocol === 'https:';
    this.prefix = this.url.pathname.replace(/\/+$/, '');
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.userAgent = opts.userAgent ?? defaultUserAgent('kubets');
    const host = this.url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(this.url.port || (this.secure ? 443 : 80));
    const servername = opts.tlsServerName ?? (isIP(host) ? undefined : host);
    const tlsOpts = {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: !opts.insecureSkipTLSVerify,
      servername,
    };
    this.agent = this.secure ? new https.Agent({ keepAlive: true, ...tlsOpts }) : new http.Agent({ keepAlive: true });
    this.h2 =
      this.secure && opts.http2 !== false
        ? new Http2Connector({ host, port, ...tlsOpts }, this.clock, this.log)
        : undefined;
  }

  /** A transport for a resolved kubeconfig context. */
  static fromConfig(
    cfg: ClientConnectionConfig,
    extra: Pick<HttpTransportOptions, 'userAgent' | 'http2' | 'clock' | 'log'> = {},
  ): HttpTransport {
    return new HttpTransport({
      server: cfg.server,
      ca: cfg.ca,
      cert: cfg.cert,
      key: cfg.key,
      insecureSkipTLSVerify: cfg.insecureSkipTLSVerify,
      tlsServerName: cfg.tlsServerName,
      token: cfg.token,
      tokenFile: cfg.tokenFile,
      username: cfg.username,
      password: cfg.password,
      impersonate: cfg.impersonate,
      ...extra,
    });
  }

  async roundTrip(req: TransportRequest): Promise<TransportResponse> {
    if (this.disposed) throw new TransportError('transport is closed', 'ERR_TRANSPORT_CLOSED', true);
    if (req.signal?.aborted) throw req.signal.reason ?? new AbortError();
    const headers = await this.headersFor(req);
    const body = encodeBody(req.body, headers);
    const query = req.query?.toString();
    const path = `${this.prefix}${req.path}${query ? `?${query}` : ''}`;
    const session = this.h2 ? await this.h2.get() : undefined;
    if (session) return this.viaHttp2(session, req, path, headers, body);
    return this.viaHttp1(req, path, headers, body);
  }

  private async headersFor(req: TransportRequest): Promise<Record<string, string | string[]>> {
    const h: Record<string, string | string[]> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (this.secure) {
      const token = await this.token();
      if (token) h.authorization = `Bearer ${token}`;
      else if (this.opts.username !== undefined) {
        const cred = Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64');
        h.authorization = `Basic ${cred}`;
      }
      const imp = this.opts.impersonate;
      if (imp) {
        h['impersonate-user'] = imp.user;
        if (imp.uid) h['impersonate-uid'] = imp.uid;
        if (imp.groups.length > 0) h['impersonate-group'] = imp.groups;
      }
    }
    return { ...h, ...req.headers };
  }

  /** The bearer token; a tokenFile is re-read at most once a minute (rotated tokens). */
  private async token(): Promise<string | undefined> {
    if (this.opts.token) return this.opts.token;
    const file = this.opts.tokenFile;
    if (!file) return undefined;
    const now = this.clock.monotonic();
    if (this.tokenCache && now - this.tokenCache.at < tokenFileTtlMs) return this.tokenCache.value;
    try {
      const value = (await readFile(file, 'utf8')).trim();
      this.tokenCache = { value, at: now };
      return value;
    } catch (err) {
      if (this.tokenCache) return this.tokenCache.value;
      throw new TransportError(`reading token file ${file}: ${(err as Error).message}`, 'ERR_TOKEN_FILE', true, {
        cause: err,
        retryable: false,
      });
    }
  }

  private viaHttp2(
    session: http2.ClientHttp2Session,
    req: TransportRequest,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer | undefined,
  ): Promise<TransportResponse> {
    const h2 = this.h2!;
    return new Promise<TransportResponse>((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(
          { ':method': req.method, ':path': path, ...headers },
          { endStream: body === undefined },
        );
      } catch (err) {
        reject(classifyNetworkError(err, true));
        return;
      }
      h2.retain(session);
      stream.once('close', () => h2.release(session));
      const cancel = () => {
        if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
      };
      const abort = new AbortBinding(req.signal, cancel);
      let responded = false;
      const fail = (err: unknown) => {
        if (responded) return;
        responded = true;
        abort.detach();
        if (req.signal?.aborted) reject(req.signal.reason ?? new AbortError());
        else reject(classifyNetworkError(err, stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM));
      };
      stream.on('error', fail); // after the response, errors surface through the body iterator
      stream.once('close', () =>
        fail(new TransportError('stream closed before a response', 'ERR_STREAM_CLOSED', false)),
      );
      stream.once('response', (raw) => {
        if (responded) return;
        responded = true;
        const status = Number(raw[':status']);
        const rh: ResponseHeaders = {};
        for (const [k, v] of Object.entries(raw)) if (!k.startsWith(':')) rh[k] = v as string | string[];
        finish(status, rh, stream, req, cancel, abort).then(resolve, reject);
      });
      if (body !== undefined) stream.end(body);
    });
  }

  private viaHttp1(
    req: TransportRequest,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer | undefined,
  ): Promise<TransportResponse> {
    const mod = this.secure ? https : http;
    return new Promise<TransportResponse>((resolve, reject) => {
      const r = mod.request({
        agent: this.agent,
        protocol: this.url.protocol,
        hostname: this.url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: this.url.port || (this.secure ? 443 : 80),
        method: req.method,
        path,
        headers: body !== undefined ? { ...headers, 'content-length': String(body.length) } : headers,
      });
      const cancel = () => r.destroy();
      const abort = new AbortBinding(req.signal, cancel);
      let responded = false;
      r.on('error', (err) => {
        if (responded) return;
        responded = true;
        abort.detach();
        if (req.signal?.aborted) reject(req.signal.reason ?? new AbortError());
        // A reused keep-alive socket the server had already closed: nothing was processed.
        else reject(classifyNetworkError(err, r.reusedSocket && (err as { code?: string }).code === 'ECONNRESET'));
      });
      r.once('response', (res) => {
        responded = true;
        const rh: ResponseHeaders = {};
        for (const [k, v] of Object.entries(res.headers)) rh[k] = v;
        finish(res.statusCode ?? 0, rh, res, req, cancel, abort).then(resolve, reject);
      });
      r.end(body);
    });
  }

  dispose(): void {
    this.disposed = true;
    this.h2?.close();
    this.agent.destroy();
  }
}

/** Ties a request to its caller's signal; the listener is removed when the exchange ends. */
class AbortBinding {
  private action: () => void;
  private readonly on = () => this.action();
  constructor(
    private readonly signal: AbortSignal | undefined,
    action: () => void,
  ) {
    this.action = action;
    signal?.addEventListener('abort', this.on, { once: true });
  }
  /** Replaces what abort does (a watch closes its event source instead of resetting the stream). */
  rebind(action: () => void): void {
    this.action = action;
  }
  detach(): void {
    this.signal?.removeEventListener('abort', this.on);
  }
}

function encodeBody(body: unknown, headers: Record<string, string | string[]>): Buffer | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  headers['content-type'] ??= 'application/json';
  return Buffer.from(JSON.stringify(body));
}

async function finish(
  status: number,
  headers: ResponseHeaders,
  body: AsyncIterable<Buffer>,
  req: TransportRequest,
  cancel: () => void,
  abort: AbortBinding,
): Promise<TransportResponse> {
  const ok = status >= 200 && status < 300;
  if (ok && req.expect === 'watch') {
    const events: WatchEventSource = watchSourceFromBytes(body, () => {
      abort.detach();
      cancel();
    });
    abort.rebind(() => events.close());
    return { type: 'watch', status, headers, events };
  }
  const contentType = String(headers['content-type'] ?? '');
  if (ok && req.expect === 'stream') {
    return { type: 'stream', status, headers, contentType, body: streamed(body, abort) };
  }
  try {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    return decodeResponse(status, headers, contentType, Buffer.concat(chunks), req.expect === 'bytes' && ok);
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason ?? new AbortError();
    throw classifyNetworkError(err, false);
  } finally {
    abort.detach();
  }
}

async function* streamed(body: AsyncIterable<Buffer>, abort: AbortBinding): AsyncIterable<Uint8Array> {
  try {
    yield* body;
  } finally {
    abort.detach();
  }
}

function decodeResponse(
  status: number,
  headers: ResponseHeaders,
  contentType: string,
  buf: Buffer,
  wantBytes: boolean,
): TransportResponse {
  if (buf.length === 0 && !wantBytes) return { type: 'object', status, headers, body: undefined };
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  const json = essence === 'application/json' || essence.endsWith('+json') || essence === '';
  if (!wantBytes && json) {
    try {
      return { type: 'object', status, headers, body: JSON.parse(buf.toString('utf8')) as unknown };
    } catch {
      // not JSON after all: hand the bytes up (an HTML error page from a proxy, say)
    }
  }
  return { type: 'bytes', status, headers, contentType, body: buf };
}

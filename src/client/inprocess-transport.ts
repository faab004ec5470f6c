import { parse as parseYaml } from 'yaml';
import { abortable, AbortError } from '../lib/abort.js';
import type { InProcessHandler, InProcessHeaders, InProcessResponse, InProcessUser } from './inprocess-types.js';
import {
  toWatchEvent,
  TransportError,
  type ResponseHeaders,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  type WatchEventSource,
} from './transport.js';

export interface InProcessTransportOptions {
  /** The apiserver's `handle` function (passed in by the composition root). */
  handler: InProcessHandler;
  /** Who the calls are made as; still authorized and admitted like any request. */
  user: InProcessUser;
  /** Sent as the User-Agent header (audit logs, managedFields manager names). */
  userAgent?: string;
}

/**
 * Calls the apiserver's handler directly: no socket, no JSON encoding. See
 * `inprocess-types.ts` for the sharing contract: returned objects (and watch
 * event objects) are the server's own and must never be mutated.
 */
export class InProcessTransport implements Transport {
  readonly kind = 'in-process';
  private disposed = false;
  private readonly streams = new Set<{ close(): void }>();

  constructor(private readonly opts: InProcessTransportOptions) {}

  async roundTrip(req: TransportRequest): Promise<TransportResponse> {
    if (this.disposed) throw new TransportError('transport is closed', 'ERR_TRANSPORT_CLOSED', true);
    const signal = req.signal ?? new AbortController().signal;
    if (signal.aborted) throw signal.reason ?? new AbortError();
    const headers: Record<string, string | undefined> = { accept: 'application/json', ...req.headers };
    if (this.opts.userAgent) headers['user-agent'] = this.opts.userAgent;
    const object = req.body === undefined ? undefined : decodeBody(req.body, headers['content-type']);
    const pending = this.opts.handler({
      method: req.method,
      // The handler sees decoded paths, as behind the HTTPS listener (which decodes the URL).
      path: safeDecode(req.path),
      query: req.query ?? new URLSearchParams(),
      headers,
      object,
      peer: { inProcessUser: this.opts.user },
      signal,
    });
    // A handler that ignores the signal must not hold the caller; a watch it opens late is closed.
    pending.then(
      (r) => signal.aborted && r.type === 'watch' && r.stream.close(),
      () => undefined,
    );
    const res = await abortable(pending, signal);
    return this.convert(res, req);
  }

  private convert(res: InProcessResponse, req: TransportRequest): TransportResponse {
    const headers = normalizeHeaders(res.headers);
    switch (res.type) {
      case 'object':
        return { type: 'object', status: res.status, headers, body: res.body };
      case 'bytes': {
        const body = typeof res.body === 'string' ? Buffer.from(res.body) : res.body;
        if (req.expect !== 'bytes' && isJson(res.contentType)) {
          return { type: 'object', status: res.status, headers, body: parseJsonBody(body) };
        }
        return { type: 'bytes', status: res.status, headers, contentType: res.contentType, body };
      }
      case 'watch':
        return { type: 'watch', status: res.status, headers, events: this.track(res.stream, req.signal) };
      case 'stream':
        return { type: 'stream', status: res.status, headers, contentType: res.contentType, body: toBytes(res.body) };
      case 'redirect':
        return { type: 'object', status: res.status, headers: { ...headers, location: res.location }, body: undefined };
    }
  }

  /** Registers a watch so dispose() ends it; the caller's signal closes it too. */
  private track(
    stream: { next(): Promise<{ type: string; object: unknown } | undefined>; close(): void },
    signal: AbortSignal | undefined,
  ) {
    let closed = false;
    const onAbort = () => handle.close();
    const handle = {
      close: () => {
        if (closed) return;
        closed = true;
        this.streams.delete(handle);
        signal?.removeEventListener('abort', onAbort);
        stream.close();
      },
    };
    this.streams.add(handle);
    signal?.addEventListener('abort', onAbort, { once: true });
    const source: WatchEventSource = {
      next: async () => {
        if (closed) return undefined;
        const ev = await stream.next();
        if (!ev) {
          handle.close();
          return undefined;
        }
        return toWatchEvent(ev);
      },
      close: handle.close,
    };
    return source;
  }

  /** Ends every open watch; later calls fail. */
  dispose(): void {
    this.disposed = true;
    for (const s of [...this.streams]) s.close();
  }
}

function normalizeHeaders(h: InProcessHeaders | undefined): ResponseHeaders {
  const out: ResponseHeaders = {};
  if (h) for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function isJson(contentType: string | undefined): boolean {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return t === 'application/json' || t.endsWith('+json');
}

/** Pre-encoded bodies are decoded here, since the server expects a value in process. */
function decodeBody(body: unknown, contentType: string | undefined): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if ((contentType ?? '').includes('yaml')) return parseYaml(text) as unknown;
  return parseJsonBody(text);
}

function parseJsonBody(body: Uint8Array | string): unknown {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if (text.trim() === '') return undefined;
  return JSON.parse(text) as unknown;
}

async function* toBytes(src: AsyncIterable<Uint8Array | string>): AsyncIterable<Uint8Array> {
  for await (const chunk of src) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

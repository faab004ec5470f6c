import type { Disposable } from '../lib/disposable.js';

/**
 * The transport contract: one round trip to an API server, below every
 * Kubernetes semantic the REST client adds (rate limits, retries, Status
 * errors). Two implementations: `HttpTransport` (HTTPS, HTTP/2 preferred) and
 * `InProcessTransport` (a direct call into the apiserver's handler).
 *
 * A transport never interprets status codes: a 404 is a response like a 200.
 * It throws only when no response was obtained (`TransportError`), or with the
 * signal's reason when the caller aborted.
 */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One watch event as decoded from the stream (`object` is a Status for ERROR). */
export interface WatchEvent<T = unknown> {
  type: WatchEventType;
  object: T;
}

/**
 * A pull-based event source. `next()` resolves undefined when the server ended
 * the watch and rejects when the stream broke (TransportError) or was not
 * valid JSON. `close()` ends it from the client side; idempotent.
 */
export interface WatchEventSource {
  next(): Promise<WatchEvent | undefined>;
  close(): void;
}

/** Lower-case header names; repeated headers as arrays. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** What the caller will do with the response body. */
export type ResponseExpectation = 'object' | 'watch' | 'bytes' | 'stream';

export interface TransportRequest {
  method: HttpMethod;
  /** Absolute path, each segment already percent-encoded (see `resourcePath`). */
  path: string;
  query?: URLSearchParams;
  /** Extra request headers, lower-case names (content-type of patches, impersonation...). */
  headers?: Record<string, string>;
  /**
   * The body: a value (JSON-encoded on the wire, handed over as-is in process)
   * or pre-encoded text/bytes (sent verbatim over HTTP, parsed in process).
   */
  body?: unknown;
  /** Defaults to 'object'. A non-2xx answer is always read as an object/bytes response. */
  expect?: ResponseExpectation;
  signal?: AbortSignal;
}

export type TransportResponse =
  /** A decoded JSON body (undefined when empty). */
  | { type: 'object'; status: number; headers: ResponseHeaders; body: unknown }
  /** A body that is not JSON (or `expect: 'bytes'`). */
  | { type: 'bytes'; status: number; headers: ResponseHeaders; contentType: string; body: Uint8Array }
  | { type: 'watch'; status: number; headers: ResponseHeaders; events: WatchEventSource }
  | { type: 'stream'; status: number; headers: ResponseHeaders; contentType: string; body: AsyncIterable<Uint8Array> };

export interface Transport extends Disposable {
  /** 'http' or 'in-process' (for logs and for callers that care about sharing). */
  readonly kind: 'http' | 'in-process';
  roundTrip(req: TransportRequest): Promise<TransportResponse>;
  /** Closes connections; in-flight requests fail. */
  dispose(): void | Promise<void>;
}

/**
 * No response was obtained. `notSent` is true when the server provably did not
 * start processing the request (connection refused, HTTP/2 REFUSED_STREAM or a
 * GOAWAY that excluded the stream), so any verb may be retried. `retryable` is
 * false for failures a retry cannot fix (TLS verification, undecodable data).
 */
export class TransportError extends Error {
  override name = 'TransportError';
  readonly retryable: boolean;
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly notSent: boolean,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options?.retryable ?? true;
  }
}

export function isTransportError(err: unknown): err is TransportError {
  return err instanceof TransportError;
}

/** The first value of a response header (case-insensitive name). */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** All values of a possibly repeated header. */
export function headerValues(headers: ResponseHeaders, name: string): string[] {
  const v = headers[name.toLowerCase()];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

const watchTypes = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** Validates one decoded watch frame `{type, object}`. */
export function toWatchEvent(frame: unknown): WatchEvent {
  if (frame === null || typeof frame !== 'object') throw new TypeError('watch frame is not an object');
  const { type, object } = frame as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || !watchTypes.has(type)) {
    throw new TypeError(`got invalid watch event type: ${String(type)}`);
  }
  return { type: type as WatchEventType, object };
}

import type { StatusError } from '../api/errors/status-error.js';
import { AbortError, anySignal } from '../lib/abort.js';
import { Backoff, type BackoffOptions } from '../lib/backoff.js';
import { type Clock, realClock } from '../lib/clock.js';
import { type Logger, nullLogger } from '../lib/log.js';
import { TokenBucket } from '../lib/rate-limiter.js';
import {
  errorFromResponse,
  isFailureStatus,
  retryAfterSeconds,
  statusErrorFrom,
  type RequestTarget,
} from './response-error.js';
import {
  headerValues,
  TransportError,
  type HttpMethod,
  type ResponseExpectation,
  type Transport,
  type TransportResponse,
} from './transport.js';
import { Deadlines } from './deadlines.js';
import { Watch } from './watch.js';

export interface RestClientOptions {
  transport: Transport;
  /** Client-side rate limit (client-go defaults: 5 qps, burst 10). Infinity disables it. */
  qps?: number;
  burst?: number;
  /** A bucket shared with other clients (overrides qps/burst); null disables limiting. */
  rateLimiter?: TokenBucket | null;
  /** Retries per request after the first attempt (default 5). */
  maxRetries?: number;
  /** Delay between retries when the server gave no Retry-After (default 100 ms doubling to 5 s, 20% jitter). */
  retryBackoff?: BackoffOptions;
  /** Per-request timeout for non-watch requests (default 60 s; 0 = none). */
  timeoutMs?: number;
  clock?: Clock;
  log?: Logger;
  /** Receives server warnings (`Warning: 299 - "..."`); default: logged at warn level. */
  onWarning?: (message: string) => void;
  random?: () => number;
}

export interface RequestOptions {
  method: HttpMethod;
  path: string;
  query?: URLSearchParams;
  headers?: Record<string, string>;
  body?: unknown;
  expect?: ResponseExpectation;
  signal?: AbortSignal;
  /** Overrides the client's timeout for this call (0 = none). Watches and streams never time out here. */
  timeoutMs?: number;
  /** Resource and name addressed, for error messages. */
  target?: Omit<RequestTarget, 'method'>;
}

/** Methods safe to repeat after an ambiguous failure (the request may have been processed). */
const idempotent = new Set<HttpMethod>(['GET', 'HEAD', 'PUT']);

/**
 * The REST layer over a Transport: client-side QPS limiting, per-request
 * timeouts, retries, and Status errors. A non-2xx response (or a 2xx Failure
 * Status) throws a StatusError, so `isNotFound(err)` etc. work.
 *
 * Retry policy (each attempt waits for a rate-limiter token again):
 * - 429, and any 5xx carrying Retry-After: every verb (the server asked), waiting Retry-After;
 * - other 5xx and ambiguous network failures: only GET/HEAD/PUT, with backoff;
 * - network failures before the request reached the server (connection
 *   refused, REFUSED_STREAM, GOAWAY): every verb, the first retry at once.
 * Returned objects may be shared with the server's caches (in-process): read-only.
 */
export class RestClient {
  readonly transport: Transport;
  readonly clock: Clock;
  readonly log: Logger;
  private readonly limiter: TokenBucket | null;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly backoffOpts: BackoffOptions;
  private readonly onWarning: (message: string) => void;
  private readonly random: () => number;
  private readonly deadlines: Deadlines;

  constructor(opts: RestClientOptions) {
    this.transport = opts.transport;
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.limiter =
      opts.rateLimiter !== undefined
        ? opts.rateLimiter
        : new TokenBucket(opts.qps ?? 5, opts.burst ?? opts.qps ?? 10, this.clock);
    this.maxRetries = opts.maxRetries ?? 5;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.backoffOpts = opts.retryBackoff ?? { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.2 };
    this.onWarning = opts.onWarning ?? ((message) => this.log.warn('server warning', { message }));
    this.random = opts.random ?? Math.random;
    this.deadlines = new Deadlines(this.clock);
  }

  /** One request; resolves with a 2xx response, throws StatusError / TransportError / the abort reason. */
  async request(opts: RequestOptions): Promise<TransportResponse> {
    let backoff: Backoff | undefined;
    const nextBackoff = () => (backoff ??= new Backoff(this.backoffOpts, this.random));
    const long = opts.expect === 'watch' || opts.expect === 'stream';
    const timeoutMs = long ? 0 : (opts.timeoutMs ?? this.timeoutMs);
    for (let attempt = 0; ; attempt++) {
      // An available token costs no await (a busy in-process client issues thousands of requests a second).
      if (this.limiter && !this.limiter.tryAccept()) await this.limiter.wait(opts.signal);
      const deadline = timeoutMs > 0 ? this.deadlines.start(timeoutMs) : undefined;
      const combined = deadline && opts.signal ? anySignal([opts.signal, deadline.signal]) : undefined;
      let res: TransportResponse;
      try {
        res = await this.transport.roundTrip({
          method: opts.method,
          path: opts.path,
          query: opts.query,
          headers: opts.headers,
          body: opts.body,
          expect: opts.expect,
          signal: combined?.signal ?? deadline?.signal ?? opts.signal,
        });
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? new AbortError();
        if (deadline?.signal.aborted) {
          throw new AbortError(`${opts.method} ${opts.path}: client timeout after ${timeoutMs}ms`);
        }
        const delay = this.networkRetryDelay(err, opts.method, attempt, nextBackoff);
        if (delay === undefined) throw err;
        this.log.debug('retrying after network error', { method: opts.method, path: opts.path, attempt, err });
        if (delay > 0) await this.clock.sleep(delay, opts.signal);
        continue;
      } finally {
        deadline?.done();
        combined?.dispose();
      }
      this.warnings(res);
      if (res.status >= 200 && res.status < 300) {
        if (res.type === 'object' && isFailureStatus(res.body)) throw statusErrorFrom(res.body, res.status)!;
        return res;
      }
      const target: RequestTarget = { method: opts.method, ...opts.target };
      const err = errorFromResponse(res, target);
      if (res.type === 'watch') res.events.close();
      const delay = this.statusRetryDelay(err, res, opts.method, attempt, nextBackoff);
      if (delay === undefined) throw err;
      this.log.debug('retrying', { method: opts.method, path: opts.path, code: res.status, attempt, delayMs: delay });
      if (delay > 0) await this.clock.sleep(delay, opts.signal);
    }
  }

  /** A request whose 2xx answer is a JSON object (or nothing). */
  async requestObject<T>(opts: RequestOptions): Promise<T> {
    const res = await this.request({ ...opts, expect: opts.expect ?? 'object' });
    if (res.type === 'object') return res.body as T;
    if (res.type === 'bytes') return JSON.parse(Buffer.from(res.body).toString('utf8')) as T;
    throw new TransportError(`unexpected ${res.type} response`, 'ERR_UNEXPECTED_RESPONSE', false, { retryable: false });
  }

  /** Opens a watch (`watch=true` must be in the query); see Watch for event semantics. */
  async watch<T>(opts: Omit<RequestOptions, 'expect'>): Promise<Watch<T>> {
    const res = await this.request({ ...opts, expect: 'watch' });
    const description = `${opts.path}?${opts.query?.toString() ?? ''}`;
    if (res.type === 'watch') return new Watch<T>(res.events, description);
    throw new TransportError(`watch ${description}: the server did not stream events`, 'ERR_NOT_A_WATCH', false, {
      retryable: false,
    });
  }

  private warnings(res: TransportResponse): void {
    for (const w of headerValues(res.headers, 'warning')) {
      for (const part of w.split(/,(?=\s*\d{3} )/)) {
        const m = /^\s*\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/.exec(part);
        this.onWarning(m ? m[1]!.replace(/\\(.)/g, '$1') : part.trim());
      }
    }
  }

  private networkRetryDelay(err: unknown, method: HttpMethod, attempt: number, b: () => Backoff): number | undefined {
    if (!(err instanceof TransportError) || !err.retryable || attempt >= this.maxRetries) return undefined;
    if (err.notSent) return attempt === 0 ? 0 : b().next();
    return idempotent.has(method) ? b().next() : undefined;
  }

  private statusRetryDelay(
    err: StatusError,
    res: TransportResponse,
    method: HttpMethod,
    attempt: number,
    b: () => Backoff,
  ): number | undefined {
    if (attempt >= this.maxRetries) return undefined;
    const after = retryAfterSeconds(res) ?? err.details?.retryAfterSeconds;
    if (res.status === 429) return after !== undefined && after > 0 ? after * 1000 : b().next();
    if (res.status >= 500) {
      if (after !== undefined && after > 0) return after * 1000;
      if (idempotent.has(method) && res.status !== 501) return b().next();
    }
    return undefined;
  }

  dispose(): void | Promise<void> {
    return this.transport.dispose();
  }
}

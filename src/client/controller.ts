import { isAbortError } from '../lib/abort.js';
import { type Clock, realClock } from '../lib/clock.js';
import { type Logger, nullLogger } from '../lib/log.js';
import type { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';
import type { QueueMetrics } from './workqueue/queue.js';

/** What a reconcile asks for besides success (controller-runtime `reconcile.Result`). */
export interface Result {
  /** Reconcile again after this many ms (polling); the item's failure history is forgotten. */
  requeueAfter?: number;
  /** Reconcile again with rate-limited backoff, without logging an error. */
  requeue?: boolean;
}

/**
 * Thrown by a reconcile to say "retrying won't help" (bad spec, unsupported
 * input): the key is forgotten and the error logged, not retried. Any other
 * thrown value is retried with per-item backoff.
 */
export class TerminalError extends Error {
  override name = 'TerminalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isTerminalError(err: unknown): err is TerminalError {
  return err instanceof TerminalError;
}

/** Plain counters for `/metrics` (controller-runtime `controller_runtime_reconcile_*` in spirit). */
export interface ControllerMetrics {
  name: string;
  reconcileTotal: number;
  /** Reconciles that threw a retryable error. */
  reconcileErrors: number;
  /** Reconciles that threw TerminalError. */
  terminalErrors: number;
  /** Reconciles that asked for requeue / requeueAfter. */
  requeues: number;
  activeWorkers: number;
  /** Queue length as of the last update (sampled on every get/done). */
  queueDepth: number;
  latency: { count: number; sumMs: number; maxMs: number; buckets: Record<string, number> };
  /** The work queue's own add/retry counters (`workqueue_adds_total`, `workqueue_retries_total`). */
  queue?: QueueMetrics;
}

/** Histogram bucket bounds in ms (cumulative, Prometheus style); `+Inf` is `count`. */
export const latencyBucketsMs = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 60000];

/** Every controller's metrics by name, for a later `/metrics` endpoint. */
export const controllerMetrics = new Map<string, ControllerMetrics>();

export function newControllerMetrics(name: string): ControllerMetrics {
  return {
    name,
    reconcileTotal: 0,
    reconcileErrors: 0,
    terminalErrors: 0,
    requeues: 0,
    activeWorkers: 0,
    queueDepth: 0,
    latency: { count: 0, sumMs: 0, maxMs: 0, buckets: Object.fromEntries(latencyBucketsMs.map((b) => [String(b), 0])) },
  };
}

export interface ControllerOptions<K extends NonNullable<unknown>> {
  name: string;
  queue: RateLimitingQueue<K>;
  /** Concurrent reconciles (default 1). One key is never reconciled by two workers at once. */
  workers?: number;
  /** Level-triggered: read current state (from listers), converge, return. A missing object is the delete. */
  reconcile(key: K, signal: AbortSignal): Promise<Result | void>;
  /** Stops the controller: the queue is shut down, running reconciles see the signal. */
  signal: AbortSignal;
  log?: Logger;
  clock?: Clock;
  /** Where to count; defaults to a fresh object registered in `controllerMetrics` under `name`. */
  metrics?: ControllerMetrics;
}

/**
 * Runs `workers` loops pulling keys from the queue (client-go's
 * processNextWorkItem / controller-runtime's reconcileHandler):
 * success forgets the key; `{requeueAfter}` forgets and re-adds after the
 * delay; `{requeue: true}` and any thrown error re-add rate-limited;
 * `TerminalError` forgets and logs. Resolves when `signal` has aborted and
 * every worker has finished its current reconcile; keys still queued then are
 * dropped (the next leader or process start lists everything again).
 */
export async function runController<K extends NonNullable<unknown>>(opts: ControllerOptions<K>): Promise<void> {
  const { queue, signal } = opts;
  const log = (opts.log ?? nullLogger).with({ controller: opts.name });
  const clock = opts.clock ?? realClock;
  const metrics = opts.metrics ?? newControllerMetrics(opts.name);
  if (!opts.metrics) controllerMetrics.set(opts.name, metrics);
  metrics.queue = queue.metrics;
  const onAbort = () => queue.shutDown();
  if (signal.aborted) queue.shutDown();
  else signal.addEventListener('abort', onAbort, { once: true });

  const observe = (ms: number) => {
    const l = metrics.latency;
    l.count++;
    l.sumMs += ms;
    l.maxMs = Math.max(l.maxMs, ms);
    for (const b of latencyBucketsMs) if (ms <= b) l.buckets[String(b)]!++;
  };

  const processOne = async (key: K) => {
    const start = clock.monotonic();
    metrics.reconcileTotal++;
    try {
      const result = await opts.reconcile(key, signal);
      if (result?.requeueAfter && result.requeueAfter > 0) {
        metrics.requeues++;
        queue.forget(key);
        queue.addAfter(key, result.requeueAfter);
      } else if (result?.requeue) {
        metrics.requeues++;
        queue.addRateLimited(key);
      } else {
        queue.forget(key);
      }
    } catch (err) {
      if (signal.aborted && isAbortError(err)) return;
      if (err instanceof TerminalError) {
        metrics.terminalErrors++;
        queue.forget(key);
        log.error('reconcile failed permanently, not retrying', { key: String(key), err });
      } else {
        metrics.reconcileErrors++;
        queue.addRateLimited(key);
        log.warn('reconcile failed, will retry', { key: String(key), err, requeues: queue.numRequeues(key) });
      }
    } finally {
      observe(clock.monotonic() - start);
    }
  };

  const worker = async () => {
    metrics.activeWorkers++;
    try {
      for (;;) {
        const key = await queue.get();
        metrics.queueDepth = queue.len();
        if (key === undefined) return;
        try {
          if (!signal.aborted) await processOne(key);
        } finally {
          queue.done(key);
          metrics.queueDepth = queue.len();
        }
      }
    } finally {
      metrics.activeWorkers--;
    }
  };

  const n = Math.max(1, opts.workers ?? 1);
  log.debug('starting workers', { workers: n });
  try {
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
    log.debug('workers stopped');
  }
}

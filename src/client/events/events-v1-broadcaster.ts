import { hostname } from 'node:os';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import { isAlreadyExists, isNotFound, StatusError } from '../../api/errors/status-error.js';
import { formatMicroTime } from '../../api/values/time.js';
import { type Clock, realClock, type Timer } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { typed } from '../resource-client.js';
import { gvr } from '../resource-path.js';
import type { RestClient } from '../rest-client.js';
import { EventsV1Recorder, isomorphicKey, type EventsV1Sink } from './events-v1-recorder.js';

export interface EventsV1BroadcasterOptions {
  rest: RestClient;
  clock?: Clock;
  log?: Logger;
  /** Writes waiting to be sent; beyond this, new ones are dropped (default 1000, as upstream). */
  queueSize?: number;
  /** Isomorphic events remembered for series aggregation; the oldest is forgotten beyond this (default 4096). */
  cacheSize?: number;
  /** Sleep between write attempts after network failures (default 10 s, plus up to 25% jitter). */
  retryDelayMs?: number;
  /** Attempts per write (default 12). */
  maxTries?: number;
  random?: () => number;
  /** A series not observed for this long is finished: final count written, forgotten (default 6 min). */
  finishMs?: number;
  /** Every open series has its count written this often (default 30 min). */
  refreshMs?: number;
  /** Host part of the default reportingInstance `<controller>-<host>` (default os.hostname()). */
  host?: string;
}

export interface EventsV1Stats {
  recorded: number;
  /** Repeats folded into an open series without a write (written by the next heartbeat). */
  aggregated: number;
  /** Dropped because the write queue was full. */
  dropped: number;
  created: number;
  patched: number;
  failed: number;
}

interface CacheEntry {
  event: EventsV1Event;
  /** Wall ms of the last observation (series.lastObservedTime, or eventTime for a singleton). */
  observed: number;
}

const eventsGVR = gvr('events.k8s.io', 'v1', 'events');
const clone = (e: EventsV1Event): EventsV1Event => structuredClone(e);

/**
 * The events.k8s.io/v1 broadcaster (client-go `tools/events`), used by
 * components that report through the new API (the scheduler, since 1.19).
 *
 * Series semantics, as upstream: the first occurrence is created; the first
 * repeat of an isomorphic event (see isomorphicKey) turns it into a series
 * `{count: 2, lastObservedTime}` PATCHed onto the original object at once;
 * later repeats only bump the cached count. The counts reach the server on
 * heartbeats: every `refreshMs` for each open series, and once more when a
 * series has been quiet for `finishMs` (it is then forgotten, as is a
 * singleton older than `finishMs`, so the next occurrence starts afresh).
 *
 * Writes go through one bounded queue in order; network failures are retried
 * (`maxTries`, jittered sleeps), API rejections are not, except an
 * AlreadyExists while re-creating a series whose PATCH found nothing.
 */
export class EventsV1Broadcaster implements Disposable {
  readonly stats: EventsV1Stats = { recorded: 0, aggregated: 0, dropped: 0, created: 0, patched: 0, failed: 0 };
  readonly clock: Clock;
  private readonly log: Logger;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly queue: EventsV1Event[] = [];
  private readonly stop = new AbortController();
  private readonly timers: Timer[];
  private readonly sink: EventsV1Sink;
  private pumping: Promise<void> | undefined;
  private seq = 0;

  constructor(private readonly opts: EventsV1BroadcasterOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.timers = [
      this.clock.setInterval(() => this.refreshSeries(), opts.refreshMs ?? 30 * 60_000),
      this.clock.setInterval(() => this.finishSeries(), opts.finishMs ?? 6 * 60_000),
    ];
    this.sink = {
      clock: this.clock,
      nanos: () => this.nanos(),
      record: (e) => this.record(e),
      logError: (msg) => this.log.error(msg),
    };
  }

  /**
   * A recorder reporting as `reportingController`; the instance defaults to
   * `<controller>-<host>` as upstream's NewRecorder. `actions` maps reasons to
   * actions for the legacy `event()` call form.
   */
  newRecorder(
    reportingController: string,
    o: { reportingInstance?: string; actions?: Readonly<Record<string, string>> } = {},
  ): EventsV1Recorder {
    const instance = o.reportingInstance ?? `${reportingController}-${this.opts.host ?? hostname()}`;
    return new EventsV1Recorder(this.sink, reportingController, instance, o.actions);
  }

  /** A unique nanosecond timestamp (ms clock plus a sub-ms sequence). */
  nanos(): bigint {
    this.seq = (this.seq + 1) % 1_000_000;
    return BigInt(Math.floor(this.clock.now())) * 1_000_000n + BigInt(this.seq);
  }

  /** Aggregates `event` into the series cache and queues the write it needs, if any. */
  record(event: EventsV1Event): void {
    if (this.stop.signal.aborted) return;
    this.stats.recorded++;
    const key = isomorphicKey(event);
    const now = this.clock.now();
    const cached = this.cache.get(key);
    if (cached) {
      const count = (cached.event.series?.count ?? 1) + 1;
      cached.event = { ...cached.event, series: { count, lastObservedTime: formatMicroTime(now) } };
      cached.observed = now;
      if (count > 2) {
        this.stats.aggregated++;
        return;
      }
      this.enqueue(clone(cached.event));
      return;
    }
    this.cache.set(key, { event: clone(event), observed: now });
    if (this.cache.size > (this.opts.cacheSize ?? 4096)) this.cache.delete(this.cache.keys().next().value as string);
    this.enqueue(clone(event));
  }

  /** Heartbeat: writes the current count of every open series. */
  refreshSeries(): void {
    for (const { event } of this.cache.values()) if (event.series) this.enqueue(clone(event));
  }

  /** Writes the final count of series quiet for `finishMs` and forgets them and old singletons. */
  finishSeries(): void {
    const cutoff = this.clock.now() - (this.opts.finishMs ?? 6 * 60_000);
    for (const [key, entry] of this.cache) {
      if (entry.observed >= cutoff) continue;
      if (entry.event.series) this.enqueue(clone(entry.event));
      this.cache.delete(key);
    }
  }

  /** Resolves once every queued write has been handled (written, or given up). */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Stops the heartbeats and accepting events, abandons retry sleeps, waits for the writer. */
  async shutdown(): Promise<void> {
    this.stop.abort();
    for (const t of this.timers) t.cancel();
    this.queue.length = 0;
    await this.flush();
  }

  dispose(): Promise<void> {
    return this.shutdown();
  }

  private enqueue(event: EventsV1Event): void {
    if (this.queue.length >= (this.opts.queueSize ?? 1000)) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(event);
    this.kick();
  }

  /** Starts the writer unless it runs; it restarts itself if events arrived while it was settling. */
  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.queue.length > 0 && !this.stop.signal.aborted) this.kick();
    });
  }

  private async pump(): Promise<void> {
    for (;;) {
      const ev = this.queue.shift();
      if (!ev) return;
      try {
        await this.writeWithRetries(ev);
      } catch (err) {
        this.log.error('event writer failed', { err });
      }
    }
  }

  private async writeWithRetries(ev: EventsV1Event): Promise<void> {
    const maxTries = this.opts.maxTries ?? 12;
    const delay = this.opts.retryDelayMs ?? 10_000;
    const random = this.opts.random ?? Math.random;
    for (let tries = 1; ; tries++) {
      if (await this.write(ev)) return;
      if (tries >= maxTries) {
        this.stats.failed++;
        this.log.error('Unable to write event (retry limit exceeded!)', { event: ev.metadata?.name });
        return;
      }
      try {
        await this.clock.sleep(delay * (1 + 0.25 * random()), this.stop.signal);
      } catch {
        return;
      }
    }
  }

  /** One attempt (client-go recordEvent); true when done (written, or rejected for good). */
  private async write(ev: EventsV1Event): Promise<boolean> {
    const client = typed<EventsV1Event & { metadata: object }>(this.opts.rest, eventsGVR, ev.metadata?.namespace);
    const isSeries = ev.series !== undefined;
    try {
      if (isSeries) {
        try {
          // The two-way merge patch from the event without its series to the event with it.
          await client.patch(ev.metadata!.name!, 'strategic', { series: ev.series });
          this.stats.patched++;
          return true;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      const { resourceVersion: _rv, ...metadata } = ev.metadata ?? {};
      await client.create({ ...ev, metadata });
      this.stats.created++;
      return true;
    } catch (err) {
      if (err instanceof StatusError) {
        // A series re-created after its PATCH found nothing may race its own earlier create: try again.
        if (isAlreadyExists(err) && isSeries) return false;
        const terminating = err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');
        if (isAlreadyExists(err) || terminating) this.log.debug('Server rejected event (will not retry!)', { err });
        else this.log.error('Server rejected event (will not retry!)', { err, event: ev.metadata?.name });
        this.stats.failed++;
        return true;
      }
      this.log.warn('Unable to write event (may retry after sleeping)', { err });
      return false;
    }
  }
}

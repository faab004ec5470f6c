import type { Event } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../api/values/time.js';
import type { Clock } from '../../lib/clock.js';
import { TokenBucket } from '../../lib/rate-limiter.js';
import { LruCache } from './lru.js';

export interface CorrelatorOptions {
  clock: Clock;
  /** Entries per cache (default 4096). */
  cacheSize?: number;
  /** Distinct messages per object+reason before combining (default 10). */
  maxSimilarEvents?: number;
  /** Window for both aggregation and count-deduplication (default 10 minutes). */
  intervalMs?: number;
  /** Spam filter: events per source+object (default burst 25, one more every 5 minutes). */
  spamBurst?: number;
  spamQps?: number;
}

export interface CorrelationResult {
  /** The event to write: new (count 1) or an existing one with its count bumped. */
  event: Event;
  /** For a repeat: the strategic merge patch `{count, lastTimestamp, message}` for the existing event. */
  patch?: { count: number; lastTimestamp: string; message: string };
  /** Dropped by the spam filter. */
  skip: boolean;
  /** Where the observation lives; pass it back to updateState after the write. */
  key: string;
}

interface Observation {
  count: number;
  firstTimestamp: string | undefined;
  name: string;
  resourceVersion: string | undefined;
  lastSeen: number;
}

const join = (parts: (string | undefined)[]) => parts.map((p) => p ?? '').join('');

/** source + object + type + reason + message: identical events (client-go getEventKey). */
export function eventKey(e: Event): string {
  const o = e.involvedObject;
  return join([
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.fieldPath,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.message,
  ]);
}

/** source + object + type + reason (+ reporting fields): similar events (EventAggregatorByReasonFunc). */
export function aggregateKey(e: Event): string {
  const o = e.involvedObject;
  return join([
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.reportingComponent,
    e.reportingInstance,
  ]);
}

/** source + object: the spam filter's bucket (client-go getSpamKey). */
export function spamKey(e: Event): string {
  const o = e.involvedObject;
  return join([e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion]);
}

/** `<object name>.<hex nanoseconds>`, the upstream event name. */
export function eventName(objectName: string | undefined, nanos: bigint): string {
  return `${objectName ?? ''}.${nanos.toString(16)}`;
}

/**
 * client-go's EventCorrelator (`tools/record/events_cache.go`), applied to
 * each event before it is written:
 * 1. aggregation: the `maxSimilarEvents`-th distinct message for the same
 *    object+reason within the interval (and every later one) is replaced by a
 *    single `(combined from similar events): <message>` event;
 * 2. deduplication: an event identical to one already written within the
 *    interval becomes a PATCH of that event, bumping `count` and
 *    `lastTimestamp` (upstream keeps no time limit here; we expire after the
 *    interval so a long-quiet event starts a fresh series);
 * 3. spam filter: a token bucket per source+object drops the excess.
 */
export class EventCorrelator {
  private readonly clock: Clock;
  private readonly maxSimilar: number;
  private readonly intervalMs: number;
  private readonly aggregates: LruCache<string, { messages: Set<string>; last: number }>;
  private readonly observations: LruCache<string, Observation>;
  private readonly spam: LruCache<string, TokenBucket>;
  private readonly spamBurst: number;
  private readonly spamQps: number;
  private seq = 0;

  constructor(opts: CorrelatorOptions) {
    this.clock = opts.clock;
    const size = opts.cacheSize ?? 4096;
    this.maxSimilar = opts.maxSimilarEvents ?? 10;
    this.intervalMs = opts.intervalMs ?? 600_000;
    this.spamBurst = opts.spamBurst ?? 25;
    this.spamQps = opts.spamQps ?? 1 / 300;
    this.aggregates = new LruCache(size);
    this.observations = new LruCache(size);
    this.spam = new LruCache(size);
  }

  /** A unique nanosecond timestamp for event names (ms clock plus a sub-ms sequence). */
  nanos(): bigint {
    this.seq = (this.seq + 1) % 1_000_000;
    return BigInt(Math.floor(this.clock.now())) * 1_000_000n + BigInt(this.seq);
  }

  correlate(input: Event): CorrelationResult {
    const { event: aggregated, key } = this.aggregate(input);
    const { event, patch } = this.observe(aggregated, key);
    const bucketKey = spamKey(event);
    let bucket = this.spam.get(bucketKey);
    if (!bucket) bucket = new TokenBucket(this.spamQps, this.spamBurst, this.clock);
    this.spam.set(bucketKey, bucket);
    if (!bucket.tryAccept()) return { event, skip: true, key };
    return { event, patch, skip: false, key };
  }

  /** Records what the server returned, so the next repeat patches the right object and count. */
  updateState(written: Event, key: string): void {
    this.observations.set(key, {
      count: written.count ?? 1,
      firstTimestamp: written.firstTimestamp,
      name: written.metadata?.name ?? '',
      resourceVersion: written.metadata?.resourceVersion,
      lastSeen: this.clock.monotonic(),
    });
  }

  private aggregate(e: Event): { event: Event; key: string } {
    const now = this.clock.monotonic();
    const aKey = aggregateKey(e);
    let rec = this.aggregates.get(aKey);
    if (!rec || now - rec.last > this.intervalMs) rec = { messages: new Set(), last: now };
    rec.messages.add(e.message ?? '');
    rec.last = now;
    this.aggregates.set(aKey, rec);
    if (rec.messages.size < this.maxSimilar) return { event: e, key: eventKey(e) };
    rec.messages.delete(rec.messages.values().next().value as string);
    const t = formatTime(this.clock.now());
    const combined: Event = {
      ...e,
      metadata: { name: eventName(e.involvedObject.name, this.nanos()), namespace: e.metadata?.namespace },
      count: 1,
      firstTimestamp: t,
      lastTimestamp: t,
      message: `(combined from similar events): ${e.message ?? ''}`,
    };
    return { event: combined, key: aKey };
  }

  private observe(e: Event, key: string): { event: Event; patch?: CorrelationResult['patch'] } {
    const now = this.clock.monotonic();
    const last = this.observations.get(key);
    if (!last || last.count <= 0 || now - last.lastSeen > this.intervalMs) {
      this.observations.set(key, {
        count: e.count ?? 1,
        firstTimestamp: e.firstTimestamp,
        name: e.metadata?.name ?? '',
        resourceVersion: undefined,
        lastSeen: now,
      });
      return { event: e };
    }
    const count = last.count + 1;
    const event: Event = {
      ...e,
      metadata: { ...e.metadata, name: last.name, resourceVersion: last.resourceVersion },
      firstTimestamp: last.firstTimestamp,
      count,
    };
    this.observations.set(key, { ...last, count, lastSeen: now });
    return { event, patch: { count, lastTimestamp: event.lastTimestamp ?? '', message: event.message ?? '' } };
  }
}

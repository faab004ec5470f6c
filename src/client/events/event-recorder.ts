import type { Event, ObjectReference } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound, StatusError } from '../../api/errors/status-error.js';
import { formatTime } from '../../api/values/time.js';
import { type Clock, realClock } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { typed, type KubeObject } from '../resource-client.js';
import { gvr } from '../resource-path.js';
import type { RestClient } from '../rest-client.js';
import { EventCorrelator, eventName, type CorrelationResult, type CorrelatorOptions } from './event-correlator.js';

export type EventType = 'Normal' | 'Warning';

/** Who reports: `source.component`/`reportingComponent` and `source.host`/`reportingInstance`. */
export interface EventSourceInfo {
  component: string;
  host?: string;
}

export interface EventBroadcasterOptions {
  rest: RestClient;
  clock?: Clock;
  log?: Logger;
  /** Events waiting to be written; beyond this, new events are dropped (default 1000, as upstream). */
  queueSize?: number;
  /** Sleep between write attempts after network failures (default 10 s; the first is randomized). */
  retryDelayMs?: number;
  /** Attempts per event (default 12). */
  maxTries?: number;
  random?: () => number;
  correlator?: Omit<CorrelatorOptions, 'clock'>;
}

/** Counters for `/metrics` and tests. */
export interface EventStats {
  recorded: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Dropped by the spam filter. */
  skipped: number;
  created: number;
  patched: number;
  failed: number;
}

const eventsGVR = gvr('', 'v1', 'events');

/** Anything events can be about: an API object, or a reference to one. */
export type EventSubject = KubeObject | ObjectReference;

/** The ObjectReference an event is about (client-go `reference.GetReference`). */
export function referenceOf(subject: EventSubject): ObjectReference {
  if (!('metadata' in subject) || subject.metadata === undefined) return subject as ObjectReference;
  const o = subject as KubeObject;
  const ref: ObjectReference = { kind: o.kind, apiVersion: o.apiVersion, name: o.metadata!.name };
  if (o.metadata!.namespace) ref.namespace = o.metadata!.namespace;
  if (o.metadata!.uid) ref.uid = o.metadata!.uid;
  if (o.metadata!.resourceVersion) ref.resourceVersion = o.metadata!.resourceVersion;
  return ref;
}

/**
 * Records core/v1 Events for one component (client-go `record.EventRecorder`).
 * `event()` never blocks and never throws: the event is queued and written
 * later by the broadcaster.
 */
export class EventRecorder {
  constructor(
    private readonly broadcaster: EventBroadcaster,
    readonly source: EventSourceInfo,
  ) {}

  /** Records that `reason` happened to `subject`; `message` is for humans. */
  event(subject: EventSubject, type: EventType, reason: string, message: string): void {
    this.broadcaster.record(this.source, subject, type, reason, message);
  }
}

/**
 * Writes events asynchronously through one bounded queue (client-go
 * `record.EventBroadcaster` with `StartRecordingToSink`). Each event goes
 * through the EventCorrelator (aggregation, count deduplication, spam filter)
 * and is then created, or PATCHed when it repeats an existing one. API
 * rejections are not retried; network failures are, up to `maxTries`.
 */
export class EventBroadcaster implements Disposable {
  readonly stats: EventStats = { recorded: 0, dropped: 0, skipped: 0, created: 0, patched: 0, failed: 0 };
  private readonly correlator: EventCorrelator;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly queue: Event[] = [];
  private readonly stop = new AbortController();
  private pumping: Promise<void> | undefined;

  constructor(private readonly opts: EventBroadcasterOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.correlator = new EventCorrelator({ ...opts.correlator, clock: this.clock });
  }

  newRecorder(source: EventSourceInfo): EventRecorder {
    return new EventRecorder(this, source);
  }

  /** Builds the Event now (timestamps of the call) and queues it. */
  record(source: EventSourceInfo, subject: EventSubject, type: EventType, reason: string, message: string): void {
    if (this.stop.signal.aborted) return;
    if (type !== 'Normal' && type !== 'Warning') {
      this.log.error(`Unsupported event type: '${String(type)}'`);
      return;
    }
    const ref = referenceOf(subject);
    const t = formatTime(this.clock.now());
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName(ref.name, this.correlator.nanos()), namespace: ref.namespace || 'default' },
      involvedObject: ref,
      reason,
      message,
      type,
      source: source.host ? { component: source.component, host: source.host } : { component: source.component },
      firstTimestamp: t,
      lastTimestamp: t,
      count: 1,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    };
    this.stats.recorded++;
    this.log.debug('Event occurred', {
      object: `${ref.namespace ?? ''}/${ref.name ?? ''}`,
      kind: ref.kind,
      type,
      reason,
      message,
    });
    if (this.queue.length >= (this.opts.queueSize ?? 1000)) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(event);
    this.kick();
  }

  /**
   * Starts the writer unless it runs. An event queued after the writer found
   * the queue empty but before its promise settled would otherwise wait for the
   * next event: the writer restarts itself when it finds more on settling.
   */
  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.queue.length > 0 && !this.stop.signal.aborted) this.kick();
    });
  }

  /** Resolves once every queued event has been handled (written, merged, skipped or given up). */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Stops accepting events, abandons retry sleeps, and waits for the writer to stop. */
  async shutdown(): Promise<void> {
    this.stop.abort();
    this.queue.length = 0;
    await this.flush();
  }

  dispose(): Promise<void> {
    return this.shutdown();
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

  private async writeWithRetries(ev: Event): Promise<void> {
    const result = this.correlator.correlate(ev);
    if (result.skip) {
      this.stats.skipped++;
      return;
    }
    const maxTries = this.opts.maxTries ?? 12;
    const delay = this.opts.retryDelayMs ?? 10_000;
    for (let tries = 1; ; tries++) {
      if (await this.write(result)) return;
      if (tries >= maxTries) {
        this.stats.failed++;
        this.log.error('Unable to write event (retry limit exceeded!)', { event: result.event.metadata?.name });
        return;
      }
      const wait = tries === 1 ? delay * (this.opts.random ?? Math.random)() : delay;
      try {
        await this.clock.sleep(wait, this.stop.signal);
      } catch {
        this.log.error('Unable to write event (broadcaster is shut down)', { event: result.event.metadata?.name });
        return;
      }
    }
  }

  /** One attempt; true when done (written, or rejected for good). */
  private async write({ event, patch, key }: CorrelationResult): Promise<boolean> {
    const client = typed<Event>(this.opts.rest, eventsGVR, event.metadata?.namespace);
    try {
      let written: Event | undefined;
      if ((event.count ?? 1) > 1 && patch) {
        try {
          written = await client.patch(event.metadata!.name!, 'strategic', patch);
          this.stats.patched++;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      if (!written) {
        const { resourceVersion: _rv, ...metadata } = event.metadata ?? {};
        written = await client.create({ ...event, metadata });
        this.stats.created++;
      }
      this.correlator.updateState(written, key);
      return true;
    } catch (err) {
      if (err instanceof StatusError) {
        const terminating = err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');
        if (isAlreadyExists(err) || terminating) this.log.debug('Server rejected event (will not retry!)', { err });
        else this.log.error('Server rejected event (will not retry!)', { err, event: event.metadata?.name });
        this.stats.failed++;
        return true;
      }
      this.log.warn('Unable to write event (may retry after sleeping)', { err });
      return false;
    }
  }
}

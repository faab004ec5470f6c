import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import { formatMicroTime } from '../../api/values/time.js';
import { referenceOf, type EventSubject, type EventType } from './event-recorder.js';

/** What an events.k8s.io/v1 recorder hands its broadcaster. */
export interface EventsV1Sink {
  readonly clock: { now(): number };
  /** A unique nanosecond timestamp for event names. */
  nanos(): bigint;
  record(event: EventsV1Event): void;
  logError(msg: string): void;
}

const referenceFields = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'] as const;

function refKey(r: ObjectReference | undefined): string {
  return r ? referenceFields.map((f) => r[f] ?? '').join('\u0000') : '';
}

/**
 * Events that are "the same thing happening again" (client-go
 * `tools/events` getKey): type, action, reason, reporting controller and the
 * regarding/related objects. The note is deliberately not part of it, so a
 * repeated FailedScheduling with a changed message still joins the series.
 */
export function isomorphicKey(e: EventsV1Event): string {
  return [
    e.type ?? '',
    e.action ?? '',
    e.reason ?? '',
    e.reportingController ?? '',
    refKey(e.regarding),
    refKey(e.related),
  ].join('\u0001');
}

/**
 * Records events.k8s.io/v1 Events for one reporting controller (client-go
 * `tools/events.EventRecorder`). Like the core/v1 recorder it never blocks
 * or throws: the event is handed to the broadcaster, which aggregates
 * repeats into a series and writes asynchronously.
 */
export class EventsV1Recorder {
  constructor(
    private readonly sink: EventsV1Sink,
    readonly reportingController: string,
    readonly reportingInstance: string,
    /** reason -> action for callers that use the legacy `event()` form (absent: the reason itself). */
    private readonly actions: Readonly<Record<string, string>> = {},
  ) {}

  /**
   * `action` is what the reporter did (e.g. "Scheduling"), `reason` why
   * (e.g. "FailedScheduling"); `related` is a secondary object (e.g. the
   * preemptor of a victim).
   */
  eventf(
    regarding: EventSubject,
    related: EventSubject | undefined,
    type: EventType,
    reason: string,
    action: string,
    note: string,
  ): void {
    if (type !== 'Normal' && type !== 'Warning') {
      this.sink.logError(`Unsupported event type: '${String(type)}'`);
      return;
    }
    const ref = referenceOf(regarding);
    const now = this.sink.clock.now();
    const event: EventsV1Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${ref.name ?? ''}.${this.sink.nanos().toString(16)}`, namespace: ref.namespace || 'default' },
      eventTime: formatMicroTime(now),
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      action,
      reason,
      regarding: ref,
      note,
      type,
    };
    if (related) event.related = referenceOf(related);
    this.sink.record(event);
  }

  /** The core/v1 recorder's call shape, so components can switch without touching every call site. */
  event(subject: EventSubject, type: EventType, reason: string, message: string): void {
    this.eventf(subject, undefined, type, reason, this.actions[reason] ?? reason, message);
  }
}

import type { Event as CoreEvent, EventSource } from 'kubernetes-types/core/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import { translateTimestampSince } from '../../../api/values/human-duration.js';
import { docColumn, nameColumn, printer } from './columns.js';
import { nameOf } from './format.js';

/**
 * Events (upstream `printEvent`). events.k8s.io/v1 Events are printed through
 * the same code after the field mapping upstream's conversion to the internal
 * type performs (`note` -> message, `regarding` -> involvedObject, `deprecated*`
 * -> the core fields), so both APIs show the same columns.
 */

const eventColumns = [
  docColumn('Last Seen', 'string', 'Event.lastTimestamp'),
  docColumn('Type', 'string', 'Event.type'),
  docColumn('Reason', 'string', 'Event.reason'),
  docColumn('Object', 'string', 'Event.involvedObject'),
  docColumn('Subobject', 'string', 'ObjectReference.fieldPath', { priority: 1 }),
  docColumn('Source', 'string', 'Event.source', { priority: 1 }),
  docColumn('Message', 'string', 'Event.message'),
  docColumn('First Seen', 'string', 'Event.firstTimestamp', { priority: 1 }),
  docColumn('Count', 'string', 'Event.count', { priority: 1 }),
  { ...nameColumn, priority: 1 },
];

/** `formatEventSource`: component (or reportingController), then `, host` (or reportingInstance) when set. */
function formatEventSource(source: EventSource | undefined, controller?: string, instance?: string): string {
  const component = source?.component || controller || '';
  const host = source?.host || instance || '';
  return host ? `${component}, ${host}` : component;
}

/** Row cells of a core/v1 Event. */
export function printCoreEvent(ev: CoreEvent, now: number): (string | number)[] {
  // A zero firstTimestamp falls back to eventTime; a zero lastTimestamp to the first.
  const firstTimestamp = ev.firstTimestamp
    ? translateTimestampSince(ev.firstTimestamp, now)
    : translateTimestampSince(ev.eventTime, now);
  let lastTimestamp = ev.lastTimestamp ? translateTimestampSince(ev.lastTimestamp, now) : firstTimestamp;
  let count = ev.count ?? 0;
  if (ev.series) {
    lastTimestamp = translateTimestampSince(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events of the new API carry no count.
    count = 1;
  }
  const kind = (ev.involvedObject?.kind ?? '').toLowerCase();
  const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
  return [
    lastTimestamp,
    ev.type ?? '',
    ev.reason ?? '',
    target,
    ev.involvedObject?.fieldPath ?? '',
    formatEventSource(ev.source, ev.reportingComponent, ev.reportingInstance),
    (ev.message ?? '').trim(),
    firstTimestamp,
    count,
    nameOf(ev),
  ];
}

/** The core/v1 view of an events.k8s.io/v1 Event, as upstream's conversion builds it. */
export function eventsV1ToCore(ev: EventsV1Event): CoreEvent {
  return {
    metadata: ev.metadata ?? {},
    involvedObject: ev.regarding ?? {},
    related: ev.related,
    type: ev.type,
    reason: ev.reason,
    action: ev.action,
    message: ev.note,
    eventTime: ev.eventTime,
    series: ev.series ? { count: ev.series.count, lastObservedTime: ev.series.lastObservedTime } : undefined,
    reportingComponent: ev.reportingController,
    reportingInstance: ev.reportingInstance,
    source: ev.deprecatedSource,
    firstTimestamp: ev.deprecatedFirstTimestamp,
    lastTimestamp: ev.deprecatedLastTimestamp,
    count: ev.deprecatedCount,
  };
}

export const eventPrinter = printer(eventColumns, (ev: CoreEvent, now) => printCoreEvent(ev, now));

export const eventsV1EventPrinter = printer(eventColumns, (ev: EventsV1Event, now) =>
  printCoreEvent(eventsV1ToCore(ev), now),
);

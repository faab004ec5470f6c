import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import { num, str, validateImmutable } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import {
  isDNS1123Subdomain,
  isQualifiedName,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  type NameValidator,
} from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/**
 * Events. core/v1 events get only the legacy checks (namespace consistency and,
 * for new-style events with eventTime, the reporting fields); events.k8s.io/v1
 * events are validated strictly. Both are checked in the internal (core) shape,
 * so errors name core fields (`involvedObject`, `message`), as upstream's do.
 */
const p = (...names: string[]) => FieldPath.of(...names);
const genericName: NameValidator = (name) => nameIsPathSegment(name, false);

/** events.k8s.io/v1 wire shape -> the core field names upstream validates. */
export function eventsV1ToCore(e: EventsV1Event): CoreEvent {
  return {
    metadata: e.metadata ?? {},
    eventTime: e.eventTime,
    series: e.series ? { count: e.series.count, lastObservedTime: e.series.lastObservedTime } : undefined,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
    action: e.action,
    reason: e.reason,
    involvedObject: e.regarding ?? {},
    related: e.related,
    message: e.note,
    type: e.type,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
  };
}

function legacyValidateEvent(e: CoreEvent): FieldError[] {
  const errs: FieldError[] = [];
  const ns = str(e.metadata?.namespace);
  const involvedNs = str(e.involvedObject?.namespace);
  const mismatch = () =>
    errs.push(p('involvedObject', 'namespace').invalid(involvedNs, 'does not match event.namespace'));
  if (!e.eventTime) {
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') mismatch();
    } else if (ns !== involvedNs) mismatch();
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') mismatch();
    const controller = str(e.reportingComponent);
    if (!controller) errs.push(p('reportingController').required());
    errs.push(...isQualifiedName(controller).map((m) => p('reportingController').invalid(controller, m)));
    const limits: [keyof CoreEvent, string, number][] = [
      ['reportingInstance', 'reportingInstance', 128],
      ['action', 'action', 128],
      ['reason', 'reason', 128],
    ];
    for (const [f, name, max] of limits) {
      const v = str(e[f]);
      if (!v) errs.push(p(name).required());
      if (v.length > max) errs.push(p(name).invalid('', `can have at most ${max} characters`));
    }
    if (str(e.message).length > 1024) errs.push(p('message').invalid('', 'can have at most 1024 characters'));
  }
  errs.push(...isDNS1123Subdomain(ns).map((m) => p('namespace').invalid(ns, m)));
  return errs;
}

function validateSeries(e: CoreEvent): FieldError[] {
  if (!e.series) return [];
  const errs: FieldError[] = [];
  if (num(e.series.count) < 2) errs.push(p('series.count').invalid('', 'should be at least 2'));
  if (!e.series.lastObservedTime) errs.push(p('series.lastObservedTime').required());
  return errs;
}

/** `strict` is true for events.k8s.io/v1 requests (the event is then given in core shape, see eventsV1ToCore). */
export function validateEvent(e: CoreEvent, strict: boolean): FieldError[] {
  const errs = legacyValidateEvent(e);
  // core/v1 events only get the apiserver's generic metadata checks (path-segment names).
  if (!strict)
    return [...errs, ...validateObjectMeta(e.metadata, true, genericName, undefined, { kubeFinalizers: false })];
  errs.push(...validateObjectMeta(e.metadata, true, nameIsDNSSubdomain));
  errs.push(...validateSeries(e));
  if (!e.eventTime) errs.push(p('eventTime').required());
  if (e.type !== 'Normal' && e.type !== 'Warning')
    errs.push(p('type').invalid('', `has invalid value: ${str(e.type)}`));
  if (e.firstTimestamp) errs.push(p('firstTimestamp').invalid('', 'needs to be unset'));
  if (e.lastTimestamp) errs.push(p('lastTimestamp').invalid('', 'needs to be unset'));
  if (num(e.count) !== 0) errs.push(p('count').invalid('', 'needs to be unset'));
  if (str(e.source?.component) || str(e.source?.host)) errs.push(p('source').invalid('', 'needs to be unset'));
  return errs;
}

export function validateEventUpdate(e: CoreEvent, old: CoreEvent, strict: boolean): FieldError[] {
  const errs = legacyValidateEvent(e);
  if (!strict)
    return [
      ...errs,
      ...validateObjectMeta(e.metadata, true, genericName, undefined, { kubeFinalizers: false }),
      ...validateObjectMetaUpdate(e.metadata, old.metadata, undefined, { kubeFinalizers: false }),
    ];
  errs.push(...validateObjectMetaUpdate(e.metadata, old.metadata));
  if (JSON.stringify(e.series ?? null) !== JSON.stringify(old.series ?? null)) errs.push(...validateSeries(e));
  const immutable: [keyof CoreEvent, string][] = [
    ['involvedObject', 'involvedObject'],
    ['reason', 'reason'],
    ['message', 'message'],
    ['source', 'source'],
    ['firstTimestamp', 'firstTimestamp'],
    ['lastTimestamp', 'lastTimestamp'],
    ['count', 'count'],
    ['type', 'type'],
    ['eventTime', 'eventTime'],
    ['action', 'action'],
    ['related', 'related'],
    ['reportingComponent', 'reportingController'],
    ['reportingInstance', 'reportingInstance'],
  ];
  for (const [f, name] of immutable) errs.push(...validateImmutable(e[f], old[f], p(name)));
  return errs;
}

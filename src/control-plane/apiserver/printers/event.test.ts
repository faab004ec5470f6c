import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from 'kubernetes-types/core/v1.js';
import { eventPrinter, eventsV1EventPrinter } from './event.js';
import { ago, columnNames, HOUR, MINUTE, NOW, rowOf, SECOND } from './testing.js';

/** A metav1.MicroTime `ms` before NOW (six fractional digits). */
const micro = (ms: number) => new Date(NOW - ms).toISOString().replace(/Z$/, '000Z');

function event(fields: Partial<Event>): Event {
  return {
    metadata: { name: 'web-1.17c2a3b4', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{app}' },
    reason: 'BackOff',
    type: 'Warning',
    message: 'Back-off restarting failed container\n',
    source: { component: 'kubelet', host: 'node-1' },
    ...fields,
  };
}

test('event columns: the v1.32 set', () => {
  assert.deepEqual(columnNames(eventPrinter), [
    'Last Seen',
    'Type',
    'Reason',
    'Object',
    'Subobject*',
    'Source*',
    'Message',
    'First Seen*',
    'Count*',
    'Name*',
  ]);
  assert.equal(eventPrinter.columns.find((c) => c.name === 'Name')!.format, 'name');
  assert.deepEqual(columnNames(eventsV1EventPrinter), columnNames(eventPrinter));
});

test('core event with count and first/last timestamps', () => {
  const r = rowOf(eventPrinter, event({ count: 14, firstTimestamp: ago(2 * HOUR), lastTimestamp: ago(3 * MINUTE) }));
  assert.deepEqual(r, {
    'Last Seen': '3m',
    Type: 'Warning',
    Reason: 'BackOff',
    Object: 'pod/web-1',
    Subobject: 'spec.containers{app}',
    Source: 'kubelet, node-1',
    Message: 'Back-off restarting failed container',
    'First Seen': '120m',
    Count: 14,
    Name: 'web-1.17c2a3b4',
  });
});

test('event timestamps fall back to eventTime and series; count defaults to 1', () => {
  const cases: { name: string; ev: Event; want: [string, string, number] }[] = [
    {
      name: 'no lastTimestamp: last seen = first seen',
      ev: event({ count: 1, firstTimestamp: ago(40 * SECOND) }),
      want: ['40s', '40s', 1],
    },
    {
      name: 'new-API singleton: eventTime, no count',
      ev: event({ eventTime: micro(5 * MINUTE) }),
      want: ['5m', '5m', 1],
    },
    {
      name: 'series: last observed time and series count',
      ev: event({ eventTime: micro(HOUR), count: 0, series: { count: 7, lastObservedTime: micro(30 * SECOND) } }),
      want: ['30s', '60m', 7],
    },
    {
      name: 'timestamps in the future are <invalid>',
      ev: event({ count: 2, firstTimestamp: ago(-MINUTE), lastTimestamp: ago(-MINUTE) }),
      want: ['<invalid>', '<invalid>', 2],
    },
    { name: 'no timestamps at all', ev: event({}), want: ['<unknown>', '<unknown>', 1] },
  ];
  for (const c of cases) {
    const r = rowOf(eventPrinter, c.ev);
    assert.deepEqual([r['Last Seen'], r['First Seen'], r.Count], c.want, c.name);
  }
});

test('event object and source formatting', () => {
  const r = rowOf(
    eventPrinter,
    event({
      involvedObject: { kind: 'Node', name: '' },
      source: {},
      reportingComponent: 'kube-scheduler',
      reportingInstance: 'kube-scheduler-node-1',
    }),
  );
  assert.deepEqual([r.Object, r.Subobject, r.Source], ['node', '', 'kube-scheduler, kube-scheduler-node-1']);
  const noHost = rowOf(
    eventPrinter,
    event({ involvedObject: { kind: 'Deployment', name: 'web' }, source: { component: 'deployment-controller' } }),
  );
  assert.deepEqual([noHost.Object, noHost.Source], ['deployment/web', 'deployment-controller']);
});

test('events.k8s.io/v1 events print like core events', () => {
  const r = rowOf(eventsV1EventPrinter, {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web.1', namespace: 'default' },
    eventTime: micro(10 * MINUTE),
    regarding: { kind: 'ReplicaSet', name: 'web-5d8f' },
    note: 'Created pod: web-5d8f-abcde',
    reason: 'SuccessfulCreate',
    type: 'Normal',
    action: 'Create',
    reportingController: 'replicaset-controller',
    reportingInstance: '',
    series: { count: 3, lastObservedTime: micro(2 * MINUTE) },
  });
  assert.deepEqual(r, {
    'Last Seen': '2m',
    Type: 'Normal',
    Reason: 'SuccessfulCreate',
    Object: 'replicaset/web-5d8f',
    Subobject: '',
    Source: 'replicaset-controller',
    Message: 'Created pod: web-5d8f-abcde',
    'First Seen': '10m',
    Count: 3,
    Name: 'web.1',
  });
  // Deprecated core fields carried over.
  const legacy = rowOf(eventsV1EventPrinter, {
    metadata: { name: 'old' },
    regarding: { kind: 'Pod', name: 'p' },
    deprecatedSource: { component: 'kubelet', host: 'node-2' },
    deprecatedFirstTimestamp: ago(HOUR * 5),
    deprecatedLastTimestamp: ago(HOUR),
    deprecatedCount: 9,
  });
  assert.deepEqual(
    [legacy['Last Seen'], legacy['First Seen'], legacy.Count, legacy.Source],
    ['60m', '5h', 9, 'kubelet, node-2'],
  );
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import { FakeClock } from '../../lib/clock.js';
import { typed } from '../resource-client.js';
import { gvr } from '../resource-path.js';
import { FakeApiServer, fakeRestClient } from '../testing/fake-api-server.js';
import { EventsV1Broadcaster, type EventsV1BroadcasterOptions } from './events-v1-broadcaster.js';
import { isomorphicKey } from './events-v1-recorder.js';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', uid: 'pod-uid-1', resourceVersion: '42' },
};
const preemptor = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'vip', namespace: 'shop', uid: 'pod-uid-9' } };
const minute = 60_000;

function setup(extra: Partial<EventsV1BroadcasterOptions> = {}) {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const rest = fakeRestClient(fake, { clock });
  const broadcaster = new EventsV1Broadcaster({
    rest,
    clock,
    host: 'cp-1',
    random: () => 0,
    ...extra,
  });
  const recorder = broadcaster.newRecorder('default-scheduler', {
    actions: { FailedScheduling: 'Scheduling', Scheduled: 'Binding' },
  });
  const events = (ns = 'shop') => fake.list('events.k8s.io', 'events', ns) as EventsV1Event[];
  const writes = () => fake.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH').map((r) => r.method);
  return { clock, fake, rest, broadcaster, recorder, events, writes };
}

test('an event carries regarding, related, action, reporting fields and a MicroTime eventTime', async () => {
  const { broadcaster, recorder, events, fake } = setup();
  after(() => broadcaster.shutdown());
  recorder.eventf(pod, preemptor, 'Normal', 'Preempted', 'Preempting', 'Preempted by pod pod-uid-9 on node n1');
  await broadcaster.flush();
  const [e] = events();
  assert.ok(e);
  assert.match(e.metadata!.name!, /^web-1\.[0-9a-f]+$/);
  assert.equal(BigInt(`0x${e.metadata!.name!.split('.')[1]}`) / 1_000_000n, BigInt(Date.UTC(2026, 0, 1)));
  assert.equal(e.eventTime, '2026-01-01T00:00:00.000000Z');
  assert.equal(e.reportingController, 'default-scheduler');
  assert.equal(e.reportingInstance, 'default-scheduler-cp-1');
  assert.equal(e.action, 'Preempting');
  assert.equal(e.reason, 'Preempted');
  assert.equal(e.note, 'Preempted by pod pod-uid-9 on node n1');
  assert.equal(e.type, 'Normal');
  assert.deepEqual(e.regarding, {
    kind: 'Pod',
    apiVersion: 'v1',
    name: 'web-1',
    namespace: 'shop',
    uid: 'pod-uid-1',
    resourceVersion: '42',
  });
  assert.deepEqual(e.related, { kind: 'Pod', apiVersion: 'v1', name: 'vip', namespace: 'shop', uid: 'pod-uid-9' });
  assert.equal(e.series, undefined);
  assert.equal(e.deprecatedCount, undefined, 'no legacy fields on the new API');

  // The legacy call form maps reason -> action (falling back to the reason); cluster objects land in "default".
  recorder.event(pod, 'Normal', 'Scheduled', 'Successfully assigned shop/web-1 to n1');
  broadcaster.newRecorder('node-controller').event({ kind: 'Node', name: 'n1' }, 'Normal', 'RegisteredNode', 'x');
  await broadcaster.flush();
  assert.equal(events().find((x) => x.reason === 'Scheduled')?.action, 'Binding');
  const [nodeEvent] = events('default');
  assert.equal(nodeEvent?.action, 'RegisteredNode');
  assert.equal(nodeEvent?.reportingInstance, 'node-controller-cp-1');
  assert.ok(
    fake.requests.every((r) => r.method !== 'POST' || r.path.startsWith('/apis/events.k8s.io/v1/')),
    'written through events.k8s.io/v1',
  );
});

test('repeats become one series: created, PATCHed to count 2 at once, later counts written on heartbeats', async () => {
  const { clock, broadcaster, recorder, events, writes } = setup();
  const fail = (n: number) => recorder.event(pod, 'Warning', 'FailedScheduling', `0/${n} nodes are available`);
  fail(1);
  await broadcaster.flush();
  assert.deepEqual(writes(), ['POST']);
  await clock.advance(1000);
  fail(2);
  await broadcaster.flush();
  assert.deepEqual(writes(), ['POST', 'PATCH']);
  let [e] = events();
  assert.equal(events().length, 1);
  assert.deepEqual(e!.series, { count: 2, lastObservedTime: '2026-01-01T00:00:01.000000Z' });
  assert.equal(e!.note, '0/1 nodes are available', 'the note is not part of the identity and is not patched');

  await clock.advance(1000);
  fail(3);
  fail(4);
  await broadcaster.flush();
  assert.deepEqual(writes(), ['POST', 'PATCH'], 'further repeats only count in the cache');
  assert.equal(broadcaster.stats.aggregated, 2);
  assert.equal(events()[0]!.series!.count, 2);

  await clock.advance(30 * minute); // refresh heartbeat
  await broadcaster.flush();
  [e] = events();
  assert.deepEqual(e!.series, { count: 4, lastObservedTime: '2026-01-01T00:00:02.000000Z' });
  assert.equal(events().length, 1);
  await broadcaster.shutdown();
});

test('a quiet series is finished (final count written) and forgotten; a quiet singleton is forgotten', async () => {
  const { clock, broadcaster, recorder, events, writes } = setup({ refreshMs: 24 * 60 * minute });
  recorder.event(pod, 'Warning', 'FailedScheduling', 'a');
  recorder.event(pod, 'Warning', 'FailedScheduling', 'a');
  recorder.event(pod, 'Warning', 'FailedScheduling', 'a');
  recorder.event(pod, 'Normal', 'Scheduled', 'assigned');
  await broadcaster.flush();
  assert.deepEqual(writes(), ['POST', 'PATCH', 'POST']);
  await clock.advance(6 * minute); // observed exactly 6 min ago: not yet finished
  await broadcaster.flush();
  assert.equal(writes().length, 3);
  await clock.advance(6 * minute);
  await broadcaster.flush();
  assert.deepEqual(writes(), ['POST', 'PATCH', 'POST', 'PATCH'], 'final count of the series');
  assert.equal(events().find((e) => e.reason === 'FailedScheduling')!.series!.count, 3);

  recorder.event(pod, 'Warning', 'FailedScheduling', 'b');
  recorder.event(pod, 'Normal', 'Scheduled', 'assigned');
  await broadcaster.flush();
  assert.deepEqual(writes().slice(4), ['POST', 'POST'], 'both start afresh');
  assert.equal(events().length, 4);
  assert.equal(events().filter((e) => e.series).length, 1);
  await broadcaster.shutdown();
});

test('the isomorphic key: type, action, reason, controller, regarding and related — not the note', () => {
  const base: EventsV1Event = {
    eventTime: '2026-01-01T00:00:00.000000Z',
    type: 'Warning',
    action: 'Scheduling',
    reason: 'FailedScheduling',
    reportingController: 'default-scheduler',
    regarding: { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'u1' },
    note: 'x',
  };
  const k = isomorphicKey(base);
  assert.equal(isomorphicKey({ ...base, note: 'y', reportingInstance: 'other' }), k);
  const differing: Partial<EventsV1Event>[] = [
    { type: 'Normal' },
    { action: 'Binding' },
    { reason: 'Other' },
    { reportingController: 'other-scheduler' },
    { regarding: { ...base.regarding, uid: 'u2' } },
    { regarding: { ...base.regarding, fieldPath: 'spec.containers{a}' } },
    { related: { kind: 'Pod', name: 'vip' } },
  ];
  for (const d of differing) assert.notEqual(isomorphicKey({ ...base, ...d }), k, JSON.stringify(d));
});

test('a series whose event vanished server-side is created again with its count', async () => {
  const { rest, broadcaster, recorder, events } = setup();
  recorder.event(pod, 'Warning', 'FailedScheduling', 'a');
  await broadcaster.flush();
  const [first] = events();
  await typed(rest, gvr('events.k8s.io', 'v1', 'events'), 'shop').delete(first!.metadata!.name!); // the event TTL
  recorder.event(pod, 'Warning', 'FailedScheduling', 'a');
  await broadcaster.flush();
  assert.equal(broadcaster.stats.created, 2);
  assert.equal(broadcaster.stats.patched, 0);
  const [again] = events();
  assert.equal(events().length, 1);
  assert.equal(again!.series?.count, 2);
  assert.equal(again!.metadata!.name, first!.metadata!.name, 'same name as the original');
  await broadcaster.shutdown();
});

test('network failures are retried after jittered sleeps; a full queue drops; bad types and shutdown record nothing', async () => {
  const { clock, fake, broadcaster, recorder, events } = setup({ queueSize: 2, random: () => 1 });
  let failures = 2;
  const remove = fake.intercept(() => {
    if (failures-- > 0) throw new Error('connection reset');
    return undefined;
  });
  recorder.event(pod, 'Normal', 'A', 'm');
  recorder.event(pod, 'Normal', 'B', 'm');
  recorder.event(pod, 'Normal', 'C', 'm');
  recorder.event(pod, 'Normal', 'D', 'm');
  assert.equal(broadcaster.stats.dropped, 1, 'one in flight, two queued, one dropped');
  await clock.advance(0);
  assert.equal(events().length, 0);
  await clock.advance(12_499); // 10 s + 25% jitter
  assert.equal(events().length, 0);
  await clock.advance(1);
  await clock.advance(12_500);
  await broadcaster.flush();
  assert.deepEqual(
    events()
      .map((e) => e.reason)
      .sort(),
    ['A', 'B', 'C'],
  );
  remove();

  recorder.event(pod, 'Bogus' as 'Normal', 'X', 'm');
  await broadcaster.shutdown();
  assert.equal(clock.pending(), 0, 'heartbeat timers are cancelled');
  recorder.event(pod, 'Normal', 'AfterShutdown', 'm');
  await broadcaster.flush();
  assert.equal(broadcaster.stats.recorded, 4);
  assert.equal(events().length, 3);
});

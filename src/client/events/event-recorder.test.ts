import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../testing/fake-api-server.js';
import { EventBroadcaster } from './event-recorder.js';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', uid: 'pod-uid-1', resourceVersion: '42' },
};

function setup(extra: Partial<ConstructorParameters<typeof EventBroadcaster>[0]> = {}) {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const broadcaster = new EventBroadcaster({
    rest: fakeRestClient(fake, { clock }),
    clock,
    random: () => 0.5,
    ...extra,
  });
  const recorder = broadcaster.newRecorder({ component: 'kubets-scheduler', host: 'node-a' });
  const events = () => fake.list('', 'events', 'shop') as Event[];
  return { clock, fake, broadcaster, recorder, events };
}

test('an event carries the involved object, source, reporting fields, timestamps and an upstream-style name', async () => {
  const { broadcaster, recorder, events, fake } = setup();
  recorder.event(pod, 'Normal', 'Scheduled', 'Successfully assigned shop/web-1 to node-a');
  await broadcaster.flush();
  const [e] = events();
  assert.ok(e);
  assert.match(e.metadata!.name!, /^web-1\.[0-9a-f]+$/);
  assert.equal(
    BigInt(`0x${e.metadata!.name!.split('.')[1]}`) / 1_000_000n,
    BigInt(Date.UTC(2026, 0, 1)),
    'hex nanoseconds',
  );
  assert.deepEqual(e.involvedObject, {
    kind: 'Pod',
    apiVersion: 'v1',
    name: 'web-1',
    namespace: 'shop',
    uid: 'pod-uid-1',
    resourceVersion: '42',
  });
  assert.deepEqual(e.source, { component: 'kubets-scheduler', host: 'node-a' });
  assert.equal(e.reportingComponent, 'kubets-scheduler');
  assert.equal(e.reportingInstance, 'node-a');
  assert.equal(e.type, 'Normal');
  assert.equal(e.count, 1);
  assert.equal(e.firstTimestamp, '2026-01-01T00:00:00Z');
  assert.equal(e.lastTimestamp, '2026-01-01T00:00:00Z');

  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', uid: 'n1' } };
  broadcaster.newRecorder({ component: 'kubelet' }).event(node, 'Warning', 'Rebooted', 'rebooted');
  await broadcaster.flush();
  const nodeEvents = fake.list('', 'events', 'default') as Event[];
  assert.equal(nodeEvents.length, 1, 'cluster-scoped objects get events in "default"');
  assert.deepEqual(nodeEvents[0]!.source, { component: 'kubelet' });
});

test('identical events within 10 minutes bump count on the existing event with a PATCH', async () => {
  const { clock, fake, broadcaster, recorder, events } = setup();
  for (let i = 0; i < 3; i++) {
    recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await broadcaster.flush();
    await clock.advance(60_000);
  }
  assert.equal(events().length, 1);
  const [e] = events();
  assert.equal(e!.count, 3);
  assert.equal(e!.firstTimestamp, '2026-01-01T00:00:00Z');
  assert.equal(e!.lastTimestamp, '2026-01-01T00:02:00Z');
  const writes = fake.requests.filter((r) => r.method !== 'GET');
  assert.deepEqual(
    writes.map((r) => r.method),
    ['POST', 'PATCH', 'PATCH'],
  );
  assert.equal(writes[1]!.headers['content-type'], 'application/strategic-merge-patch+json');
  assert.deepEqual(writes[2]!.object, {
    count: 3,
    lastTimestamp: '2026-01-01T00:02:00Z',
    message: 'Back-off restarting failed container',
  });
  assert.deepEqual(broadcaster.stats, { recorded: 3, dropped: 0, skipped: 0, created: 1, patched: 2, failed: 0 });

  await clock.advance(11 * 60_000);
  recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await broadcaster.flush();
  assert.equal(events().length, 2, 'after a quiet interval a new event starts at count 1');
});

test('the 10th distinct message for one object+reason is combined, and further ones count on it', async () => {
  const { broadcaster, recorder, events } = setup();
  for (let i = 1; i <= 12; i++) recorder.event(pod, 'Warning', 'FailedMount', `volume vol-${i} not ready`);
  await broadcaster.flush();
  const all = events();
  const combined = all.filter((e) => e.message?.startsWith('(combined from similar events): '));
  const single = all.filter((e) => !e.message?.startsWith('(combined'));
  assert.equal(single.length, 9);
  assert.equal(combined.length, 1);
  assert.equal(
    combined[0]!.message,
    '(combined from similar events): volume vol-12 not ready',
    'patches carry the latest message',
  );
  assert.equal(combined[0]!.count, 3, 'messages 10, 11 and 12 land on the combined event');
  assert.equal(combined[0]!.reason, 'FailedMount');
});

test('spam filter: 25 events per source+object, then one more every 5 minutes', async () => {
  const { clock, broadcaster, recorder, events } = setup();
  for (let i = 0; i < 30; i++) recorder.event(pod, 'Normal', `Reason${i}`, 'm');
  await broadcaster.flush();
  assert.equal(events().length, 25);
  assert.equal(broadcaster.stats.skipped, 5);
  await clock.advance(5 * 60_000);
  recorder.event(pod, 'Normal', 'Late', 'm');
  recorder.event(pod, 'Normal', 'Later', 'm');
  await broadcaster.flush();
  assert.equal(events().length, 26);
  const other = { ...pod, metadata: { ...pod.metadata, name: 'web-2', uid: 'pod-uid-2' } };
  recorder.event(other, 'Normal', 'Own', 'm');
  await broadcaster.flush();
  assert.equal(events().length, 27, 'another object has its own bucket');
});

test('recording never blocks: a full queue drops new events', async () => {
  const { fake, broadcaster, recorder, events } = setup({ queueSize: 2 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const remove = fake.intercept(async () => {
    await gate;
    return undefined;
  });
  for (let i = 0; i < 5; i++) recorder.event(pod, 'Normal', `R${i}`, 'm');
  assert.equal(broadcaster.stats.recorded, 5);
  assert.equal(broadcaster.stats.dropped, 2, 'one in flight, two queued, two dropped');
  release();
  remove();
  await broadcaster.flush();
  assert.equal(events().length, 3);
});

test('network failures are retried after a sleep; API rejections are not', async () => {
  const { clock, fake, broadcaster, recorder, events } = setup();
  let failures = 2;
  fake.intercept(() => {
    if (failures-- > 0) throw new Error('connection reset');
    return undefined;
  });
  recorder.event(pod, 'Normal', 'Pulled', 'pulled');
  await clock.advance(0);
  assert.equal(events().length, 0);
  await clock.advance(5000); // first retry after random() * 10 s
  assert.equal(events().length, 0);
  await clock.advance(10_000);
  await broadcaster.flush();
  assert.equal(events().length, 1);

  recorder.event({ kind: 'Pod', apiVersion: 'v1', name: 'x', namespace: 'shop' }, 'Normal', 'ByReference', 'x');
  await broadcaster.flush();
  assert.equal(events().find((e) => e.reason === 'ByReference')?.involvedObject.name, 'x');
  fake.intercept((req) =>
    req.method === 'POST'
      ? {
          type: 'object',
          status: 403,
          body: { kind: 'Status', status: 'Failure', reason: 'Forbidden', message: 'no', code: 403 },
        }
      : undefined,
  );
  recorder.event(pod, 'Normal', 'Rejected', 'x');
  await broadcaster.flush();
  assert.equal(broadcaster.stats.failed, 1);
  await broadcaster.shutdown();
  recorder.event(pod, 'Normal', 'AfterShutdown', 'x');
  assert.equal(broadcaster.stats.recorded, 3);
});

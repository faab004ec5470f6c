import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  EventBroadcaster,
  InProcessTransport,
  RestClient,
  type EventRecorder,
  type InProcessRequest,
  type InProcessResponse,
} from '../../client/index.js';
import { realClock } from '../../lib/clock.js';
import { apiPorts, InFlightLimit } from './component-ports.js';
import { defaultConfiguration } from './config/defaults.js';
import { Scheduler } from './scheduler.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

test('InFlightLimit runs at most `limit` at once, in arrival order, and reports idle', async () => {
  const limit = new InFlightLimit(2);
  const started: number[] = [];
  const release: (() => void)[] = [];
  const runs = [0, 1, 2, 3, 4].map((i) =>
    limit.run(async () => {
      started.push(i);
      await new Promise<void>((r) => release.push(r));
      return i;
    }),
  );
  await tick();
  assert.deepEqual(started, [0, 1]);
  assert.equal(limit.inFlight, 2);
  assert.equal(limit.queued, 3);
  let idle = false;
  void limit.idle().then(() => (idle = true));
  release.shift()!();
  await tick();
  assert.deepEqual(started, [0, 1, 2]);
  while (release.length) {
    release.shift()!();
    await tick();
  }
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
  await tick();
  assert.equal(idle, true);
  assert.equal(limit.inFlight, 0);
});

test('InFlightLimit releases its slot when the operation throws', async () => {
  const limit = new InFlightLimit(1);
  await assert.rejects(
    limit.run(async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await limit.run(async () => 'next'), 'next');
  await limit.idle();
});

/** A REST client whose requests are recorded and answered only when the test says so. */
function heldClient() {
  const requests: { req: InProcessRequest; answer: () => void }[] = [];
  const transport = new InProcessTransport({
    user: { username: 'system:kube-scheduler', groups: [] },
    handler: (req) =>
      new Promise<InProcessResponse>((resolve) =>
        requests.push({ req, answer: () => resolve({ type: 'object', status: 201, body: { kind: 'Status' } }) }),
      ),
  });
  return { rest: new RestClient({ transport, qps: Infinity, burst: Infinity }), requests };
}

const pod = (name: string): Pod => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}` },
  spec: { containers: [] },
});

test('bindings go out as pods/binding, limited in flight; after the signal only sent ones complete', async () => {
  const { rest, requests } = heldClient();
  const stop = new AbortController();
  const broadcaster = new EventBroadcaster({ rest, clock: realClock });
  const { ports, drain } = apiPorts({
    rest,
    clock: realClock,
    recorder: broadcaster.newRecorder({ component: 'default-scheduler' }),
    signal: stop.signal,
    maxInFlight: 2,
  });
  const binds = ['a', 'b', 'c'].map((n) => ports.binder.bind(pod(n), `node-${n}`));
  await tick();
  assert.equal(requests.length, 2, 'the third binding waits for a slot');
  const first = requests[0]!.req;
  assert.equal(first.method, 'POST');
  assert.equal(first.path, '/api/v1/namespaces/ns/pods/a/binding');
  assert.deepEqual(first.object, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'a', namespace: 'ns', uid: 'uid-a' },
    target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' },
  });

  stop.abort();
  let drained = false;
  const draining = drain().then(() => (drained = true));
  await assert.rejects(ports.binder.bind(pod('d'), 'node-d'), { name: 'AbortError' });
  await tick();
  assert.equal(drained, false, 'sent writes are still outstanding');
  requests[0]!.answer();
  requests[1]!.answer();
  await binds[0];
  await binds[1];
  await assert.rejects(binds[2]!, { name: 'AbortError' }, 'the queued binding is dropped');
  await draining;
  assert.equal(requests.length, 2, 'nothing was sent after the signal');
  await broadcaster.shutdown();
});

test("each profile's events come from a recorder named after its schedulerName", async () => {
  const { rest } = heldClient();
  const calls: string[] = [];
  const recorder = (component: string) =>
    ({
      event: (obj: { metadata?: { name?: string } }, _type: string, reason: string) =>
        calls.push(`${component}:${obj.metadata?.name}:${reason}`),
    }) as unknown as EventRecorder;
  const stop = new AbortController();
  const { ports } = apiPorts({
    rest,
    clock: realClock,
    recorder: recorder('default-scheduler'),
    recorderFor: (name) => recorder(name),
    signal: stop.signal,
    maxInFlight: 1,
  });
  const config = defaultConfiguration({
    profiles: [{ schedulerName: 'default-scheduler' }, { schedulerName: 'mine' }],
  });
  const scheduler = new Scheduler({ config, ports });
  scheduler.profiles.get('mine')!.eventRecorder.event(pod('a'), 'Normal', 'Scheduled', 'm');
  scheduler.profiles.get('default-scheduler')!.eventRecorder.event(pod('b'), 'Normal', 'Scheduled', 'm');
  stop.abort();
  scheduler.profiles.get('mine')!.eventRecorder.event(pod('c'), 'Normal', 'Scheduled', 'dropped once stopped');
  assert.deepEqual(calls, ['mine:a:Scheduled', 'default-scheduler:b:Scheduled']);
  scheduler.stop();
});

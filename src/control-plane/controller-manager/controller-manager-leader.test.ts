import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { FakeClock } from '../../lib/clock.js';
import { InProcessTransport, RestClient } from '../../client/index.js';
import { FakeApiServer } from '../../client/testing/fake-api-server.js';
import {
  TransportError,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from '../../client/transport.js';
import { startControllerManager, type RunningControllerManager } from './controller-manager.js';
import type { ControllerDescriptor } from './types.js';

/** A transport whose network can be cut, so a leader stops renewing. */
class CuttableTransport implements Transport {
  readonly kind = 'in-process';
  down = false;
  constructor(private readonly inner: Transport) {}
  roundTrip(req: TransportRequest): Promise<TransportResponse> {
    if (this.down) return Promise.reject(new TransportError('connect ECONNREFUSED', 'ECONNREFUSED', true));
    return this.inner.roundTrip(req);
  }
  dispose() {}
}

/** One controller-manager candidate whose single controller logs when it runs and stops. */
async function candidate(fake: FakeApiServer, clock: FakeClock, id: string, log: string[]) {
  const transport = new CuttableTransport(
    new InProcessTransport({ handler: fake.handle, user: { username: 'system:kube-controller-manager', groups: [] } }),
  );
  const rest = new RestClient({ transport, clock, rateLimiter: null, maxRetries: 0 });
  const probe: ControllerDescriptor = {
    name: 'probe',
    enabledByDefault: true,
    async start(ctx) {
      log.push(`${id} running`);
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      log.push(`${id} stopped`);
    },
  };
  const cm: RunningControllerManager = await startControllerManager({
    rest,
    controllers: [probe],
    leaderElection: { identity: id },
    clock,
  });
  return { cm, transport };
}

const holder = (fake: FakeApiServer) =>
  (fake.get('coordination.k8s.io', 'leases', 'kube-system', 'kube-controller-manager') as Lease | undefined)?.spec
    ?.holderIdentity;

test('only the lease holder runs controllers; a released lease moves at the next retry', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const log: string[] = [];
  const a = await candidate(fake, clock, 'a', log);
  await clock.advance(0);
  // A single candidate wins at once: no waiting for a lease duration.
  assert.equal(holder(fake), 'a');
  assert.equal(a.cm.isLeader(), true);
  assert.deepEqual(log, ['a running']);
  assert.deepEqual(a.cm.running, ['probe']);

  const b = await candidate(fake, clock, 'b', log);
  await clock.advance(5000);
  assert.equal(b.cm.isLeader(), false);
  assert.deepEqual(log, ['a running'], 'the standby runs nothing');

  await a.cm.stop();
  assert.equal(holder(fake), '', 'released on stop');
  await clock.advance(2000 * 2.2);
  assert.equal(holder(fake), 'b');
  assert.equal(b.cm.isLeader(), true);
  assert.deepEqual(log, ['a running', 'a stopped', 'b running']);
  await b.cm.stop();
  assert.deepEqual(log, ['a running', 'a stopped', 'b running', 'b stopped']);
});

test('a leader that cannot renew stops its controllers and campaigns again', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const log: string[] = [];
  const a = await candidate(fake, clock, 'a', log);
  await clock.advance(0);
  const b = await candidate(fake, clock, 'b', log);
  await clock.advance(0);
  assert.equal(holder(fake), 'a');

  a.transport.down = true;
  for (let t = 0; t < 40 && !b.cm.isLeader(); t++) await clock.advance(1000);
  assert.equal(b.cm.isLeader(), true, 'b takes over after the lease expires');
  assert.equal(a.cm.isLeader(), false);
  assert.deepEqual(log, ['a running', 'a stopped', 'b running'], 'never two leaders at once');

  // Back on the network, a is a candidate again, not a second leader.
  a.transport.down = false;
  await clock.advance(10_000);
  assert.equal(holder(fake), 'b');
  assert.equal(a.cm.isLeader(), false);
  assert.deepEqual(log, ['a running', 'a stopped', 'b running']);

  // ... and it is the one that takes over when b goes away.
  await b.cm.stop();
  await clock.advance(2000 * 2.2);
  assert.equal(holder(fake), 'a');
  assert.deepEqual(log, ['a running', 'a stopped', 'b running', 'b stopped', 'a running']);
  await a.cm.stop();
});

test('without leader election the controllers run at once', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const log: string[] = [];
  const rest = new RestClient({
    transport: new InProcessTransport({ handler: fake.handle, user: { username: 'x', groups: [] } }),
    clock,
    rateLimiter: null,
  });
  const cm = await startControllerManager({
    rest,
    clock,
    controllers: [
      {
        name: 'probe',
        enabledByDefault: true,
        async start(ctx) {
          log.push('running');
          await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
        },
      },
    ],
  });
  assert.deepEqual(log, ['running']);
  assert.equal(cm.isLeader(), true);
  assert.equal(holder(fake), undefined, 'no lease is taken');
  await cm.stop();
});

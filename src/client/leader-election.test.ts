import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { FakeClock } from '../lib/clock.js';
import { InProcessTransport } from './inprocess-transport.js';
import { LeaderElector } from './leader-election.js';
import { RestClient } from './rest-client.js';
import { FakeApiServer, fakeRestClient } from './testing/fake-api-server.js';
import { TransportError, type Transport, type TransportRequest, type TransportResponse } from './transport.js';

/** A transport whose network can be cut (connection refused) to make a holder stop renewing. */
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

interface Candidate {
  elector: LeaderElector;
  events: string[];
  transport: CuttableTransport;
  ctrl: AbortController;
  run?: Promise<void>;
}

function candidate(fake: FakeApiServer, clock: FakeClock, id: string, log: string[]): Candidate {
  const transport = new CuttableTransport(
    new InProcessTransport({ handler: fake.handle, user: { username: `system:${id}`, groups: [] } }),
  );
  const rest = new RestClient({ transport, clock, rateLimiter: null, maxRetries: 0 });
  const events: string[] = [];
  const elector = new LeaderElector({
    rest,
    clock,
    identity: id,
    lease: { namespace: 'kube-system', name: 'kube-controller-manager' },
    random: () => 0,
    callbacks: {
      onStartedLeading: (signal) => {
        events.push(`started@${clock.monotonic()}`);
        log.push(`${id} started`);
        signal.addEventListener('abort', () => log.push(`${id} leading signal aborted`));
      },
      onStoppedLeading: () => {
        events.push(`stopped@${clock.monotonic()}`);
        log.push(`${id} stopped`);
      },
      onNewLeader: (who) => events.push(`leader:${who}`),
    },
  });
  return { elector, events, transport, ctrl: new AbortController() };
}

const leaseOf = (fake: FakeApiServer) =>
  fake.get('coordination.k8s.io', 'leases', 'kube-system', 'kube-controller-manager') as Lease;
const micro = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

test('the second candidate takes over after the holder stops renewing', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const log: string[] = [];
  const a = candidate(fake, clock, 'a', log);
  const b = candidate(fake, clock, 'b', log);
  a.run = a.elector.run(a.ctrl.signal);
  b.run = b.elector.run(b.ctrl.signal);
  await clock.advance(0);

  assert.equal(a.elector.isLeader(), true);
  assert.equal(b.elector.isLeader(), false);
  let lease = leaseOf(fake);
  assert.equal(lease.spec?.holderIdentity, 'a');
  assert.equal(lease.spec?.leaseDurationSeconds, 15);
  assert.equal(lease.spec?.leaseTransitions, 0);
  assert.match(lease.spec!.acquireTime!, micro);
  assert.equal(lease.spec?.acquireTime, lease.spec?.renewTime);
  assert.deepEqual(a.events, ['leader:a', 'started@0']);

  await clock.advance(2000);
  lease = leaseOf(fake);
  assert.equal(lease.spec?.renewTime, '2026-01-01T00:00:02.000000Z', 'renewed after retryPeriod');
  assert.equal(lease.spec?.acquireTime, '2026-01-01T00:00:00.000000Z', 'acquireTime kept on renewal');
  assert.deepEqual(b.events, ['leader:a']);

  a.transport.down = true;
  for (let t = 0; t < 30 && !b.elector.isLeader(); t++) await clock.advance(1000);
  assert.deepEqual(a.events, ['leader:a', 'started@0', 'stopped@12000'], 'a gives up at renewDeadline');
  assert.equal(a.elector.isLeader(), true, "a's last observation still names itself; it simply stopped leading");
  await a.run;
  const started = Number(b.events.find((e) => e.startsWith('started@'))!.split('@')[1]);
  assert.ok(
    started >= 2000 + 15_000,
    `b waits a full lease duration after the last renewal it saw (started at ${started})`,
  );
  assert.ok(started <= 2000 + 15_000 + 4000, `b acquires within two retry periods of expiry (started at ${started})`);
  lease = leaseOf(fake);
  assert.equal(lease.spec?.holderIdentity, 'b');
  assert.equal(lease.spec?.leaseTransitions, 1);
  assert.equal(lease.spec?.acquireTime, lease.spec?.renewTime);
  assert.deepEqual(log, ['a started', 'a leading signal aborted', 'a stopped', 'b started'], 'never two leaders');

  b.ctrl.abort();
  await b.run;
  lease = leaseOf(fake);
  assert.equal(lease.spec?.holderIdentity, '', 'released on shutdown');
  assert.equal(lease.spec?.leaseDurationSeconds, 1);
  assert.equal(lease.spec?.leaseTransitions, 1);
  assert.equal(b.events.at(-1)?.startsWith('stopped@'), true);
});

test('a released lease is taken over at the next retry, without waiting for expiry', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const log: string[] = [];
  const a = candidate(fake, clock, 'a', log);
  const b = candidate(fake, clock, 'b', log);
  a.run = a.elector.run(a.ctrl.signal);
  await clock.advance(0);
  b.run = b.elector.run(b.ctrl.signal);
  await clock.advance(0);
  assert.equal(a.elector.isLeader(), true);
  await clock.advance(5000);
  a.ctrl.abort();
  await a.run;
  assert.equal(leaseOf(fake).spec?.holderIdentity, '');
  await clock.advance(2000);
  assert.equal(b.elector.isLeader(), true);
  assert.equal(leaseOf(fake).spec?.leaseTransitions, 1);
  assert.deepEqual(b.events.slice(0, 2), ['leader:a', 'leader:b']);
  b.ctrl.abort();
  await b.run;
});

test('timing parameters are validated like client-go', () => {
  const fake = new FakeApiServer();
  const base = {
    rest: fakeRestClient(fake),
    identity: 'x',
    lease: { namespace: 'ns', name: 'l' },
    callbacks: { onStartedLeading: () => undefined },
  };
  assert.throws(
    () => new LeaderElector({ ...base, leaseDurationMs: 10_000 }),
    /leaseDuration must be greater than renewDeadline/,
  );
  assert.throws(
    () => new LeaderElector({ ...base, retryPeriodMs: 9000 }),
    /renewDeadline must be greater than retryPeriod\*JitterFactor/,
  );
  assert.throws(() => new LeaderElector({ ...base, identity: '' }), /Lock identity is empty/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conflict } from '../../../api/errors/status-error.js';
import { FakeApiServer, fakeRestClient } from '../../../client/testing/fake-api-server.js';
import { FakeClock, flushMicrotasks } from '../../../lib/clock.js';
import { nullLogger } from '../../../lib/log.js';
import { NodeLease } from './node-lease.js';

test('the lease is created, renewed every interval, and retried quickly after a failure', async () => {
  const clock = new FakeClock();
  const api = new FakeApiServer(clock);
  const lease = new NodeLease({
    rest: fakeRestClient(api),
    nodeName: 'n1',
    nodeUid: () => 'node-uid',
    durationSeconds: 40,
    renewIntervalMs: 10_000,
    clock,
    log: nullLogger,
  });
  lease.start();
  await flushMicrotasks(20);
  const stored = () =>
    api.get('coordination.k8s.io', 'leases', 'kube-node-lease', 'n1') as {
      spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
      metadata: { ownerReferences: { kind: string; name: string; uid: string }[] };
    };
  assert.equal(stored().spec.holderIdentity, 'n1');
  assert.equal(stored().spec.leaseDurationSeconds, 40);
  assert.deepEqual(
    stored().metadata.ownerReferences.map((o) => [o.kind, o.name, o.uid]),
    [['Node', 'n1', 'node-uid']],
  );
  const first = stored().spec.renewTime;
  await clock.advance(10_000);
  await flushMicrotasks(20);
  assert.notEqual(stored().spec.renewTime, first);
  assert.equal(lease.renewals, 2);
  api.failNext(1, (r) => r.method === 'PUT', conflict({ group: 'coordination.k8s.io', resource: 'leases' }, 'n1'));
  await clock.advance(10_000);
  await flushMicrotasks(20);
  assert.equal(lease.renewals, 2, 'the conflicting renewal failed');
  await clock.advance(200);
  await flushMicrotasks(20);
  assert.equal(lease.renewals, 3, 'retried after 200 ms with a refetched lease');
  lease.stop();
});

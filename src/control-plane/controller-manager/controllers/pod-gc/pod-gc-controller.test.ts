import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../../lib/clock.js';
import { formatTime } from '../../../../api/values/time.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { startControllerManager } from '../../controller-manager.js';
import type { ControllerDescriptor } from '../../types.js';
import { evictionAndCreationOrder, PodGCController } from './pod-gc-controller.js';

function pod(
  name: string,
  o: { node?: string; phase?: string; created?: number; reason?: string; deleting?: boolean },
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ...(o.created !== undefined ? { creationTimestamp: formatTime(o.created) } : {}),
      ...(o.deleting ? { deletionTimestamp: formatTime(0), finalizers: ['example.com/hold'] } : {}),
    },
    spec: { ...(o.node ? { nodeName: o.node } : {}), containers: [] },
    status: { phase: o.phase ?? 'Running', ...(o.reason ? { reason: o.reason } : {}) },
  };
}

async function setup(threshold: number, seed: (fake: FakeApiServer, clock: FakeClock) => void) {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  seed(fake, clock);
  const descriptor: ControllerDescriptor = {
    name: 'pod-gc',
    enabledByDefault: true,
    start: (ctx) => new PodGCController(ctx).start(),
  };
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [descriptor],
    clock,
    config: { terminatedPodGCThreshold: threshold },
  });
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) await clock.advance(1000);
    for (let i = 0; i < 20; i++) await clock.advance(0);
  };
  const alive = () =>
    fake
      .list('', 'pods', 'default')
      .map((p) => p.metadata.name as string)
      .sort();
  return { clock, fake, cm, advance, alive };
}

test('terminated pods over the threshold are deleted, evicted first then oldest', async () => {
  const h = await setup(2, (fake, clock) => {
    fake.seed('', 'nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } });
    // The store stamps creationTimestamp from the clock: create in age order.
    const t = clock.now();
    const at = (ms: number, p: Record<string, unknown>) => {
      clock.setWallTime(t + ms);
      fake.seed('', 'pods', p);
    };
    at(0, pod('running', { node: 'n' }));
    at(1000, pod('older', { node: 'n', phase: 'Succeeded' }));
    at(2000, pod('old', { node: 'n', phase: 'Succeeded' }));
    at(3000, pod('new', { node: 'n', phase: 'Failed' }));
    at(4000, pod('evicted', { node: 'n', phase: 'Failed', reason: 'Evicted' }));
  });
  try {
    await h.advance(19_000);
    assert.equal(h.alive().length, 5, 'nothing before the first period');
    await h.advance(1_000);
    assert.deepEqual(h.alive(), ['new', 'old', 'running'], 'the evicted pod and the oldest one go');
    const del = h.fake.requests.find((r) => r.method === 'DELETE');
    assert.equal((del?.object as { gracePeriodSeconds?: number }).gracePeriodSeconds, 0);
    assert.ok((del?.object as { preconditions?: { uid?: string } }).preconditions?.uid);
  } finally {
    await h.cm.stop();
  }
});

test('pods on a node missing past the quarantine are marked Failed and deleted', async () => {
  const h = await setup(0, (fake) => {
    fake.seed('', 'pods', pod('orphan', { node: 'gone' }));
    fake.seed('', 'pods', pod('unscheduled', {}));
  });
  try {
    await h.advance(20_000);
    assert.deepEqual(h.alive(), ['orphan', 'unscheduled'], 'quarantined for 40 s');
    await h.advance(40_000);
    assert.deepEqual(h.alive(), ['unscheduled']);
    const apply = h.fake.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/orphan/status'));
    assert.match(apply?.query ?? '', /fieldManager=PodGC/);
    assert.match(JSON.stringify(apply?.object), /"phase":"Failed".*DeletionByPodGC/);
  } finally {
    await h.cm.stop();
  }
});

test('a node that comes back within the quarantine keeps its pods', async () => {
  const h = await setup(0, (fake) => {
    fake.seed('', 'pods', pod('p', { node: 'late' }));
  });
  try {
    await h.advance(20_000);
    h.fake.seed('', 'nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'late' } });
    await h.advance(60_000);
    assert.deepEqual(h.alive(), ['p']);
  } finally {
    await h.cm.stop();
  }
});

test('terminating pods that were never scheduled are force-deleted', async () => {
  const h = await setup(0, (fake) => {
    fake.seed('', 'pods', pod('stuck', { deleting: true }));
    fake.seed('', 'pods', pod('pending', {}));
  });
  try {
    await h.advance(20_000);
    assert.deepEqual(h.alive(), ['pending']);
  } finally {
    await h.cm.stop();
  }
});

test('evictionAndCreationOrder sorts evicted pods first, then by age and name', () => {
  const p = (name: string, created: number, reason?: string) =>
    pod(name, { phase: reason ? 'Failed' : 'Succeeded', created, reason }) as unknown as Pod;
  const sorted = [p('b', 1000), p('a', 1000), p('old', 0), p('ev', 5000, 'Evicted')].sort(evictionAndCreationOrder);
  assert.deepEqual(
    sorted.map((x) => x.metadata!.name),
    ['ev', 'old', 'a', 'b'],
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { startControllerManager } from '../../controller-manager.js';
import { taintEvictionController } from './taint-eviction-controller.js';
import { matchingTolerations, minTolerationMs, swapTaints, tolerates } from './taints.js';

const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const };

function pod(name: string, nodeName: string, tolerations: Toleration[] = []) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, tolerations, containers: [] },
  };
}

const tolerate = (seconds?: number): Toleration[] => [
  {
    key: unreachable.key,
    operator: 'Exists',
    effect: 'NoExecute',
    ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
  },
];

async function setup() {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.seed('', 'nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'bad' },
    spec: { taints: [unreachable] },
  });
  fake.seed('', 'nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'good' } });
  for (const p of [
    pod('none', 'bad'),
    pod('zero', 'bad', tolerate(0)),
    pod('thirty', 'bad', tolerate(30)),
    pod('sixty', 'bad', tolerate(60)),
    pod('forever', 'bad', tolerate()),
    pod('healthy', 'good'),
  ])
    fake.seed('', 'pods', p);
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [taintEvictionController],
    clock,
    config: { workers: 1 },
  });
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) await clock.advance(Math.min(1000, ms - t));
    for (let i = 0; i < 20; i++) await clock.advance(0);
  };
  const alive = () =>
    fake
      .list('', 'pods', 'default')
      .map((p) => p.metadata.name as string)
      .sort();
  return { clock, fake, cm, advance, alive };
}

test('pods on a NoExecute-tainted node are evicted at once or after their tolerationSeconds', async () => {
  const h = await setup();
  try {
    await h.advance(0);
    assert.deepEqual(h.alive(), ['forever', 'healthy', 'sixty', 'thirty']);
    const patches = h.fake.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status'));
    assert.ok(
      patches.some((r) => JSON.stringify(r.object).includes('DeletionByTaintManager')),
      'the DisruptionTarget condition is set before deleting',
    );
    await h.advance(29_000);
    assert.deepEqual(h.alive(), ['forever', 'healthy', 'sixty', 'thirty']);
    await h.advance(2_000);
    assert.deepEqual(h.alive(), ['forever', 'healthy', 'sixty']);

    // The taint goes away: the pending eviction is cancelled.
    await h.fake.handle({
      method: 'PUT',
      path: '/api/v1/nodes/bad',
      query: new URLSearchParams(),
      headers: {},
      object: { ...h.fake.get('', 'nodes', '', 'bad'), spec: {} },
    } as never);
    await h.advance(60_000);
    assert.deepEqual(h.alive(), ['forever', 'healthy', 'sixty']);
    const events = h.fake.list('', 'events', 'default').map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.includes('TaintManagerEviction: Cancelling deletion of Pod default/sixty'), events.join('\n'));
    assert.ok(events.includes('TaintManagerEviction: Marking for deletion Pod default/none'), events.join('\n'));
  } finally {
    await h.cm.stop();
  }
});

test('a pod bound later to a tainted node is evaluated too', async () => {
  const h = await setup();
  try {
    await h.advance(0);
    h.fake.seed('', 'pods', pod('late', 'bad', tolerate(5)));
    await h.advance(4_000);
    assert.ok(h.alive().includes('late'));
    await h.advance(2_000);
    assert.ok(!h.alive().includes('late'));
  } finally {
    await h.cm.stop();
  }
});

test('toleration matching (ToleratesTaint, GetMatchingTolerations, getMinTolerationTime)', () => {
  const cases: [Toleration, boolean][] = [
    [{ operator: 'Exists' }, true],
    [{ key: unreachable.key, operator: 'Exists' }, true],
    [{ key: unreachable.key, operator: 'Exists', effect: 'NoSchedule' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ key: unreachable.key, value: '' }, true],
    [{ key: unreachable.key, operator: 'Equal', value: 'x' }, false],
  ];
  for (const [t, want] of cases) assert.equal(tolerates(t, unreachable), want, JSON.stringify(t));
  assert.deepEqual(matchingTolerations([unreachable], []), { all: false, used: [] });
  assert.equal(minTolerationMs([]), 0);
  assert.equal(minTolerationMs(tolerate()), -1);
  assert.equal(minTolerationMs([...tolerate(60), ...tolerate(30), ...tolerate()]), 30_000);
  assert.equal(minTolerationMs(tolerate(-5)), 0);
});

test('swapTaints adds with timeAdded, removes by key and effect, and reports no-ops', () => {
  const now = '2026-01-01T00:00:00Z';
  const notReady = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' as const };
  assert.deepEqual(swapTaints([], [unreachable], [notReady], now), [{ ...unreachable, timeAdded: now }]);
  assert.deepEqual(swapTaints([{ ...notReady, timeAdded: now }], [unreachable], [notReady], now), [
    { ...unreachable, timeAdded: now },
  ]);
  assert.equal(swapTaints([{ ...unreachable, timeAdded: now }], [unreachable], [], now), undefined);
  assert.equal(swapTaints(undefined, [], [notReady], now), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from './framework/cycle-state.js';
import type { Plugin } from './framework/interfaces.js';
import { PodInfo } from './framework/pod-info.js';
import { PodScheduler, numFeasibleNodesToFind, selectHost } from './schedule-pod.js';
import { makeNode, makePod } from './testing/builders.js';
import { testFramework, testProfile } from './testing/framework.js';

test('numFeasibleNodesToFind (upstream TestNumFeasibleNodesToFind)', async (t) => {
  const cases: [string, number, number, number][] = [
    ['not set percentageOfNodesToScore and nodes number not more than 50', 0, 10, 10],
    ['set percentageOfNodesToScore and nodes number not more than 50', 40, 10, 10],
    ['not set percentageOfNodesToScore and nodes number more than 50', 0, 1000, 420],
    ['set percentageOfNodesToScore and nodes number more than 50', 40, 1000, 400],
    ['not set percentageOfNodesToScore and nodes number more than 50*125', 0, 6000, 300],
    ['set percentageOfNodesToScore and nodes number more than 50*125', 40, 6000, 2400],
    ['never fewer than 100 nodes', 1, 5000, 100],
    ['5000 nodes adaptive: 10%', 0, 5000, 500],
  ];
  for (const [name, pct, n, want] of cases) {
    await t.test(name, () => assert.equal(numFeasibleNodesToFind(pct, n), want));
  }
});

test('selectHost: the best total, ties broken uniformly', () => {
  assert.equal(
    selectHost([1, 5, 3], () => 0.99),
    1,
  );
  const counts = [0, 0, 0];
  let seed = 7;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 3000; i++) counts[selectHost([9, 9, 2], rand)]!++;
  assert.equal(counts[2], 0);
  assert.ok(counts[0]! > 1200 && counts[1]! > 1200, `roughly even: ${counts}`);
});

test('Filter covers a rotating window of nodes across cycles', () => {
  const seen: string[] = [];
  const spy: Plugin = { name: 'Spy', filter: (_s, _p, n) => (seen.push(n.name), null) };
  const nodes = Array.from({ length: 200 }, (_, i) => makeNode(`n${String(i).padStart(3, '0')}`));
  const { fw, snapshot } = testFramework(
    testProfile([{ name: 'PrioritySort' }, { name: 'DefaultBinder' }, { name: 'Spy' }]),
    [spy],
    { nodes },
  );
  const alg = new PodScheduler(snapshot, 0, () => 0);
  const r1 = alg.schedulePod(fw, new CycleState(), new PodInfo(makePod('a')));
  assert.ok('suggestedHost' in r1);
  // 200 nodes: 50 - 1 = 49% -> 98, raised to the 100 minimum.
  assert.equal(seen.length, 100);
  assert.equal(alg.nextStartNodeIndex, 100);
  seen.length = 0;
  alg.schedulePod(fw, new CycleState(), new PodInfo(makePod('b')));
  assert.equal(seen[0], snapshot.list()[100]!.name, 'the next cycle starts where the last stopped');
});

test('a pod with a nominated node is tried there first', () => {
  const seen: string[] = [];
  const spy: Plugin = { name: 'Spy', filter: (_s, _p, n) => (seen.push(n.name), null) };
  const nodes = Array.from({ length: 5 }, (_, i) => makeNode(`n${i}`));
  const { fw, snapshot } = testFramework(
    testProfile([{ name: 'PrioritySort' }, { name: 'DefaultBinder' }, { name: 'Spy' }]),
    [spy],
    { nodes },
  );
  const r = new PodScheduler(snapshot, 0, () => 0).schedulePod(
    fw,
    new CycleState(),
    new PodInfo(makePod('a', { nominatedNodeName: 'n3' })),
  );
  assert.deepEqual(r, { suggestedHost: 'n3', evaluatedNodes: 1, feasibleNodes: 1 });
  assert.deepEqual(seen, ['n3']);
});

test('no nodes at all', () => {
  const { fw, snapshot } = testFramework(testProfile([{ name: 'PrioritySort' }, { name: 'DefaultBinder' }]));
  const r = new PodScheduler(snapshot, 0, () => 0).schedulePod(fw, new CycleState(), new PodInfo(makePod('a')));
  assert.ok('error' in r);
  assert.equal(r.error.message, 'no nodes available to schedule pods');
});

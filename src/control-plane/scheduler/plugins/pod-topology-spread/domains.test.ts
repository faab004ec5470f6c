import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../../lib/clock.js';
import { PodInfo } from '../../framework/pod-info.js';
import { bump, makeNode, makePod } from '../../testing/builders.js';
import { FakeCluster } from '../../testing/fake-cluster.js';
import { testHandle } from '../../testing/framework.js';
import { compileConstraints } from './common.js';
import { DomainLayoutCache, sharedLayoutKey } from './domains.js';
import { calPreFilterState } from './filtering.js';

const blue = { color: 'blue' };
const hard = (topologyKey: string, maxSkew: number, extra: Partial<TopologySpreadConstraint> = {}) => ({
  maxSkew,
  topologyKey,
  whenUnsatisfiable: 'DoNotSchedule' as const,
  labelSelector: { matchLabels: blue },
  ...extra,
});
const spreadPod = (name: string, constraints: TopologySpreadConstraint[], o: { nodeName?: string } = {}) =>
  makePod(name, { labels: blue, req: { cpu: '100m' }, topologySpreadConstraints: constraints, ...o });

function cluster(): FakeCluster {
  const c = new FakeCluster();
  c.create({ clock: new FakeClock(), random: () => 0.5 });
  return c;
}

const perNode = (c: FakeCluster) => {
  const out: Record<string, number> = {};
  for (const p of c.pods.values()) if (p.spec?.nodeName) out[p.spec.nodeName] = (out[p.spec.nodeName] ?? 0) + 1;
  return out;
};

test('the layout and per-node counts carried across cycles follow every placement', async () => {
  const c = cluster();
  // Scoring strongly prefers the big node a: only correct counts spread the pods.
  c.addNode(makeNode('a', { zone: 'z1', alloc: { cpu: '64', memory: '256Gi', pods: '110' } }));
  for (const n of ['b', 'c', 'd']) c.addNode(makeNode(n, { zone: n < 'c' ? 'z1' : 'z2' }));
  // One pod per cycle: a stale count would let a node get a second pod before the others have one.
  for (let i = 0; i < 8; i++) {
    c.addPod(spreadPod(`p${i}`, [hard('kubernetes.io/hostname', 1), hard('topology.kubernetes.io/zone', 1)]));
    await c.drain();
  }
  assert.deepEqual(perNode(c), { a: 2, b: 2, c: 2, d: 2 });
  // p0 went first, to a: deleting it lowers a's count, and the next pod may go nowhere else.
  assert.equal(c.nodeOf('p0'), 'a');
  c.deletePod('default/p0');
  assert.deepEqual(perNode(c), { a: 1, b: 2, c: 2, d: 2 });
  c.addPod(spreadPod('p8', [hard('kubernetes.io/hostname', 1)]));
  await c.drain();
  assert.equal(c.nodeOf('p8'), 'a');
});

test('a node relabelled between cycles moves to its new domain', async () => {
  const c = cluster();
  // A custom key: relabelling keeps the node list (a zone change would rebuild it anyway).
  c.addNode(makeNode('a', { labels: { rack: 'r1' } }));
  c.addNode(makeNode('b', { labels: { rack: 'r2' }, alloc: { cpu: '64', memory: '256Gi', pods: '110' } }));
  c.addNode(makeNode('c', { labels: { rack: 'r2' } }));
  const rack = [hard('rack', 1)];
  c.addPod(spreadPod('pa', rack, { nodeName: 'a' }));
  c.addPod(spreadPod('pb', rack, { nodeName: 'b' }));
  c.addPod(spreadPod('warm', [hard('rack', 5)]));
  await c.drain();
  c.deletePod('default/warm');
  // b moves to r1: r1 = {a, b} holds 2 pods, r2 = {c} none, so only c may take the next pod (scoring prefers b).
  const b = c.nodes.get('b')!;
  c.scheduler.updateNode(
    b,
    bump(b, (n) => (n.metadata!.labels!.rack = 'r1')),
  );
  c.addPod(spreadPod('p', rack));
  await c.drain();
  assert.equal(c.nodeOf('p'), 'c');
});

test('counts are per namespace and selector: other pods never leak into the memo', async () => {
  const { handle, snapshot } = testHandle({
    nodes: [makeNode('a', { zone: 'z1' }), makeNode('b', { zone: 'z2' })],
    pods: [
      makePod('x1', { nodeName: 'a', labels: blue, namespace: 'other' }),
      makePod('x2', { nodeName: 'a', labels: { color: 'red' } }),
      makePod('x3', { nodeName: 'b', labels: blue }),
    ],
  });
  void handle;
  const cache = new DomainLayoutCache();
  const all = snapshot.list();
  const count = (pod: Pod, labelSelector: TopologySpreadConstraint['labelSelector']) => {
    const pi = new PodInfo(pod);
    const cs = compileConstraints(
      [hard('topology.kubernetes.io/zone', 1, { labelSelector })],
      pod.metadata?.labels,
      'DoNotSchedule',
    );
    const s = calPreFilterState(pi, cs, cache.get(cs, pi, all));
    return { z1: s.matchNum(0, 'z1'), z2: s.matchNum(0, 'z2'), min: s.minMatchNum(0, 1) };
  };
  assert.deepEqual(count(makePod('p', { labels: blue }), { matchLabels: blue }), { z1: 0, z2: 1, min: 0 });
  assert.deepEqual(count(makePod('p', { labels: blue, namespace: 'other' }), { matchLabels: blue }), {
    z1: 1,
    z2: 0,
    min: 0,
  });
  // {} selects every pod of the namespace; a nil selector none: both print as "" yet must not share counts.
  assert.deepEqual(count(makePod('p'), {}), { z1: 1, z2: 1, min: 1 });
  assert.deepEqual(count(makePod('p'), undefined), { z1: 0, z2: 0, min: 0 });
});

test('layouts are shared only when no inclusion policy depends on the pod', () => {
  const cs = (extra: Partial<TopologySpreadConstraint>) =>
    compileConstraints([hard('topology.kubernetes.io/zone', 1, extra)], blue, 'DoNotSchedule');
  const plain = new PodInfo(makePod('p'));
  const withSelector = new PodInfo(makePod('q', { nodeSelector: { disk: 'ssd' } }));
  assert.equal(typeof sharedLayoutKey(cs({}), plain), 'string');
  assert.equal(sharedLayoutKey(cs({}), withSelector), undefined);
  assert.equal(typeof sharedLayoutKey(cs({ nodeAffinityPolicy: 'Ignore' }), withSelector), 'string');
  assert.equal(sharedLayoutKey(cs({ nodeTaintsPolicy: 'Honor' }), plain), undefined);
});

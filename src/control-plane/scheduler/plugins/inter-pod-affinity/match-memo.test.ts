import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../../lib/clock.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { FakeCluster } from '../../testing/fake-cluster.js';

const big = { cpu: '64', memory: '256Gi', pods: '110' };
const term = (app: string): PodAffinityTerm => ({
  topologyKey: 'kubernetes.io/hostname',
  labelSelector: { matchLabels: { app } },
});
const anti = (name: string, app: string, avoid: string) =>
  makePod(name, {
    labels: { app },
    req: { cpu: '100m' },
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term(avoid)] } },
  });

/** Three nodes; scoring strongly prefers the big node a, so only correct match counts keep pods apart. */
function cluster(clock = new FakeClock()): FakeCluster {
  const c = new FakeCluster();
  c.create({ clock, random: () => 0.5 });
  c.addNode(makeNode('a', { alloc: big }));
  c.addNode(makeNode('b'));
  c.addNode(makeNode('c'));
  return c;
}

test('per-node match results carried across cycles follow placements and deletions', async () => {
  const clock = new FakeClock();
  const c = cluster(clock);
  for (let i = 0; i < 4; i++) {
    c.addPod(anti(`db-${i}`, 'db', 'db'));
    await c.drain();
  }
  const placed = ['db-0', 'db-1', 'db-2'].map((p) => c.nodeOf(p)).sort();
  assert.deepEqual(placed, ['a', 'b', 'c']);
  assert.equal(c.nodeOf('db-3'), undefined);
  // Freeing a: db-3 comes back on the pod delete and may go only there.
  c.deletePod(`default/${['db-0', 'db-1', 'db-2'].find((p) => c.nodeOf(p) === 'a')}`);
  await clock.advance(10_000); // past db-3's backoff
  await c.drain();
  assert.equal(c.nodeOf('db-3'), 'a');
});

test("existing pods' anti-affinity is matched per incoming pod's labels", async () => {
  const c = cluster();
  c.addPod({ ...anti('guard', 'guard', 'db'), spec: { ...anti('guard', 'guard', 'db').spec!, nodeName: 'a' } });
  // web pods are not what guard avoids; pinned to b, they leave a (and a's memoized results) unchanged.
  // Two of them: results are kept from the second cycle with the same signature on.
  for (const name of ['web-0', 'web-1']) {
    c.addPod(
      makePod(name, {
        labels: { app: 'web' },
        req: { cpu: '100m' },
        nodeSelector: { 'kubernetes.io/hostname': 'b' },
      }),
    );
    await c.drain();
    assert.equal(c.nodeOf(name), 'b');
  }
  // db is what guard avoids: a result memoized for web's signature must not let it onto a.
  c.addPod(makePod('db', { labels: { app: 'db' }, req: { cpu: '100m' } }));
  await c.drain();
  assert.notEqual(c.nodeOf('db'), undefined);
  assert.notEqual(c.nodeOf('db'), 'a');
});

test("the incoming pod's anti-affinity sees pods added since the last cycle", async () => {
  const c = cluster();
  c.addPod(anti('x', 'x', 'web'));
  await c.drain();
  assert.equal(c.nodeOf('x'), 'a');
  c.addPod(makePod('web-a', { labels: { app: 'web' }, nodeName: 'a' }));
  c.addPod(makePod('web-b', { labels: { app: 'web' }, nodeName: 'b' }));
  c.addPod(anti('y', 'y', 'web'));
  await c.drain();
  assert.equal(c.nodeOf('y'), 'c');
});

test("the incoming pod's required affinity follows the matching pod's moves", async () => {
  const c = cluster();
  const follower = (name: string) =>
    makePod(name, {
      labels: { app: 'follower' },
      req: { cpu: '100m' },
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } },
    });
  c.addPod(makePod('db', { labels: { app: 'db' }, nodeName: 'b' }));
  c.addPod(follower('f0'));
  await c.drain();
  assert.equal(c.nodeOf('f0'), 'b');
  c.deletePod('default/db');
  c.addPod(makePod('db2', { labels: { app: 'db' }, nodeName: 'c' }));
  c.addPod(follower('f1'));
  await c.drain();
  assert.equal(c.nodeOf('f1'), 'c');
});

test("a memoized node result is recomputed once the node's pods change", async () => {
  const c = cluster();
  const onA = (name: string, avoid: string) => {
    const p = anti(name, name, avoid);
    return { ...p, spec: { ...p.spec!, nodeName: 'a' } };
  };
  c.addPod(onA('guard-db', 'db'));
  for (const name of ['web-0', 'web-1']) {
    c.addPod(makePod(name, { labels: { app: 'web' }, nodeSelector: { 'kubernetes.io/hostname': 'b' } }));
    await c.drain();
  }
  // a now also holds a pod that avoids web: the result kept for a under web's signature is stale.
  c.addPod(onA('guard-web', 'web'));
  c.addPod(makePod('web-2', { labels: { app: 'web' }, req: { cpu: '100m' } }));
  await c.drain();
  assert.notEqual(c.nodeOf('web-2'), undefined);
  assert.notEqual(c.nodeOf('web-2'), 'a');
});

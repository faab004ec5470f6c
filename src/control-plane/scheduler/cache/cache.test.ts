import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../lib/clock.js';
import { PodInfo } from '../framework/pod-info.js';
import { makeNode, makePod } from '../testing/builders.js';
import { SchedulerCache } from './cache.js';
import { NodeTree } from './node-tree.js';
import { Snapshot } from './snapshot.js';

const assigned = (name: string, node: string, o: Parameters<typeof makePod>[1] = {}) =>
  makePod(name, { ...o, nodeName: node });

test('assumed pods: assume, confirm by informer add, forget, expire after binding', async () => {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock, assumedPodTTLMs: 30_000 });
  cache.addNode(makeNode('n1'));
  const pod = makePod('p', { req: { cpu: '1' } });
  const placed: Pod = { ...pod, spec: { ...pod.spec!, nodeName: 'n1' } };
  cache.assumePod(new PodInfo(placed));
  assert.equal(cache.isAssumedPod(pod), true);
  assert.equal(cache.nodeInfo('n1')!.requested.milliCPU, 1000);
  assert.throws(() => cache.assumePod(new PodInfo(placed)), /is in the cache, so can't be assumed/);

  // Forget undoes it.
  cache.forgetPod(placed);
  assert.equal(cache.isAssumedPod(pod), false);
  assert.equal(cache.nodeInfo('n1')!.requested.milliCPU, 0);
  assert.throws(() => cache.forgetPod(placed), /wasn't assumed so cannot be forgotten/);

  // Expiry only after the binding finished and the TTL passed.
  cache.assumePod(new PodInfo(placed));
  cache.cleanupAssumedPods(clock.now() + 60_000);
  assert.equal(cache.isAssumedPod(pod), true, 'binding not finished: never expires');
  cache.finishBinding(placed);
  cache.cleanupAssumedPods(clock.now() + 29_999);
  assert.equal(cache.isAssumedPod(pod), true);
  cache.cleanupAssumedPods(clock.now() + 30_001);
  assert.equal(cache.isAssumedPod(pod), false);
  assert.equal(cache.nodeInfo('n1')!.pods.length, 0);

  // The informer confirms a (re-)assumed pod: no longer assumed, still counted once.
  cache.assumePod(new PodInfo(placed));
  cache.addPod({ ...placed, metadata: { ...placed.metadata, resourceVersion: '9' } });
  assert.equal(cache.isAssumedPod(pod), false);
  assert.equal(cache.nodeInfo('n1')!.pods.length, 1);
  assert.equal(cache.nodeInfo('n1')!.requested.milliCPU, 1000);
  assert.throws(() => cache.addPod(placed), /was already in added state/);
});

test('the periodic cleanup runs on the clock', async () => {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock, assumedPodTTLMs: 2_000 });
  cache.addNode(makeNode('n1'));
  const placed = assigned('p', 'n1');
  cache.assumePod(new PodInfo(placed));
  cache.finishBinding(placed);
  cache.start();
  await clock.advance(3_000);
  assert.equal(cache.podCount(), 0);
  cache.stop();
  assert.equal(clock.pending(), 0);
});

test('a pod assumed on one node and added on another moves there', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  cache.addNode(makeNode('n1'));
  cache.addNode(makeNode('n2'));
  const placed = assigned('p', 'n1', { req: { cpu: '1' } });
  cache.assumePod(new PodInfo(placed));
  cache.addPod({ ...placed, spec: { ...placed.spec!, nodeName: 'n2' } });
  assert.equal(cache.nodeInfo('n1')!.pods.length, 0);
  assert.equal(cache.nodeInfo('n2')!.requested.milliCPU, 1000);
});

test('removing a node keeps its NodeInfo while pods remain; the snapshot drops it', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const n1 = makeNode('n1');
  cache.addNode(n1);
  cache.addNode(makeNode('n2'));
  const p = assigned('p', 'n1');
  cache.addPod(p);
  const snap = new Snapshot();
  cache.updateSnapshot(snap);
  assert.equal(snap.numNodes(), 2);
  cache.removeNode(n1);
  assert.ok(cache.nodeInfo('n1'), 'ghost NodeInfo kept for the pod');
  cache.updateSnapshot(snap);
  assert.deepEqual(
    snap.list().map((n) => n.name),
    ['n2'],
  );
  cache.removePod(p);
  assert.equal(cache.nodeInfo('n1'), undefined);
});

test('image states count nodes per image', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const images = [{ names: ['nginx:1.25', 'docker.io/nginx:1.25'], sizeBytes: 100 }];
  cache.addNode(makeNode('n1', { images }));
  const n2 = makeNode('n2', { images });
  cache.addNode(n2);
  assert.equal(cache.nodeInfo('n1')!.imageStates.get('nginx:1.25')!.numNodes, 2);
  cache.removeNode(n2);
  assert.equal(cache.nodeInfo('n1')!.imageStates.get('nginx:1.25')!.numNodes, 1);
});

test('node tree interleaves zones', () => {
  const t = new NodeTree();
  for (const [n, z] of [
    ['a1', 'a'],
    ['a2', 'a'],
    ['a3', 'a'],
    ['b1', 'b'],
    ['c1', 'c'],
    ['c2', 'c'],
  ]) {
    t.addNode(makeNode(n!, { zone: z }));
  }
  assert.deepEqual(t.list(), ['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
  t.removeNode(makeNode('b1', { zone: 'b' }));
  assert.deepEqual(t.list(), ['a1', 'c1', 'a2', 'c2', 'a3']);
  t.updateNode(makeNode('a1', { zone: 'a' }), makeNode('a1', { zone: 'c' }));
  assert.deepEqual(t.list(), ['a2', 'c1', 'a3', 'c2', 'a1']);
});

/** What a NodeInfo aggregates, in comparable form. */
function summary(snap: Snapshot): unknown {
  return snap.list().map((ni) => ({
    name: ni.name,
    pods: ni.pods.map((p) => p.uid).sort(),
    affinity: ni.podsWithAffinity.map((p) => p.uid).sort(),
    anti: ni.podsWithRequiredAntiAffinity.map((p) => p.uid).sort(),
    cpu: ni.requested.milliCPU,
    mem: ni.requested.memory,
    nzCpu: ni.nonZeroRequested.milliCPU,
    nzMem: ni.nonZeroRequested.memory,
    alloc: ni.allocatable.milliCPU,
    ports: ni.usedPorts.entries(),
    pvcs: [...ni.pvcRefCounts].sort(),
    labels: ni.labels,
  }));
}

function lists(snap: Snapshot): unknown {
  return {
    aff: snap
      .havePodsWithAffinityList()
      .map((n) => n.name)
      .sort(),
    anti: snap
      .havePodsWithRequiredAntiAffinityList()
      .map((n) => n.name)
      .sort(),
    pvc: [...snap.usedPVCSet].sort(),
  };
}

test('incremental snapshots equal a from-scratch rebuild (randomized)', () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  for (let round = 0; round < 5; round++) {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    const snap = new Snapshot();
    const nodes = new Map<string, Node>();
    const pods = new Map<string, Pod>();
    const assumed = new Map<string, Pod>();
    let nodeSeq = 0;
    let podSeq = 0;
    for (let step = 0; step < 400; step++) {
      const r = rand();
      const nodeNames = [...nodes.keys()];
      if (r < 0.12 || nodeNames.length === 0) {
        const n = makeNode(`n${nodeSeq++}`, {
          zone: pick(['z1', 'z2', 'z3']),
          alloc: { cpu: String(1 + Math.floor(rand() * 8)), memory: '8Gi', pods: '20' },
        });
        nodes.set(n.metadata!.name!, n);
        cache.addNode(n);
      } else if (r < 0.18) {
        const name = pick(nodeNames);
        const old = nodes.get(name)!;
        const n = makeNode(name, {
          zone: pick(['z1', 'z2', 'z3']),
          labels: { v: String(step) },
          alloc: { cpu: '16', memory: '8Gi', pods: '20' },
        });
        nodes.set(name, n);
        cache.updateNode(old, n);
      } else if (r < 0.22) {
        const name = pick(nodeNames);
        const n = nodes.get(name)!;
        nodes.delete(name);
        cache.removeNode(n);
        // Pods of a deleted node are deleted too (as the garbage collector would).
        for (const [k, p] of [...pods]) {
          if (p.spec?.nodeName === name) {
            pods.delete(k);
            cache.removePod(p);
          }
        }
        for (const [k, p] of [...assumed]) {
          if (p.spec?.nodeName === name) {
            assumed.delete(k);
            cache.forgetPod(p);
          }
        }
      } else if (r < 0.55) {
        const withAffinity = rand() < 0.3;
        const p = assigned(`p${podSeq++}`, pick(nodeNames), {
          req: { cpu: `${Math.floor(rand() * 500)}m` },
          hostPorts: rand() < 0.2 ? [8000 + Math.floor(rand() * 3)] : undefined,
          labels: { app: pick(['a', 'b']) },
          volumes: rand() < 0.2 ? [{ name: 'v', persistentVolumeClaim: { claimName: pick(['c1', 'c2']) } }] : undefined,
          affinity: withAffinity
            ? {
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'a' } } },
                  ],
                },
              }
            : undefined,
        });
        if (rand() < 0.3) {
          assumed.set(p.metadata!.uid!, p);
          cache.assumePod(new PodInfo(p));
        } else {
          pods.set(p.metadata!.uid!, p);
          cache.addPod(p);
        }
      } else if (r < 0.65 && assumed.size) {
        const [k, p] = pick([...assumed]);
        assumed.delete(k);
        if (rand() < 0.5) {
          cache.forgetPod(p);
        } else {
          pods.set(k, p);
          cache.addPod(p);
        }
      } else if (r < 0.8 && pods.size) {
        const [k, p] = pick([...pods]);
        pods.delete(k);
        cache.removePod(p);
      } else if (pods.size) {
        const [k, p] = pick([...pods]);
        const next: Pod = {
          ...p,
          metadata: { ...p.metadata, labels: { app: pick(['a', 'b', 'c']) }, resourceVersion: String(step) },
        };
        pods.set(k, next);
        cache.updatePod(p, next);
      }
      if (rand() < 0.3) {
        cache.updateSnapshot(snap);
        const fresh = new Snapshot();
        cache.updateSnapshot(fresh);
        assert.deepEqual(summary(snap), summary(fresh), `round ${round} step ${step}`);
        assert.deepEqual(lists(snap), lists(fresh), `round ${round} step ${step} lists`);
        assert.equal(snap.numNodes(), nodes.size);
      }
    }
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../lib/clock.js';
import { defaultConfiguration } from './config/defaults.js';
import { PodGroupLabel, MinMemberAnnotation } from './plugins/pod-set/pod-set.js';
import { bump, makeNode, makePod } from './testing/builders.js';
import { FakeCluster } from './testing/fake-cluster.js';
import { PodInfo } from './framework/pod-info.js';

const uidOf = (p: Pod | undefined) => p?.metadata?.uid ?? '';

function cluster(opts: { clock?: FakeClock; config?: ReturnType<typeof defaultConfiguration>; seed?: number } = {}) {
  const c = new FakeCluster();
  let seed = opts.seed ?? 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  c.create({ clock: opts.clock ?? new FakeClock(), config: opts.config, random });
  return c;
}

const condition = (p: Pod | undefined) => p?.status?.conditions?.find((c) => c.type === 'PodScheduled');

test('a few hundred pods: taints, node affinity, anti-affinity and zone spread hold', async () => {
  const c = cluster();
  const zones = ['z1', 'z2', 'z3'];
  for (let i = 0; i < 30; i++) {
    c.addNode(
      makeNode(`n${i}`, {
        zone: zones[i % 3],
        alloc: { cpu: '8', memory: '32Gi', pods: '30' },
        labels: { tier: i < 24 ? 'general' : 'gpu' },
        taints: i >= 24 ? [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] : undefined,
      }),
    );
  }
  const pods: Pod[] = [];
  // 150 web pods spread across zones (maxSkew 1).
  for (let i = 0; i < 150; i++) {
    pods.push(
      makePod(`web-${i}`, {
        labels: { app: 'web' },
        req: { cpu: '200m', memory: '256Mi' },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: 'web' } },
          },
        ],
      }),
    );
  }
  // 20 cache pods, one per host.
  for (let i = 0; i < 20; i++) {
    pods.push(
      makePod(`cache-${i}`, {
        labels: { app: 'cache' },
        req: { cpu: '500m' },
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'cache' } } },
            ],
          },
        },
      }),
    );
  }
  // 30 GPU jobs that tolerate the taint and require the gpu tier.
  for (let i = 0; i < 30; i++) {
    pods.push(
      makePod(`gpu-${i}`, {
        req: { cpu: '1' },
        tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
        nodeSelector: { tier: 'gpu' },
      }),
    );
  }
  // 100 plain pods.
  for (let i = 0; i < 100; i++) pods.push(makePod(`plain-${i}`, { req: { cpu: '100m' } }));
  for (const p of pods) c.addPod(p);
  await c.drain();

  for (const p of pods) assert.ok(c.nodeOf(p.metadata!.name!), `${p.metadata!.name} scheduled`);
  const nodeOf = (n: string) => c.nodes.get(c.nodeOf(n)!)!;
  for (let i = 0; i < 100; i++)
    assert.ok(!nodeOf(`plain-${i}`).spec?.taints, 'untolerating pods stay off tainted nodes');
  for (let i = 0; i < 30; i++) assert.equal(nodeOf(`gpu-${i}`).metadata!.labels!.tier, 'gpu');
  const cacheHosts = new Set(Array.from({ length: 20 }, (_, i) => c.nodeOf(`cache-${i}`)));
  assert.equal(cacheHosts.size, 20, 'anti-affinity: one cache pod per host');
  const perZone = new Map<string, number>();
  for (let i = 0; i < 150; i++) {
    const z = nodeOf(`web-${i}`).metadata!.labels!['topology.kubernetes.io/zone']!;
    perZone.set(z, (perZone.get(z) ?? 0) + 1);
  }
  const counts = [...perZone.values()];
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `zone skew within 1: ${counts}`);
  assert.equal(
    c.eventsFor('web-0', 'Scheduled')[0]!.message,
    `Successfully assigned default/web-0 to ${c.nodeOf('web-0')}`,
  );
  assert.equal(c.scheduler.cache.assumedPodCount(), 0, 'every binding confirmed');
  for (const n of c.scheduler.snapshot.list()) {
    assert.ok(n.requested.milliCPU <= n.allocatable.milliCPU, `${n.name} not overcommitted`);
  }
});

test('an unschedulable pod gets the upstream FailedScheduling message and PodScheduled=False', async () => {
  const c = cluster();
  c.addNode(makeNode('n1', { alloc: { cpu: '1', memory: '1Gi', pods: '10' } }));
  c.addNode(makeNode('n2', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }));
  c.addNode(makeNode('n3', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }));
  c.addPod(makePod('big', { req: { cpu: '2' } }));
  await c.drain();
  const want =
    '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: infra}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.';
  assert.deepEqual(
    c.eventsFor('big', 'FailedScheduling').map((e) => e.message),
    [want],
  );
  assert.deepEqual(condition(c.pod('big')), {
    type: 'PodScheduled',
    status: 'False',
    reason: 'Unschedulable',
    message: want,
  });
  assert.equal(c.scheduler.queue.whereIs(c.pod('big')!.metadata!.uid!), 'unschedulable');
});

test('an unschedulable pod is retried when a node that fits appears', async () => {
  const clock = new FakeClock();
  const c = cluster({ clock });
  c.addNode(makeNode('small', { alloc: { cpu: '1', memory: '1Gi', pods: '10' } }));
  c.addPod(makePod('p', { req: { cpu: '2' } }));
  await c.drain();
  assert.equal(c.nodeOf('p'), undefined);
  c.addNode(makeNode('big', { alloc: { cpu: '4', memory: '1Gi', pods: '10' } }));
  // Still backing off (1 s after the first attempt).
  assert.equal(c.scheduler.queue.whereIs(c.pod('p')!.metadata!.uid!), 'backoff');
  await clock.advance(1000);
  c.scheduler.queue.flushBackoffQCompleted();
  await c.drain();
  assert.equal(c.nodeOf('p'), 'big');
});

test('a node update that does not help leaves the pod parked', async () => {
  const c = cluster();
  const n = makeNode('n', { alloc: { cpu: '1', memory: '1Gi', pods: '10' } });
  c.addNode(n);
  c.addPod(makePod('p', { req: { cpu: '2' } }));
  await c.drain();
  c.scheduler.updateNode(
    n,
    bump(n, (x) => (x.metadata!.labels = { ...x.metadata!.labels, extra: 'label' })),
  );
  assert.equal(c.scheduler.queue.whereIs(c.pod('p')!.metadata!.uid!), 'unschedulable');
  c.scheduler.updateNode(
    n,
    bump(n, (x) => (x.status!.allocatable = { cpu: '4', memory: '1Gi', pods: '10' })),
  );
  assert.equal(c.scheduler.queue.whereIs(c.pod('p')!.metadata!.uid!), 'backoff');
});

test('preemption evicts the pods not protected by a PDB and nominates the node', async () => {
  const clock = new FakeClock();
  const c = cluster({ clock });
  c.addNode(makeNode('a', { alloc: { cpu: '2', memory: '4Gi', pods: '10' } }));
  c.addNode(makeNode('b', { alloc: { cpu: '2', memory: '4Gi', pods: '10' } }));
  c.pdbs.push({
    metadata: { name: 'db', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'db' } } },
    status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
  });
  c.addPod(makePod('db', { req: { cpu: '2' }, priority: 1, labels: { app: 'db' }, nodeName: 'a' }));
  c.addPod(makePod('batch', { req: { cpu: '2' }, priority: 1, labels: { app: 'batch' }, nodeName: 'b' }));
  const hi = makePod('hi', { req: { cpu: '2' }, priority: 1000 });
  c.addPod(hi);
  await c.drain();
  // The victim is on b (no PDB violation); a's db pod survives.
  assert.equal(c.pod('batch'), undefined, 'victim deleted');
  assert.ok(c.pod('db'), 'PDB-protected pod kept');
  assert.deepEqual(
    c.eventsFor('batch', 'Preempted').map((e) => e.message),
    [`Preempted by pod ${hi.metadata!.uid} on node b`],
  );
  assert.equal(c.pod('hi')!.status!.nominatedNodeName, 'b');
  assert.match(c.eventsFor('hi', 'FailedScheduling')[0]!.message, /^0\/2 nodes are available: 2 Insufficient cpu\.$/);
  // Once the victim is gone the preemptor is retried and lands on the nominated node.
  await clock.advance(1000);
  c.scheduler.queue.flushBackoffQCompleted();
  await c.drain();
  assert.equal(c.nodeOf('hi'), 'b');
});

test('preemption respects PDBs when every candidate violates one: fewest violations win', async () => {
  const c = cluster();
  c.addNode(makeNode('a', { alloc: { cpu: '2', memory: '4Gi', pods: '10' } }));
  c.pdbs.push({
    metadata: { name: 'db', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'db' } } },
    status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
  });
  c.addPod(makePod('db', { req: { cpu: '2' }, priority: 1, labels: { app: 'db' }, nodeName: 'a' }));
  c.addPod(makePod('hi', { req: { cpu: '2' }, priority: 1000 }));
  await c.drain();
  // The only candidate violates the PDB; upstream still preempts (PDBs are best effort).
  assert.equal(c.pod('db'), undefined);
  const victimCondition = c.events.find((e) => e.reason === 'Preempted');
  assert.ok(victimCondition);
});

test('gang scheduling: all-or-nothing, reservations released on timeout, bound together once it fits', async () => {
  const clock = new FakeClock();
  const config = defaultConfiguration({
    profiles: [{ schedulerName: 'default-scheduler', plugins: { multiPoint: { enabled: [{ name: 'PodSet' }] } } }],
  });
  config.profiles[0]!.pluginConfig.set('PodSet', { permitWaitingTimeSeconds: 10 });
  const c = cluster({ clock, config });
  c.addNode(makeNode('n1', { alloc: { cpu: '2', memory: '4Gi', pods: '10' } }));
  const member = (i: number) =>
    makePod(`m${i}`, {
      req: { cpu: '1' },
      labels: { [PodGroupLabel]: 'train' },
      annotations: { [MinMemberAnnotation]: '3' },
    });
  for (let i = 0; i < 3; i++) c.addPod(member(i));
  await c.drain();
  // Two members fit and wait at Permit; the third fails and releases them.
  assert.equal(c.bindCalls.length, 0, 'nothing bound');
  assert.equal(c.scheduler.cache.assumedPodCount(), 0, 'reservations released');
  const failures = c.events.filter((e) => e.reason === 'FailedScheduling').map((e) => e.message);
  assert.ok(
    failures.includes(
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    ),
    failures.join('\n'),
  );
  assert.ok(
    failures.some((m) => m.includes('optimistic rejection in PostFilter')),
    failures.join('\n'),
  );

  // With room for two only, a retry times out after 10 s and again binds nothing.
  await clock.advance(10_000);
  c.scheduler.queue.flushUnschedulablePodsLeftover();
  c.scheduler.queue.flushBackoffQCompleted();
  await c.drain();
  assert.equal(c.bindCalls.length, 0);

  // Capacity appears: the whole group is bound.
  c.addNode(makeNode('n2', { alloc: { cpu: '2', memory: '4Gi', pods: '10' } }));
  await clock.advance(20_000);
  c.scheduler.queue.flushBackoffQCompleted();
  await c.drain();
  assert.deepEqual(
    [0, 1, 2].map((i) => !!c.nodeOf(`m${i}`)),
    [true, true, true],
  );
});

test('gang members waiting at Permit are rejected on timeout with upstream wording', async () => {
  const clock = new FakeClock();
  const config = defaultConfiguration({
    profiles: [{ schedulerName: 'default-scheduler', plugins: { multiPoint: { enabled: [{ name: 'PodSet' }] } } }],
  });
  config.profiles[0]!.pluginConfig.set('PodSet', { permitWaitingTimeSeconds: 5 });
  const c = cluster({ clock, config });
  c.addNode(makeNode('n1'));
  const group = { labels: { [PodGroupLabel]: 'g' }, annotations: { [MinMemberAnnotation]: '2' } };
  // The sibling exists but is held back by a scheduling gate.
  c.addPod(makePod('sibling', { ...group, schedulingGates: ['example.com/later'] }));
  c.addPod(makePod('only', group));
  await c.drain();
  assert.equal(c.scheduler.cache.assumedPodCount(), 1, 'assumed while waiting');
  assert.equal(c.bindCalls.length, 0);
  await clock.advance(5_000);
  await c.scheduler.waitForBindings();
  assert.equal(c.scheduler.cache.assumedPodCount(), 0, 'released on timeout');
  assert.deepEqual(
    c.eventsFor('only', 'FailedScheduling').map((e) => e.message),
    ['0/1 nodes are available: 1 rejected due to timeout after waiting 5s at plugin PodSet.'],
  );
  // The sibling is released: it waits at Permit, wakes 'only' up, and both bind together.
  c.update(c.pod('sibling')!, (p) => (p.spec!.schedulingGates = []));
  await c.drain();
  assert.equal(c.nodeOf('only'), 'n1');
  assert.equal(c.nodeOf('sibling'), 'n1');
});

test('scheduling gates hold a pod until removed', async () => {
  const c = cluster();
  c.addNode(makeNode('n1'));
  const g = makePod('g', { schedulingGates: ['example.com/quota'] });
  c.addPod(g);
  await c.drain();
  assert.equal(c.nodeOf('g'), undefined);
  assert.deepEqual(c.eventsFor('g'), [], 'gated pods are not attempted');
  c.update(c.pod('g')!, (p) => (p.spec!.schedulingGates = []));
  await c.drain();
  assert.equal(c.nodeOf('g'), 'n1');
});

test('profiles by schedulerName; pods for other schedulers are ignored', async () => {
  const config = defaultConfiguration({
    profiles: [{ schedulerName: 'default-scheduler' }, { schedulerName: 'packer' }],
  });
  const c = cluster({ config });
  c.addNode(makeNode('n1'));
  c.addPod(makePod('mine', { schedulerName: 'packer' }));
  c.addPod(makePod('theirs', { schedulerName: 'someone-else' }));
  await c.drain();
  assert.equal(c.nodeOf('mine'), 'n1');
  assert.equal(c.nodeOf('theirs'), undefined);
  assert.deepEqual(c.eventsFor('theirs'), []);
});

test('a binding error requeues the pod with reason SchedulerError, and it is retried', async () => {
  const clock = new FakeClock();
  const c = cluster({ clock });
  c.addNode(makeNode('n1'));
  c.failBinds = 1;
  c.addPod(makePod('p'));
  await c.drain();
  assert.equal(condition(c.pod('p'))?.reason, 'SchedulerError');
  assert.equal(
    c.eventsFor('p', 'FailedScheduling')[0]!.message,
    'running Bind plugin "DefaultBinder": binding default/p failed',
  );
  assert.equal(c.scheduler.cache.assumedPodCount(), 0, 'the assumed pod was forgotten');
  await clock.advance(1000);
  c.scheduler.queue.flushBackoffQCompleted();
  await c.drain();
  assert.equal(c.nodeOf('p'), 'n1');
});

test('deleting a pending pod removes it from the queue', async () => {
  const c = cluster();
  c.addNode(makeNode('n1', { alloc: { cpu: '1', memory: '1Gi', pods: '10' } }));
  c.addPod(makePod('p', { req: { cpu: '2' } }));
  await c.drain();
  const uid = c.pod('p')!.metadata!.uid!;
  c.deletePod('default/p');
  assert.equal(c.scheduler.queue.whereIs(uid), undefined);
});

test('run() schedules as pods arrive and stops on abort', async () => {
  const c = new FakeCluster();
  c.create();
  c.addNode(makeNode('n1'));
  const ctrl = new AbortController();
  const running = c.scheduler.run(ctrl.signal);
  c.addPod(makePod('p1'));
  c.addPod(makePod('p2'));
  for (let i = 0; i < 50 && c.bindCalls.length < 2; i++) await new Promise((r) => setImmediate(r));
  assert.equal(c.nodeOf('p1'), 'n1');
  assert.equal(c.nodeOf('p2'), 'n1');
  ctrl.abort();
  await running;
  await c.scheduler.waitForBindings();
});

test('an assigned pod going away requeues pods that needed its resources', async () => {
  const clock = new FakeClock();
  const c = cluster({ clock });
  c.addNode(makeNode('n', { alloc: { cpu: '2', memory: '1Gi', pods: '10' } }));
  c.addPod(makePod('old', { req: { cpu: '2' }, nodeName: 'n', priority: 100 }));
  c.addPod(makePod('new', { req: { cpu: '2' } }));
  await c.drain();
  const uid = c.pod('new')!.metadata!.uid!;
  assert.equal(c.scheduler.queue.whereIs(uid), 'unschedulable');
  c.deletePod('default/old');
  assert.equal(c.scheduler.queue.whereIs(uid), 'backoff');
  await clock.advance(1000);
  c.scheduler.queue.flushBackoffQCompleted();
  await c.drain();
  assert.equal(c.nodeOf('new'), 'n');
});

test('a PreFilter rejection is reported whole, and a PVC event requeues the pod', async () => {
  const clock = new FakeClock();
  const claims: PersistentVolumeClaim[] = [];
  const c = new FakeCluster();
  c.create({
    clock,
    listers: {
      pvcs: {
        get: (n, ns) => claims.find((x) => x.metadata?.name === n && x.metadata?.namespace === ns),
        list: () => claims,
      },
      pvs: { get: () => undefined, list: () => [] },
    },
  });
  c.addNode(makeNode('n'));
  c.addPod(makePod('p', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }));
  await c.drain();
  assert.equal(
    condition(c.pod('p'))?.message,
    '0/1 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  );
  const uid = c.pod('p')!.metadata!.uid!;
  c.scheduler.onClusterEvent('Node', 'Update', undefined, undefined);
  assert.equal(c.scheduler.queue.whereIs(uid), 'unschedulable', 'VolumeBinding ignores unrelated events');
  const claim = { metadata: { name: 'data', namespace: 'default' }, spec: { volumeName: 'pv1' } };
  claims.push(claim);
  c.scheduler.onClusterEvent('PersistentVolumeClaim', 'Add', undefined, claim);
  assert.equal(c.scheduler.queue.whereIs(uid), 'backoff');
});

test('stop() releases pods waiting at Permit and all timers', async () => {
  const clock = new FakeClock();
  const config = defaultConfiguration({
    profiles: [{ schedulerName: 'default-scheduler', plugins: { multiPoint: { enabled: [{ name: 'PodSet' }] } } }],
  });
  const c = cluster({ clock, config });
  c.addNode(makeNode('n'));
  c.addPod(makePod('m', { labels: { [PodGroupLabel]: 'g' }, annotations: { [MinMemberAnnotation]: '2' } }));
  c.addPod(
    makePod('gated', {
      labels: { [PodGroupLabel]: 'g' },
      annotations: { [MinMemberAnnotation]: '2' },
      schedulingGates: ['x'],
    }),
  );
  c.scheduler.queue.run();
  c.scheduler.cache.start();
  await c.drain();
  assert.ok(clock.pending() > 0);
  c.scheduler.stop();
  await c.scheduler.waitForBindings();
  assert.equal(clock.pending(), 0);
  assert.equal(c.scheduler.cache.assumedPodCount(), 0);
});

test('deleting a nominated pod requeues the pods its nomination kept off the node', async () => {
  const clock = new FakeClock();
  const c = cluster({ clock });
  c.addNode(makeNode('n', { alloc: { cpu: '1', memory: '4Gi', pods: '10' } }));
  // A higher-priority pod holding n by nomination (gated here, so it stays unscheduled).
  const nominee = makePod('nominee', {
    priority: 10,
    req: { cpu: '1' },
    schedulingGates: ['hold'],
    nominatedNodeName: 'n',
  });
  c.addPod(nominee);
  c.scheduler.queue.addNominatedPod(new PodInfo(nominee), { mode: 'Override', nominatedNodeName: 'n' });
  c.addPod(makePod('low', { req: { cpu: '1' } }));
  // An unrelated unassigned pod's deletion is no reason to retry.
  c.addPod(makePod('other', { schedulingGates: ['hold'] }));
  await c.drain();
  assert.equal(c.nodeOf('low'), undefined);
  assert.equal(c.scheduler.queue.whereIs(uidOf(c.pod('low'))), 'unschedulable');
  c.deletePod('default/other');
  assert.equal(c.scheduler.queue.whereIs(uidOf(c.pod('low'))), 'unschedulable');
  c.deletePod('default/nominee');
  assert.notEqual(c.scheduler.queue.whereIs(uidOf(c.pod('low'))), 'unschedulable');
  await clock.advance(10_000);
  await c.drain();
  assert.equal(c.nodeOf('low'), 'n');
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatMicroTime } from '../../src/api/values/time.js';
import { gvr, typed, type ResourceClient, type RestClient } from '../../src/client/index.js';
import { componentUsers, inProcessRest } from '../../src/cmd/in-process.js';
import {
  startScheduler,
  type RunningScheduler,
  type SchedulerLeaderElection,
} from '../../src/control-plane/scheduler/component.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes } from '../harness/sim.js';

/** Short leases so failover happens within a test's time. */
const fastLease: SchedulerLeaderElection = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 };

/**
 * Every spec.nodeName a pod (by uid) ever showed, in order, from a list then
 * a watch of the namespace: a pod bound exactly once has one entry, and a
 * pod that moved or was unbound has more.
 */
class BindingHistory {
  readonly nodes = new Map<string, string[]>();
  private readonly names = new Map<string, string>();
  private close: () => void = () => undefined;
  private done: Promise<void> = Promise.resolve();

  async start(pods: ResourceClient<Pod>): Promise<void> {
    const list = await pods.list();
    for (const p of list.items) this.observe(p);
    const w = await pods.watch({ resourceVersion: list.metadata?.resourceVersion });
    this.close = () => w.close();
    this.done = (async () => {
      for await (const ev of w) if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.observe(ev.object);
    })().catch(() => undefined);
  }

  private observe(p: Pod): void {
    const uid = p.metadata!.uid!;
    this.names.set(uid, p.metadata!.name!);
    const node = p.spec?.nodeName ?? '';
    const seen = this.nodes.get(uid) ?? [];
    if (node === (seen.at(-1) ?? '')) return;
    seen.push(node);
    this.nodes.set(uid, seen);
  }

  bound(): number {
    let n = 0;
    for (const seen of this.nodes.values()) if (seen.length > 0 && seen.at(-1) !== '') n++;
    return n;
  }

  /** Pods whose history is anything but a single binding. */
  violations(): string[] {
    return [...this.nodes]
      .filter(([, seen]) => seen.length !== 1 || seen[0] === '')
      .map(([uid, seen]) => `${this.names.get(uid)}: ${JSON.stringify(seen)}`);
  }

  async stop(): Promise<void> {
    this.close();
    await this.done;
  }
}

const pod = (name: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'ha' } },
  spec: {
    containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
  },
});

/** Creates `total` pods ten at a time, 40 ms apart, so scheduling is under way while they arrive. */
async function createStream(pods: ResourceClient<Pod>, prefix: string, total: number): Promise<void> {
  for (let n = 0; n < total; n += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, i) => pods.create(pod(`${prefix}-${n + i}`))));
    await new Promise((r) => setTimeout(r, 40));
  }
}

describe('scheduler high availability', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let admin: RestClient;
  let schedRest: RestClient;
  const running = new Set<RunningScheduler>();

  const start = async (opts: Parameters<typeof startScheduler>[0]): Promise<RunningScheduler> => {
    const s = await startScheduler(opts);
    running.add(s);
    return s;
  };
  const stop = async (s: RunningScheduler) => {
    running.delete(s);
    await s.stop();
  };

  before(async () => {
    c = await startTestCluster({ controllers: ['serviceaccount', 'node-lifecycle'], scheduler: false });
    sim = await startTestSimNodes(c, { count: 6, bindUnscheduled: false });
    admin = adminRest(c);
    schedRest = inProcessRest(c.cp.apiserver, componentUsers.scheduler, 'kube-scheduler');
    // Pods need the namespace's default ServiceAccount (its controller makes it) and untainted nodes.
    await eventually(
      async () => await typed(admin, gvr('', 'v1', 'serviceaccounts'), 'default').get('default'),
      'default ServiceAccount',
    );
  });
  after(async () => {
    for (const s of running) await s.stop();
    await admin?.dispose();
    await schedRest?.dispose();
    await sim?.dispose();
    await c?.dispose();
  });

  /** A namespace of its own per test, so histories and leftovers don't mix. */
  const namespace = async (name: string) => {
    await typed(admin, gvr('', 'v1', 'namespaces')).create({ metadata: { name } });
    await eventually(async () => await typed(admin, gvr('', 'v1', 'serviceaccounts'), name).get('default'), 'SA');
    return typed<Pod>(admin, gvr('', 'v1', 'pods'), name);
  };
  const lease = () => typed<Lease>(admin, gvr('coordination.k8s.io', 'v1', 'leases'), 'kube-system');

  test('leader failover: the standby takes over after the leader dies; every pod is bound exactly once', async () => {
    const pods = await namespace('ha-failover');
    const history = new BindingHistory();
    await history.start(pods);
    const le = { ...fastLease, releaseOnCancel: false };
    const a = await start({ rest: schedRest, leaderElection: le, identity: 'sched-a' });
    await eventually(() => a.isLeader(), 'sched-a leading');
    const b = await start({ rest: schedRest, leaderElection: le, identity: 'sched-b' });
    try {
      const total = 240;
      const creating = createStream(pods, 'p', total);
      await eventually(() => history.bound() >= 60, 'a quarter of the pods bound by sched-a');
      assert.equal(b.isLeader(), false, 'the standby does not schedule while the leader lives');
      // Abruptly: no lease release, unanswered writes dropped; the standby must wait for the lease to expire.
      await stop(a);
      const boundAtKill = history.bound();
      assert.ok(boundAtKill < total, `the leader died mid-way (${boundAtKill}/${total} bound)`);
      await creating;
      await eventually(() => b.isLeader(), 'sched-b took over', 15_000);
      await eventually(() => history.bound() === total, 'all pods bound', 30_000);
      assert.deepEqual(history.violations(), []);
      const l = await lease().get('kube-scheduler');
      assert.equal(l.spec?.holderIdentity, 'sched-b');
      assert.ok((l.spec?.leaseTransitions ?? 0) >= 1);
      const listed = (await pods.list()).items;
      assert.equal(listed.length, total);
      assert.ok(listed.every((p) => p.spec?.nodeName?.startsWith('sim-node-')));
    } finally {
      await history.stop();
      await stop(b);
    }
  });

  test('a scheduler restarted mid-run loses no pods', async () => {
    const pods = await namespace('ha-restart');
    const history = new BindingHistory();
    await history.start(pods);
    let s = await start({ rest: schedRest });
    try {
      const total = 200;
      const creating = createStream(pods, 'r', total);
      await eventually(() => history.bound() >= 40, 'some pods bound');
      await stop(s);
      // Once stop() resolved, none of its writes can land any more.
      const boundNow = async () => (await pods.list()).items.filter((p) => p.spec?.nodeName).length;
      const boundAtStop = await boundNow();
      assert.ok(boundAtStop < total, `stopped mid-run (${boundAtStop}/${total} bound)`);
      await creating;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await boundNow(), boundAtStop, 'nothing is bound while no scheduler runs');
      s = await start({ rest: schedRest });
      await eventually(() => history.bound() === total, 'all pods bound after the restart', 30_000);
      assert.deepEqual(history.violations(), []);
    } finally {
      await history.stop();
      await stop(s);
    }
  });

  test('a leader that loses its lease stops scheduling at once and campaigns again', async () => {
    const pods = await namespace('ha-deposed');
    const history = new BindingHistory();
    await history.start(pods);
    const s = await start({ rest: schedRest, leaderElection: fastLease, identity: 'sched-c' });
    try {
      await eventually(() => s.isLeader(), 'sched-c leading', 15_000);
      await pods.create(pod('before'));
      await eventually(() => history.bound() === 1, 'a pod bound while leading');
      // Another candidate takes the lease over (as after a partition): the leader cannot renew.
      const cur = await lease().get('kube-scheduler');
      await lease().update({
        ...cur,
        spec: {
          ...cur.spec,
          holderIdentity: 'usurper',
          leaseDurationSeconds: 4,
          renewTime: formatMicroTime(Date.now()),
          leaseTransitions: (cur.spec?.leaseTransitions ?? 0) + 1,
        },
      });
      // No longer leading means no longer scheduling: pods created from then on stay pending.
      await eventually(() => !s.isLeader(), 'sched-c deposed', 5_000);
      await Promise.all(Array.from({ length: 20 }, (_, i) => pods.create(pod(`after-${i}`))));
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(history.bound(), 1, 'nothing is scheduled while another candidate holds the lease');
      // The usurper never renews: once its lease expires, sched-c (a fresh incarnation) leads again.
      await eventually(() => s.isLeader(), 'sched-c leading again', 15_000);
      await eventually(() => history.bound() === 21, 'the pending pods bound', 30_000);
      assert.deepEqual(history.violations(), []);
      assert.equal((await lease().get('kube-scheduler')).spec?.holderIdentity, 'sched-c');
    } finally {
      await history.stop();
      await stop(s);
    }
  });

  test('several candidates: exactly one leads, and stopping it hands over without waiting for expiry', async () => {
    const pods = await namespace('ha-many');
    const history = new BindingHistory();
    await history.start(pods);
    const slow = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 200 };
    const all = await Promise.all(
      ['x', 'y', 'z'].map((id) => start({ rest: schedRest, leaderElection: slow, identity: `sched-${id}` })),
    );
    try {
      await eventually(() => all.filter((s) => s.isLeader()).length === 1, 'one leader', 20_000);
      const leader = all.find((s) => s.isLeader())!;
      await Promise.all(Array.from({ length: 30 }, (_, i) => pods.create(pod(`m-${i}`))));
      await eventually(() => history.bound() === 30, 'pods bound by the leader');
      // A clean stop releases the lease: a standby takes over well before the 15 s lease would expire.
      const t0 = Date.now();
      await stop(leader);
      const rest = all.filter((s) => s !== leader);
      await eventually(() => rest.filter((s) => s.isLeader()).length === 1, 'a new leader', 5_000);
      assert.ok(Date.now() - t0 < 5_000);
      await Promise.all(Array.from({ length: 30 }, (_, i) => pods.create(pod(`n-${i}`))));
      await eventually(() => history.bound() === 60, 'pods bound by the new leader');
      assert.equal(rest.filter((s) => s.isLeader()).length, 1);
      assert.deepEqual(history.violations(), []);
    } finally {
      await history.stop();
      for (const s of all) if (running.has(s)) await stop(s);
    }
  });
});

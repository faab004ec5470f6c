import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { formatMicroTime, formatTime } from '../../../../api/values/time.js';
import { FakeClock } from '../../../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { startControllerManager } from '../../controller-manager.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { NodeLifecycleController } from './node-lifecycle-controller.js';

const grace = 40_000;
const period = 5_000;

function node(name: string, clock: FakeClock, zone = 'z1'): Record<string, unknown> {
  const now = formatTime(clock.now());
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
    },
  };
}

function lease(name: string, clock: FakeClock) {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, renewTime: formatMicroTime(clock.now()) },
  };
}

/** A cluster of fake nodes whose kubelets renew their leases when told. */
async function setup(names: string[], zones: Record<string, string> = {}) {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  for (const n of names) {
    fake.seed('', 'nodes', node(n, clock, zones[n]));
    fake.seed('coordination.k8s.io', 'leases', lease(n, clock));
  }
  let ctl: NodeLifecycleController | undefined;
  const descriptor: ControllerDescriptor = {
    name: 'node-lifecycle',
    enabledByDefault: true,
    start: (ctx: ControllerContext) => (ctl = new NodeLifecycleController(ctx)).start(),
  };
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [descriptor],
    clock,
    config: { nodeMonitorGracePeriodMs: grace, nodeMonitorPeriodMs: period, workers: 1 },
  });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await clock.advance(0);
  };
  await settle();
  /** Renews the given nodes' leases (the "alive" kubelets). */
  const renew = (alive: string[]) => {
    for (const n of alive) {
      const cur = fake.get('coordination.k8s.io', 'leases', 'kube-node-lease', n)!;
      fake.handle({
        method: 'PUT',
        path: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${n}`,
        query: new URLSearchParams(),
        headers: {},
        object: { ...cur, spec: { ...cur.spec, renewTime: formatMicroTime(clock.now()) } },
      } as never);
    }
  };
  /** Advances time in monitor periods, renewing `alive` leases at each step. */
  const run = async (ms: number, alive: string[]) => {
    for (let t = 0; t < ms; t += 1000) {
      renew(alive);
      await clock.advance(1000);
      await settle();
    }
  };
  const get = (n: string) => fake.get('', 'nodes', '', n) as Node;
  const ready = (n: string) => get(n).status?.conditions?.find((c) => c.type === 'Ready');
  const taints = (n: string) =>
    (get(n).spec?.taints ?? []).map((t) => `${t.key.replace('node.kubernetes.io/', '')}:${t.effect}`).sort();
  return { clock, fake, cm, ctl: () => ctl!, run, get, ready, taints, settle };
}

test('a node whose lease stops being renewed turns Unknown and gets unreachable taints; its pods turn not ready', async () => {
  const h = await setup(['n1', 'n2']);
  h.fake.seed('', 'pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { nodeName: 'n2', containers: [] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });
  try {
    // The grace period counts from the first health check (one period in).
    await h.run(grace + period, ['n1']);
    assert.equal(h.ready('n2')?.status, 'True', 'still within the grace period');
    await h.run(period, ['n1']);
    const r = h.ready('n2')!;
    assert.equal(r.status, 'Unknown');
    assert.equal(r.reason, 'NodeStatusUnknown');
    assert.equal(r.message, 'Kubelet stopped posting node status.');
    assert.equal(h.get('n2').status?.conditions?.find((c) => c.type === 'MemoryPressure')?.status, 'Unknown');
    const disk = h.get('n2').status?.conditions?.find((c) => c.type === 'DiskPressure');
    assert.deepEqual(
      [disk?.status, disk?.reason, disk?.message],
      ['Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.'],
    );
    assert.equal(h.ready('n1')?.status, 'True');
    // The NoExecute taint is queued by the next pass, which observes Unknown.
    await h.run(period, ['n1']);
    assert.deepEqual(h.taints('n2'), ['unreachable:NoExecute', 'unreachable:NoSchedule']);
    assert.ok(h.get('n2').spec!.taints!.find((t) => t.effect === 'NoExecute')!.timeAdded);
    assert.deepEqual(h.taints('n1'), []);
    const pod = h.fake.get('', 'pods', 'default', 'p') as Pod;
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.ok(
      h.fake.list('', 'events').some((e) => e.reason === 'NodeNotReady'),
      'a NodeNotReady event',
    );

    // The kubelet comes back: Ready=True with a fresh heartbeat clears the taints.
    const n2 = h.get('n2');
    const now = formatTime(h.clock.now());
    h.fake.handle({
      method: 'PUT',
      path: '/api/v1/nodes/n2/status',
      query: new URLSearchParams(),
      headers: {},
      object: {
        ...n2,
        status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now }] },
      },
    } as never);
    await h.run(2 * period, ['n1', 'n2']);
    assert.deepEqual(h.taints('n2'), []);
  } finally {
    await h.cm.stop();
  }
});

test('a node reporting Ready=False gets not-ready taints', async () => {
  const h = await setup(['n1', 'n2']);
  try {
    const n2 = h.get('n2');
    const now = formatTime(h.clock.now());
    h.fake.handle({
      method: 'PUT',
      path: '/api/v1/nodes/n2/status',
      query: new URLSearchParams(),
      headers: {},
      object: {
        ...n2,
        status: { conditions: [{ type: 'Ready', status: 'False', lastHeartbeatTime: now, lastTransitionTime: now }] },
      },
    } as never);
    await h.run(3 * period, ['n1', 'n2']);
    assert.deepEqual(h.taints('n2'), ['not-ready:NoExecute', 'not-ready:NoSchedule']);
  } finally {
    await h.cm.stop();
  }
});

test('when every node is unreachable the controller stops tainting (full disruption)', async () => {
  const h = await setup(['n1', 'n2']);
  try {
    await h.run(grace + 4 * period, []);
    assert.equal(h.ready('n1')?.status, 'Unknown');
    assert.equal(h.ready('n2')?.status, 'Unknown');
    assert.deepEqual(h.taints('n1'), ['unreachable:NoSchedule']);
    assert.deepEqual(h.taints('n2'), ['unreachable:NoSchedule']);
    assert.deepEqual([...h.ctl().zoneStates.values()], ['FullDisruption']);
  } finally {
    await h.cm.stop();
  }
});

test('NoExecute taints are rate-limited per zone: 0.1 nodes/s in a healthy zone', async () => {
  const names = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
  const h = await setup(names);
  const alive = ['a1', 'a2', 'a3', 'a4', 'a5'];
  try {
    await h.run(grace + 3 * period, alive);
    const tainted = () => ['a6', 'a7'].filter((n) => h.taints(n).includes('unreachable:NoExecute'));
    assert.equal(h.ctl().zoneStates.get(':\x00:z1'), 'Normal');
    assert.equal(tainted().length, 1, 'one token: one node tainted');
    await h.run(5_000, alive);
    assert.equal(tainted().length, 1, 'no second token within 10 s');
    await h.run(6_000, alive);
    assert.equal(tainted().length, 2);
  } finally {
    await h.cm.stop();
  }
});

test('a partially disrupted small zone stops tainting while other zones are healthy', async () => {
  const zones = { b1: 'z2', b2: 'z2', b3: 'z2', b4: 'z2', c1: 'z3' };
  const h = await setup(Object.keys(zones), zones);
  try {
    await h.run(grace + 4 * period, ['b4', 'c1']);
    assert.equal(h.ctl().zoneStates.get(':\x00:z2'), 'PartialDisruption');
    assert.equal(h.ctl().zoneStates.get(':\x00:z3'), 'Normal');
    for (const n of ['b1', 'b2', 'b3']) {
      assert.equal(h.ready(n)?.status, 'Unknown');
      assert.ok(!h.taints(n).includes('unreachable:NoExecute'), `${n} is not tainted NoExecute`);
    }
  } finally {
    await h.cm.stop();
  }
});

test('NoSchedule taints follow conditions and spec.unschedulable', async () => {
  const h = await setup(['n1']);
  try {
    const now = formatTime(h.clock.now());
    await h.fake.handle({
      method: 'PUT',
      path: '/api/v1/nodes/n1',
      query: new URLSearchParams(),
      headers: {},
      object: { ...h.get('n1'), spec: { unschedulable: true } },
    } as never);
    await h.fake.handle({
      method: 'PUT',
      path: '/api/v1/nodes/n1/status',
      query: new URLSearchParams(),
      headers: {},
      object: {
        ...h.get('n1'),
        status: {
          conditions: [
            { type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now },
            { type: 'DiskPressure', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now },
          ],
        },
      },
    } as never);
    await h.settle();
    assert.deepEqual(h.taints('n1'), ['disk-pressure:NoSchedule', 'unschedulable:NoSchedule']);
  } finally {
    await h.cm.stop();
  }
});

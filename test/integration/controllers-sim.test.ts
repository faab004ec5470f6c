import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { gvr, type ResourceClient, typed } from '../../src/client/index.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes } from '../harness/sim.js';

describe('simulated nodes', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let nodes: ResourceClient<Node>;
  let leases: ResourceClient<Lease>;
  let pods: ResourceClient<Pod>;

  before(async () => {
    c = await startTestCluster({ controllers: ['serviceaccount'] });
    sim = await startTestSimNodes(c, {
      count: 4,
      namePrefix: 'kwok-',
      labels: { pool: 'sim' },
      capacity: { cpu: '8', memory: '16Gi', pods: 30 },
      podStartDelayMs: 100,
      deleteDelayMs: 200,
      leaseRenewMs: 300,
      failPods: (p) => {
        const code = p.metadata?.annotations?.['test/exit-code'];
        return code === undefined ? undefined : Number(code);
      },
    });
    const rest = adminRest(c);
    nodes = typed<Node>(rest, gvr('', 'v1', 'nodes'));
    leases = typed<Lease>(rest, gvr('coordination.k8s.io', 'v1', 'leases'), 'kube-node-lease');
    pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default');
    await eventually(
      async () => (await c.kubectl(['get', 'serviceaccount', 'default'])).code === 0,
      'default service account',
    );
  });
  after(async () => {
    await sim?.dispose();
    await c?.dispose();
  });

  const pod = (
    name: string,
    o: { node?: string; restartPolicy?: string; exit?: number; nodeSelector?: Record<string, string> } = {},
  ): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: o.exit === undefined ? undefined : { 'test/exit-code': String(o.exit) } },
    spec: {
      nodeName: o.node,
      restartPolicy: o.restartPolicy,
      nodeSelector: o.nodeSelector,
      containers: [{ name: 'c', image: 'busybox:1.36' }],
    },
  });
  const phaseOf = async (name: string) => (await pods.get(name)).status?.phase;

  test('registers Ready nodes with kubelet status and a Lease each', async () => {
    assert.deepEqual(sim.names, ['kwok-0', 'kwok-1', 'kwok-2', 'kwok-3']);
    const n = await nodes.get('kwok-2');
    assert.equal(n.metadata!.labels!['kubernetes.io/hostname'], 'kwok-2');
    assert.equal(n.metadata!.labels!.pool, 'sim');
    assert.deepEqual(n.status!.capacity, {
      cpu: '8',
      memory: '16Gi',
      pods: '30',
      'ephemeral-storage': '100Gi',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
    });
    assert.deepEqual(
      n.status!.conditions!.map((x) => [x.type, x.status, x.reason]),
      [
        ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
        ['Ready', 'True', 'KubeletReady'],
      ],
    );
    assert.match(n.status!.nodeInfo!.kubeletVersion, /^v1\.32\./);
    const ip = n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    assert.match(ip, /^127\./, 'node addresses stay on loopback');
    assert.equal(n.status!.daemonEndpoints!.kubeletEndpoint!.Port, 10250);
    const lease = await leases.get('kwok-2');
    assert.equal(lease.spec!.holderIdentity, 'kwok-2');
    assert.equal(lease.spec!.leaseDurationSeconds, 40);
    assert.deepEqual(lease.metadata!.ownerReferences, [
      { apiVersion: 'v1', kind: 'Node', name: 'kwok-2', uid: n.metadata!.uid },
    ]);
    const wide = await c.kubectl(['get', 'nodes', '-l', 'pool=sim']);
    assert.equal(wide.stdout.split('\n').filter((l) => / Ready /.test(l)).length, 4);
  });

  test('leases are renewed; a stopped node stops renewing and updating pods', async () => {
    const renew = async (name: string) => Date.parse((await leases.get(name)).spec!.renewTime!);
    const t0 = await renew('kwok-1');
    await eventually(async () => (await renew('kwok-1')) > t0, 'lease renewed', 5_000);

    sim.stopNode('kwok-1');
    assert.equal(sim.isRunning('kwok-1'), false);
    await new Promise((r) => setTimeout(r, 400));
    const frozen = await renew('kwok-1');
    await pods.create(pod('on-stopped', { node: 'kwok-1' }));
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(await renew('kwok-1'), frozen, 'no renewals while stopped');
    assert.equal(await phaseOf('on-stopped'), 'Pending', 'no kubelet, no status');

    await sim.startNode('kwok-1');
    await eventually(async () => (await phaseOf('on-stopped')) === 'Running', 'pod started after restart');
    assert.ok((await renew('kwok-1')) > frozen);
  });

  test('runs bound pods: Running and Ready with IPs from the node pod CIDR', async () => {
    await nodes.patch('kwok-3', 'merge', { spec: { podCIDR: '10.42.77.0/24', podCIDRs: ['10.42.77.0/24'] } });
    await eventually(async () => (await nodes.get('kwok-3')).spec?.podCIDR === '10.42.77.0/24', 'pod CIDR assigned');
    await new Promise((r) => setTimeout(r, 200));
    await pods.create(pod('runner', { node: 'kwok-3' }));
    const p = await eventually(async () => {
      const x = await pods.get('runner');
      return x.status?.phase === 'Running' ? x : undefined;
    }, 'running');
    assert.match(p.status!.podIP!, /^10\.42\.77\.\d+$/);
    assert.equal(p.status!.hostIP, (await nodes.get('kwok-3')).status!.addresses![0]!.address);
    const ready = Object.fromEntries(p.status!.conditions!.map((x) => [x.type, x.status]));
    assert.deepEqual(ready, {
      PodReadyToStartContainers: 'True',
      Initialized: 'True',
      Ready: 'True',
      ContainersReady: 'True',
      PodScheduled: 'True',
    });
    const cs = p.status!.containerStatuses![0]!;
    assert.deepEqual(
      [cs.ready, cs.started, cs.restartCount, cs.image],
      [true, true, 0, 'docker.io/library/busybox:1.36'],
    );
    assert.ok(cs.state?.running?.startedAt);
  });

  test('containers that exit follow the restart policy', async () => {
    const cases: [string, string, number, string][] = [
      ['exit-ok-never', 'Never', 0, 'Succeeded'],
      ['exit-bad-never', 'Never', 2, 'Failed'],
      ['exit-ok-onfailure', 'OnFailure', 0, 'Succeeded'],
      ['exit-bad-onfailure', 'OnFailure', 1, 'Running'],
    ];
    for (const [name, restartPolicy, exit] of cases)
      await pods.create(pod(name, { node: 'kwok-0', restartPolicy, exit }));
    for (const [name, , exit, phase] of cases) {
      const p = await eventually(async () => {
        const x = await pods.get(name);
        return x.status?.containerStatuses?.length ? x : undefined;
      }, `${name} status`);
      assert.equal(p.status?.phase, phase, name);
      const cs = p.status!.containerStatuses![0]!;
      if (phase === 'Running') {
        assert.equal(cs.state?.waiting?.reason, 'CrashLoopBackOff');
        assert.equal(cs.lastState?.terminated?.exitCode, exit);
        assert.equal(cs.restartCount, 1);
      } else {
        assert.equal(cs.state?.terminated?.exitCode, exit);
      }
    }
  });

  test('graceful deletion is finished by the node', async () => {
    await pods.create(pod('doomed', { node: 'kwok-2' }));
    await eventually(async () => (await phaseOf('doomed')) === 'Running', 'running');
    const started = Date.now();
    await pods.delete('doomed');
    const p = await pods.get('doomed');
    assert.ok(p.metadata?.deletionTimestamp, 'graceful: the pod is only marked at first');
    await eventually(
      async () => {
        try {
          await pods.get('doomed');
          return false;
        } catch {
          return true;
        }
      },
      'pod removed by the sim kubelet',
      10_000,
    );
    assert.ok(Date.now() - started >= 150, 'after the simulated termination delay');
  });

  test('bindUnscheduled binds pods round-robin, honouring nodeSelector', async () => {
    for (let i = 0; i < 4; i++) await pods.create(pod(`free-${i}`));
    await pods.create(pod('picky', { nodeSelector: { 'kubernetes.io/hostname': 'kwok-2' } }));
    const placed = await eventually(async () => {
      const l = (await pods.list()).items.filter(
        (p) => p.metadata!.name!.startsWith('free-') || p.metadata!.name === 'picky',
      );
      return l.every((p) => p.spec?.nodeName && p.status?.phase === 'Running') ? l : undefined;
    }, 'all bound and running');
    const free = placed.filter((p) => p.metadata!.name!.startsWith('free-')).map((p) => p.spec!.nodeName);
    assert.equal(new Set(free).size, 4, `spread over four nodes: ${free.join(',')}`);
    assert.equal(placed.find((p) => p.metadata!.name === 'picky')!.spec!.nodeName, 'kwok-2');
    assert.ok(sim.stats.bindings >= 5);
  });
});

describe('simulated nodes with a ready delay', () => {
  let c: TestCluster;
  let sim: SimNodes;
  before(async () => {
    c = await startTestCluster({ controllers: [] });
    sim = await startTestSimNodes(c, { count: 2, namePrefix: 'late-', readyDelayMs: 800 });
  });
  after(async () => {
    await sim?.dispose();
    await c?.dispose();
  });

  test('register NotReady, then turn Ready', async () => {
    const nodes = typed<Node>(adminRest(c), gvr('', 'v1', 'nodes'));
    const ready = async () => (await nodes.get('late-0')).status!.conditions!.find((x) => x.type === 'Ready')!;
    const first = await ready();
    assert.deepEqual([first.status, first.reason], ['False', 'KubeletNotReady']);
    const later = await eventually(
      async () => {
        const r = await ready();
        return r.status === 'True' ? r : undefined;
      },
      'Ready',
      10_000,
    );
    assert.equal(later.reason, 'KubeletReady');
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../src/client/index.js';
import { componentUsers, inProcessRest, serviceAccountUser } from '../../src/cmd/in-process.js';
import {
  startControllerManager,
  type RunningControllerManager,
} from '../../src/control-plane/controller-manager/controller-manager.js';
import { allControllers } from '../../src/control-plane/controller-manager/registry.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes } from '../harness/sim.js';

const gvr = (group: string, resource: string) => ({ group, version: 'v1', resource });
const graceMs = 3000;
const tolerationSeconds = 2;

/**
 * A node whose kubelet stops: node-lifecycle marks it Unknown and taints it
 * unreachable after the grace period, taint-eviction evicts its pods once
 * their tolerationSeconds run out, and the ReplicaSet's replacements are
 * placed by the real scheduler on the nodes that are still alive.
 */
describe('node failure: unreachable taint, eviction and rescheduling', () => {
  let c: TestCluster;
  let cm: RunningControllerManager;
  let sim: SimNodes;
  let rest: RestClient;
  before(async () => {
    c = await startTestCluster({ controllers: [], scheduler: true });
    const api = c.cp.apiserver;
    cm = await startControllerManager({
      rest: inProcessRest(api, componentUsers.controllerManager, 'kube-controller-manager'),
      restFor: (sa) => inProcessRest(api, serviceAccountUser(sa), 'kube-controller-manager'),
      controllers: allControllers(),
      enabled: ['node-lifecycle', 'taint-eviction', 'deployment', 'replicaset', 'serviceaccount', 'garbage-collector'],
      config: { nodeMonitorGracePeriodMs: graceMs, nodeMonitorPeriodMs: 250 },
    });
    rest = adminRest(c);
    // Lease renewals well inside the grace period; the sims do not bind: the scheduler does.
    sim = await startTestSimNodes(c, { count: 3, bindUnscheduled: false, leaseRenewMs: 500 });
    await eventually(
      () => new ResourceClient(rest, gvr('', 'serviceaccounts'), 'default').get('default'),
      'the default ServiceAccount',
    );
  });
  after(async () => {
    await sim?.dispose();
    await cm?.stop();
    await c?.dispose();
  });

  test('pods of a stopped node are evicted and recreated on the other nodes', async () => {
    const toleration = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds });
    const deployments = new ResourceClient<Deployment & KubeObject>(rest, { ...gvr('apps', 'deployments') }, 'default');
    await deployments.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 6,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'c', image: 'busybox' }],
            tolerations: [toleration('node.kubernetes.io/unreachable'), toleration('node.kubernetes.io/not-ready')],
          },
        },
      },
    });
    const pods = new ResourceClient<Pod & KubeObject>(rest, gvr('', 'pods'), 'default');
    const list = async () => (await pods.list({ labelSelector: 'app=web' })).items;
    const running = await eventually(async () => {
      const items = await list();
      return items.length === 6 && items.every((p) => p.status?.phase === 'Running') ? items : undefined;
    }, 'six running pods');
    const perNode = new Map<string, number>();
    for (const p of running) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    assert.ok(perNode.size >= 2, 'spread by the scheduler');
    const [victim] = [...perNode].sort((a, b) => b[1] - a[1])[0]!;
    const victimPods = running.filter((p) => p.spec!.nodeName === victim).map((p) => p.metadata!.name!);

    sim.stopNode(victim);
    const stoppedAt = Date.now();
    const nodes = new ResourceClient<Node & KubeObject>(rest, gvr('', 'nodes'));
    const tainted = await eventually(async () => {
      const n = await nodes.get(victim);
      const keys = (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`);
      return keys.includes('node.kubernetes.io/unreachable:NoExecute') ? n : undefined;
    }, `${victim} tainted unreachable`);
    const taintedAfter = Date.now() - stoppedAt;
    assert.ok(taintedAfter < graceMs + 5000, `tainted ${taintedAfter} ms after the kubelet stopped`);
    assert.equal(tainted.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'Unknown');
    assert.ok(
      (tainted.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule'),
    );

    // Evicted after tolerationSeconds (they stay Terminating: nobody runs the dead node's kubelet), replaced elsewhere.
    const replaced = await eventually(
      async () => {
        const items = await list();
        const active = items.filter((p) => !p.metadata?.deletionTimestamp);
        const evicted = items.filter((p) => victimPods.includes(p.metadata!.name!));
        const done =
          active.length === 6 &&
          active.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName && p.spec.nodeName !== victim) &&
          evicted.every((p) => p.metadata?.deletionTimestamp);
        return done ? { active, evicted } : undefined;
      },
      'six running pods off the failed node',
      45_000,
    );
    assert.ok(Date.now() - stoppedAt >= graceMs, 'not before the grace period');
    for (const p of replaced.evicted) {
      const cond = p.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
      assert.equal(cond?.reason, 'DeletionByTaintManager', p.metadata!.name);
    }
    const names = new Set(replaced.active.map((p) => p.metadata!.name));
    for (const v of victimPods) assert.ok(!names.has(v), `${v} was replaced, not kept`);
    const d = await deployments.get('web');
    assert.equal(d.status?.replicas, 6);
  });
});

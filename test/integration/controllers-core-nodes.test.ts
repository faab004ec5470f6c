import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { componentUsers, inProcessRest, serviceAccountUser } from '../../src/cmd/in-process.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../src/client/index.js';
import {
  startControllerManager,
  type RunningControllerManager,
} from '../../src/control-plane/controller-manager/controller-manager.js';
import { allControllers } from '../../src/control-plane/controller-manager/registry.js';
import { isNotFound } from '../../src/api/errors/status-error.js';

async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const gvr = (group: string, resource: string) => ({ group, version: 'v1', resource });
const rfc3339 = (ms = Date.now()) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const micro = (ms = Date.now()) => new Date(ms).toISOString().replace('Z', '000Z');

/**
 * Node lifecycle, taint-based eviction and node IPAM against the real API,
 * with a controller-manager of our own so the grace period is 2 s instead of
 * 40 s. Nodes and their kubelets are simulated by writing Node status and
 * Lease renewals directly.
 */
describe('node lifecycle, taint eviction and node IPAM controllers', () => {
  let c: TestCluster;
  let rest: RestClient;
  let cm: RunningControllerManager;
  let nodes: ResourceClient<Node & KubeObject>;
  let leases: ResourceClient<Lease & KubeObject>;
  let pods: ResourceClient<Pod & KubeObject>;
  const heartbeats = new Map<string, NodeJS.Timeout>();

  before(async () => {
    c = await startTestCluster({ controllers: [] });
    const api = c.cp.apiserver;
    cm = await startControllerManager({
      rest: inProcessRest(api, componentUsers.controllerManager, 'kube-controller-manager'),
      restFor: (sa) => inProcessRest(api, serviceAccountUser(sa), 'kube-controller-manager'),
      controllers: allControllers(),
      enabled: ['node-lifecycle', 'taint-eviction', 'node-ipam', 'serviceaccount'],
      config: { nodeMonitorGracePeriodMs: 2000, nodeMonitorPeriodMs: 250, clusterCIDR: '10.42.0.0/16' },
    });
    rest = inProcessRest(api, { username: 'test-admin', groups: ['system:masters'] }, 'test');
    nodes = new ResourceClient(rest, gvr('', 'nodes'));
    leases = new ResourceClient(rest, gvr('coordination.k8s.io', 'leases'), 'kube-node-lease');
    pods = new ResourceClient(rest, gvr('', 'pods'), 'default');
    await eventually(
      () => new ResourceClient(rest, gvr('', 'serviceaccounts'), 'default').get('default').then(Boolean),
      'the default ServiceAccount',
    );
  });
  after(async () => {
    for (const t of heartbeats.values()) clearInterval(t);
    await cm?.stop();
    await c?.dispose();
  });

  /** Registers a node as a kubelet would: Node with Ready=True, and a Lease renewed every 300 ms while `alive`. */
  async function registerNode(name: string): Promise<void> {
    const created = await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name } } as never);
    const now = rfc3339();
    await nodes.updateStatus({
      ...created,
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
          {
            type: 'MemoryPressure',
            status: 'False',
            reason: 'KubeletHasSufficientMemory',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    } as never);
    await leases.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease' },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() },
    } as never);
    startHeartbeat(name);
  }

  function startHeartbeat(name: string) {
    heartbeats.set(
      name,
      setInterval(() => {
        void leases
          .get(name)
          .then((l) => leases.update({ ...l, spec: { ...l.spec, renewTime: micro() } }))
          .catch(() => undefined);
      }, 300),
    );
  }

  function stopHeartbeat(name: string) {
    clearInterval(heartbeats.get(name));
    heartbeats.delete(name);
  }

  async function runPod(
    name: string,
    node: string,
    tolerations: Pod['spec'] extends infer S ? (S extends { tolerations?: infer T } ? T : never) : never,
  ) {
    await pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        nodeName: node,
        automountServiceAccountToken: false,
        tolerations,
        containers: [{ name: 'app', image: 'busybox' }],
      },
    } as never);
    const p = await pods.get(name);
    await pods.updateStatus({
      ...p,
      status: {
        ...p.status,
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339() }],
      },
    } as never);
  }

  const taintsOf = async (name: string) =>
    ((await nodes.get(name)).spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

  test('each node gets its own pod CIDR from the cluster CIDR', async () => {
    await registerNode('node-1');
    await registerNode('node-2');
    const cidrs = await eventually(async () => {
      const all = await Promise.all(['node-1', 'node-2'].map((n) => nodes.get(n)));
      return all.every((n) => n.spec?.podCIDR) ? all.map((n) => n.spec!) : undefined;
    }, 'pod CIDRs');
    for (const s of cidrs) {
      assert.match(s.podCIDR!, /^10\.42\.\d+\.0\/24$/);
      assert.deepEqual(s.podCIDRs, [s.podCIDR]);
    }
    assert.notEqual(cidrs[0]!.podCIDR, cidrs[1]!.podCIDR);
    const r = await c.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.spec.podCIDR}{"\\n"}{end}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 2);
  });

  test('an unreachable node turns Unknown, is tainted, and its pods are evicted per their tolerations', async () => {
    const unreachable = (seconds?: number) => [
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
      },
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
      },
    ];
    await runPod('now', 'node-2', unreachable(0) as never);
    await runPod('soon', 'node-2', unreachable(3) as never);
    await runPod('forever', 'node-2', unreachable() as never);
    await runPod('elsewhere', 'node-1', unreachable(0) as never);

    stopHeartbeat('node-2');
    const started = Date.now();
    const node = await eventually(async () => {
      const n = await nodes.get('node-2');
      return n.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'Unknown' ? n : undefined;
    }, 'node-2 Ready=Unknown');
    const ready = node.status!.conditions!.find((x) => x.type === 'Ready')!;
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    const mem = node.status!.conditions!.find((x) => x.type === 'MemoryPressure')!;
    assert.equal(mem.status, 'Unknown');
    const disk = node.status!.conditions!.find((x) => x.type === 'DiskPressure')!;
    assert.equal(disk.reason, 'NodeStatusNeverUpdated');

    await eventually(async () => {
      const t = await taintsOf('node-2');
      return (
        t.includes('node.kubernetes.io/unreachable:NoExecute') &&
        t.includes('node.kubernetes.io/unreachable:NoSchedule')
      );
    }, 'unreachable taints on node-2');
    assert.deepEqual(await taintsOf('node-1'), []);

    const describe = await c.kubectl(['describe', 'node', 'node-2']);
    assert.equal(describe.code, 0, describe.stderr);
    assert.match(describe.stdout, /Taints:\s+node\.kubernetes\.io\/unreachable:NoExecute/);
    assert.match(describe.stdout, /NodeStatusUnknown\s+Kubelet stopped posting node status\./);

    // Pods on the node are marked not ready, the intolerant one is deleted at once, the other after 3 s.
    await eventually(async () => {
      const p = await pods.get('forever');
      return p.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'False';
    }, 'pods on node-2 to be marked not ready');
    const gone = (name: string) =>
      pods.get(name).then(
        (p) => !!p.metadata?.deletionTimestamp,
        (err) => isNotFound(err),
      );
    await eventually(() => gone('now'), 'pod "now" to be evicted');
    assert.equal(await gone('soon'), false, 'pod "soon" waits for its tolerationSeconds');
    const now = await pods.get('now').catch(() => undefined);
    if (now) {
      const cond = now.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
      assert.equal(cond?.reason, 'DeletionByTaintManager');
    }
    await eventually(() => gone('soon'), 'pod "soon" to be evicted', 20_000);
    assert.ok(Date.now() - started >= 3000, 'the toleration period was honoured');
    assert.equal(await gone('forever'), false);
    assert.equal(await gone('elsewhere'), false);

    // The kubelet comes back: conditions go True, taints go away.
    startHeartbeat('node-2');
    const n = await nodes.get('node-2');
    const stamp = rfc3339();
    await nodes.updateStatus({
      ...n,
      status: {
        ...n.status,
        conditions: n.status!.conditions!.map((x) =>
          x.type === 'Ready'
            ? {
                ...x,
                status: 'True',
                reason: 'KubeletReady',
                message: 'kubelet is posting ready status',
                lastHeartbeatTime: stamp,
                lastTransitionTime: stamp,
              }
            : { ...x, status: 'False', lastHeartbeatTime: stamp, lastTransitionTime: stamp },
        ),
      },
    } as never);
    await eventually(async () => (await taintsOf('node-2')).length === 0, 'taints of node-2 to be removed');
  });
});

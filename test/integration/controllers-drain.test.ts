import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { isConflict, isNotFound } from '../../src/api/errors/status-error.js';
import { gvr, type ResourceClient, type RestClient, typed } from '../../src/client/index.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes, watchObjects } from '../harness/sim.js';

/**
 * Stands in for the scheduler: binds pending pods to the first Ready node in
 * name order that is not cordoned (`spec.unschedulable`), so the test
 * controls placement (everything on the first node until it is drained). The
 * sim's own binder does not look at `spec.unschedulable`, so it is off here.
 */
function startBinder(rest: RestClient): { stop(): Promise<void> } {
  const pods = typed<Pod>(rest, gvr('', 'v1', 'pods'));
  const nodes = typed<Node>(rest, gvr('', 'v1', 'nodes'));
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        const pending = (await pods.list({ fieldSelector: 'spec.nodeName=' })).items.filter(
          (p) => !p.metadata?.deletionTimestamp,
        );
        const ready = (await nodes.list()).items
          .filter((n) => !n.spec?.unschedulable)
          .filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))
          .map((n) => n.metadata!.name!)
          .sort();
        for (const p of pending) {
          if (!ready[0]) break;
          await pods
            .namespace(p.metadata!.namespace!)
            .createSubresource(p.metadata!.name!, 'binding', {
              apiVersion: 'v1',
              kind: 'Binding',
              metadata: { name: p.metadata!.name, namespace: p.metadata!.namespace, uid: p.metadata!.uid },
              target: { apiVersion: 'v1', kind: 'Node', name: ready[0] },
            })
            .catch((err: unknown) => {
              if (!isNotFound(err) && !isConflict(err)) throw err;
            });
        }
      } catch {
        // Retried on the next round.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      stop.abort();
      await loop;
    },
  };
}

describe('kubectl drain with a PodDisruptionBudget (issue 7 acceptance)', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let binder: { stop(): Promise<void> };
  let pods: ResourceClient<Pod>;

  before(async () => {
    c = await startTestCluster({ controllers: ['deployment', 'replicaset', 'disruption', 'serviceaccount'] });
    sim = await startTestSimNodes(c, { count: 3, bindUnscheduled: false, podStartDelayMs: 200 });
    binder = startBinder(adminRest(c, 'drain-test-binder'));
    pods = typed<Pod>(adminRest(c), gvr('', 'v1', 'pods'), 'default');
  });
  after(async () => {
    await binder?.stop();
    await sim?.dispose();
    await c?.dispose();
  });

  async function kubectl(args: string[], timeoutMs = 60_000) {
    const r = await c.kubectl(args, { timeoutMs });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}:\n${r.stderr}${r.stdout}`);
    return r;
  }
  const live = async () =>
    (await pods.list({ labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);

  test('drain waits for the budget (429s), the Deployment replaces evicted pods elsewhere, and the drain completes', async () => {
    const [node] = sim.names;
    await kubectl(['create', 'deployment', 'web', '--image=busybox', '--replicas=3']);
    await kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.deepEqual(
      (await live()).map((p) => p.spec?.nodeName),
      [node, node, node],
      'all replicas start on the node to drain',
    );
    await kubectl(['create', 'pdb', 'web', '--selector=app=web', '--min-available=2']);
    const pdbs = typed<PodDisruptionBudget>(adminRest(c), gvr('policy', 'v1', 'poddisruptionbudgets'), 'default');
    await eventually(async () => (await pdbs.get('web')).status?.disruptionsAllowed === 1, 'one disruption allowed');

    // Watch the replicas throughout: the budget must never let fewer than 2 be Ready.
    let minReady = Infinity;
    const stopWatch = await watchObjects(pods, { labelSelector: 'app=web' }, (objects) => {
      const ready = [...objects.values()].filter(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          (p.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True'),
      ).length;
      minReady = Math.min(minReady, ready);
    });
    const started = Date.now();
    let drain;
    try {
      drain = await kubectl(
        ['drain', node!, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=120s'],
        150_000,
      );
    } finally {
      await stopWatch();
    }
    const took = Date.now() - started;
    assert.match(drain.stdout, new RegExp(`^node/${node} cordoned$`, 'm'));
    assert.match(drain.stdout, new RegExp(`^node/${node} drained$`, 'm'));
    assert.equal((drain.stdout.match(/^pod\/web-\S+ evicted$/gm) ?? []).length, 3, drain.stdout);
    // Only one pod may be down at a time: the refused (429) evictions were retried until replacements were Ready.
    assert.equal(minReady, 2, 'never fewer Ready replicas than minAvailable');
    assert.ok(took >= 5_000, `the drain waited for the budget (${took} ms)`);
    // kubectl reports its own retries only when the 429 carries no Retry-After (client-go waits those out silently).
    for (const line of drain.stderr.split('\n').filter(Boolean)) {
      assert.match(
        line,
        /^error when evicting pods\/"web-\S+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.$/,
      );
    }

    // End state: the node is cordoned and empty; the Deployment is whole on the other nodes.
    const nodes = typed<Node>(adminRest(c), gvr('', 'v1', 'nodes'));
    assert.equal((await nodes.get(node!)).spec?.unschedulable, true);
    const deployments = typed<Deployment>(adminRest(c), gvr('apps', 'v1', 'deployments'), 'default');
    await eventually(
      async () => (await deployments.get('web')).status?.availableReplicas === 3,
      '3 available replicas',
    );
    const placed = (await live()).map((p) => p.spec?.nodeName);
    assert.equal(placed.length, 3);
    assert.ok(!placed.includes(node), `no pod left on ${node}: ${placed.join(',')}`);
    await eventually(async () => (await pdbs.get('web')).status?.currentHealthy === 3, 'the budget healthy again');
  });
});

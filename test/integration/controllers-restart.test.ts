import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { gvr, typed } from '../../src/client/index.js';
import type { RunningControllerManager } from '../../src/control-plane/controller-manager/controller-manager.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestControllerManager, startTestSimNodes, watchObjects } from '../harness/sim.js';

const live = (p: Pod) =>
  !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

describe('controller-manager restart mid-rollout', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let cm: RunningControllerManager | undefined;

  before(async () => {
    // The cluster's own controller-manager runs only the service account controller; the test owns the rest.
    c = await startTestCluster({ controllers: ['serviceaccount'] });
    sim = await startTestSimNodes(c, { count: 3, podStartDelayMs: 400 });
  });
  after(async () => {
    await cm?.stop();
    await sim?.dispose();
    await c?.dispose();
  });

  test('a restarted controller-manager converges with no duplicate pods', async () => {
    const rest = adminRest(c);
    const deployments = typed<Deployment>(rest, gvr('apps', 'v1', 'deployments'), 'default');
    const replicaSets = typed<ReplicaSet>(rest, gvr('apps', 'v1', 'replicasets'), 'default');
    const pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default');
    const kubectl = async (...args: string[]) => {
      const r = await c.kubectl(args, { timeoutMs: 90_000 });
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };

    cm = await startTestControllerManager(c, ['replicaset', 'deployment']);
    await kubectl('create', 'deployment', 'rr', '--image=nginx:1.25', '--replicas=12');
    await kubectl('rollout', 'status', 'deployment/rr', '--timeout=60s');

    let maxLive = 0;
    const created = new Map<string, Set<string>>();
    const stop = await watchObjects(pods, { labelSelector: 'app=rr' }, (objs, type, p) => {
      maxLive = Math.max(maxLive, [...objs.values()].filter(live).length);
      if (type === 'ADDED' && p) {
        const hash = p.metadata!.labels!['pod-template-hash']!;
        if (!created.has(hash)) created.set(hash, new Set());
        created.get(hash)!.add(p.metadata!.name!);
      }
    });
    try {
      await kubectl('set', 'image', 'deployment/rr', 'nginx=nginx:1.26');
      // Stop the controllers part-way: some pods of the new ReplicaSet exist, the rollout is not done.
      await eventually(async () => {
        const d = await deployments.get('rr');
        const updated = d.status?.updatedReplicas ?? 0;
        return updated >= 3 && updated < 12;
      }, 'rollout under way');
      await cm.stop();
      cm = undefined;
      const frozen = (await pods.list({ labelSelector: 'app=rr' })).items.length;
      await new Promise((r) => setTimeout(r, 500));

      cm = await startTestControllerManager(c, ['replicaset', 'deployment']);
      await kubectl('rollout', 'status', 'deployment/rr', '--timeout=90s');
      await eventually(async () => (await pods.list({ labelSelector: 'app=rr' })).items.length === 12, 'old pods gone');
      assert.ok(frozen > 0);
    } finally {
      await stop();
    }

    const d = await deployments.get('rr');
    const rss = (await replicaSets.list({ labelSelector: 'app=rr' })).items;
    const newRS = rss.find((r) => r.spec!.template!.spec!.containers[0]!.image === 'nginx:1.26')!;
    const newHash = newRS.metadata!.labels!['pod-template-hash']!;
    assert.equal(rss.length, 2);
    assert.equal(created.get(newHash)?.size, 12, 'each new pod was created exactly once across the restart');
    // RollingUpdate 25%/25% of 12: never more than 12 + 3 live pods.
    assert.ok(maxLive <= 15, `live pods peaked at ${maxLive}`);
    const final = (await pods.list({ labelSelector: 'app=rr' })).items;
    assert.equal(final.length, 12);
    assert.ok(
      final.every((p) => p.metadata!.labels!['pod-template-hash'] === newHash && p.status?.phase === 'Running'),
    );
    assert.deepEqual([d.status?.replicas, d.status?.updatedReplicas, d.status?.availableReplicas], [12, 12, 12]);
    assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '2');
  });
});

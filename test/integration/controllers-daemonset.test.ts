import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../src/api/errors/status-error.js';
import { gvr, type ResourceClient, typed } from '../../src/client/index.js';
import { computeHash } from '../../src/control-plane/controller-manager/controllers/deployment/pod-template-hash.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes, watchObjects } from '../harness/sim.js';

const live = (p: Pod) => !p.metadata?.deletionTimestamp;
const ready = (p: Pod) =>
  live(p) && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
/** The node a daemon pod is pinned to by its `matchFields metadata.name` affinity. */
const pinnedNode = (p: Pod) =>
  p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]
    ?.matchFields?.[0]?.values?.[0];

/**
 * Stand-in for the scheduler (not wired into the test cluster yet): binds
 * each pending pod to the node its required node affinity names, which is
 * how upstream DaemonSet pods reach their node. Runs until stopped.
 */
function startAffinityBinder(pods: ResourceClient<Pod>): () => Promise<void> {
  const stop = new AbortController();
  const done = (async () => {
    while (!stop.signal.aborted) {
      try {
        const pending = (await pods.list({ fieldSelector: 'spec.nodeName=' })).items;
        for (const p of pending) {
          const node = pinnedNode(p);
          if (!node || p.metadata?.deletionTimestamp) continue;
          await pods
            .namespace(p.metadata!.namespace!)
            .createSubresource(p.metadata!.name!, 'binding', {
              apiVersion: 'v1',
              kind: 'Binding',
              metadata: { name: p.metadata!.name, uid: p.metadata!.uid },
              target: { apiVersion: 'v1', kind: 'Node', name: node },
            })
            .catch((err) => {
              if (!isNotFound(err) && !isConflict(err)) throw err;
            });
        }
      } catch {
        // retried on the next round
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  return async () => {
    stop.abort();
    await done;
  };
}

function daemonSet(
  name: string,
  extra: Record<string, unknown> = {},
  podSpec: Record<string, unknown> = {},
): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'agent', image: 'agent:1' }], terminationGracePeriodSeconds: 1, ...podSpec },
      },
      ...extra,
    },
  } as DaemonSet;
}

describe('daemonset controller', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let extra: SimNodes | undefined;
  let stopBinder: () => Promise<void>;
  let daemonSets: ResourceClient<DaemonSet>;
  let pods: ResourceClient<Pod>;
  let nodes: ResourceClient<Node>;
  let revisions: ResourceClient<ControllerRevision>;
  let firstRevision = '';

  before(async () => {
    c = await startTestCluster({ controllers: ['daemonset', 'serviceaccount', 'node-lifecycle'] });
    sim = await startTestSimNodes(c, { count: 20, bindUnscheduled: false, podStartDelayMs: 100 });
    const rest = adminRest(c);
    daemonSets = typed<DaemonSet>(rest, gvr('apps', 'v1', 'daemonsets'), 'default');
    pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default');
    nodes = typed<Node>(rest, gvr('', 'v1', 'nodes'));
    revisions = typed<ControllerRevision>(rest, gvr('apps', 'v1', 'controllerrevisions'), 'default');
    stopBinder = startAffinityBinder(typed<Pod>(rest, gvr('', 'v1', 'pods')));
    await nodes.patch('sim-node-19', 'strategic', {
      spec: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] },
    });
  });
  after(async () => {
    await stopBinder?.();
    await extra?.dispose();
    await sim?.dispose();
    await c?.dispose();
  });

  async function kubectl(...args: string[]): Promise<string> {
    const r = await c.kubectl(args, { timeoutMs: 90_000 });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }
  const podsOf = async (app: string) => (await pods.list({ labelSelector: `app=${app}` })).items.filter(live);
  const nodesOf = async (app: string) => (await podsOf(app)).map((p) => p.spec?.nodeName ?? '?').sort();

  test('one pod on every node but the tainted one, pinned by node affinity, with the default tolerations', async () => {
    await daemonSets.create(daemonSet('agent'));
    const out = await kubectl('rollout', 'status', 'daemonset/agent', '--timeout=60s');
    assert.match(out, /daemon set "agent" successfully rolled out/);
    const expected = sim.names.filter((n) => n !== 'sim-node-19').sort();
    assert.deepEqual(await nodesOf('agent'), expected);

    const ds = await daemonSets.get('agent');
    const hash = computeHash(ds.spec!.template!);
    assert.deepEqual(ds.status, {
      observedGeneration: ds.metadata!.generation,
      desiredNumberScheduled: 19,
      currentNumberScheduled: 19,
      numberMisscheduled: 0,
      numberReady: 19,
      updatedNumberScheduled: 19,
      numberAvailable: 19,
      numberUnavailable: 0,
    });
    const [p] = await podsOf('agent');
    assert.match(p!.metadata!.name!, /^agent-[a-z0-9]{5}$/);
    assert.equal(p!.metadata!.labels!['controller-revision-hash'], hash);
    assert.equal(pinnedNode(p!), p!.spec!.nodeName);
    assert.deepEqual(
      p!.spec!.tolerations!.map((t) => `${t.key}:${t.operator}:${t.effect}`),
      [
        'node.kubernetes.io/not-ready:Exists:NoExecute',
        'node.kubernetes.io/unreachable:Exists:NoExecute',
        'node.kubernetes.io/disk-pressure:Exists:NoSchedule',
        'node.kubernetes.io/memory-pressure:Exists:NoSchedule',
        'node.kubernetes.io/pid-pressure:Exists:NoSchedule',
        'node.kubernetes.io/unschedulable:Exists:NoSchedule',
      ],
    );
    const [rev] = (await revisions.list({ labelSelector: 'app=agent' })).items;
    assert.equal(rev!.metadata!.name, `agent-${hash}`);
    assert.equal(rev!.metadata!.labels!['controller-revision-hash'], hash);
    assert.equal(rev!.revision, 1);
    firstRevision = rev!.metadata!.name!;
  });

  test('a DaemonSet tolerating the taint covers all 20 nodes; nodeSelector narrows it', async () => {
    await daemonSets.create(
      daemonSet(
        'tolerant',
        {},
        { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }] },
      ),
    );
    await kubectl('rollout', 'status', 'daemonset/tolerant', '--timeout=60s');
    assert.deepEqual(await nodesOf('tolerant'), [...sim.names].sort());

    await nodes.patch('sim-node-3', 'merge', { metadata: { labels: { disk: 'ssd' } } });
    await daemonSets.create(daemonSet('ssd', {}, { nodeSelector: { disk: 'ssd' } }));
    await eventually(async () => (await daemonSets.get('ssd')).status?.numberAvailable === 1, 'ssd daemon running');
    assert.deepEqual(await nodesOf('ssd'), ['sim-node-3']);
    // Relabeling the node moves the daemon off it.
    await nodes.patch('sim-node-3', 'merge', { metadata: { labels: { disk: null } } });
    await eventually(async () => (await podsOf('ssd')).length === 0, 'ssd daemon removed');
    await eventually(async () => (await daemonSets.get('ssd')).status?.desiredNumberScheduled === 0, 'desired 0');
  });

  test('a newly added node gets the daemon', async () => {
    extra = await startTestSimNodes(c, {
      count: 1,
      namePrefix: 'late-node-',
      bindUnscheduled: false,
      podStartDelayMs: 50,
    });
    await eventually(async () => (await nodesOf('agent')).includes('late-node-0'), 'daemon on the new node');
    await eventually(async () => (await daemonSets.get('agent')).status?.numberAvailable === 20, '20 available');
  });

  test('a RollingUpdate with maxUnavailable=2 replaces pods at most two nodes at a time; rollout history and undo', async () => {
    await daemonSets.patch('agent', 'strategic', {
      spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } },
    });
    const desired = 20;
    let minAvailable = Infinity;
    let maxConcurrentDown = 0;
    const stop = await watchObjects(pods, { labelSelector: 'app=agent' }, (objs) => {
      const up = new Set([...objs.values()].filter(ready).map((p) => p.spec?.nodeName));
      minAvailable = Math.min(minAvailable, up.size);
      maxConcurrentDown = Math.max(maxConcurrentDown, desired - up.size);
    });
    try {
      await kubectl('set', 'image', 'daemonset/agent', 'agent=agent:2');
      const out = await kubectl('rollout', 'status', 'daemonset/agent', '--timeout=90s');
      assert.match(out, /daemon set "agent" successfully rolled out/);
    } finally {
      await stop();
    }
    const current = await podsOf('agent');
    assert.equal(current.length, desired);
    assert.ok(current.every((p) => p.spec!.containers[0]!.image === 'agent:2'));
    assert.ok(minAvailable >= desired - 2, `availability dropped to ${minAvailable}`);
    assert.equal(maxConcurrentDown, 2, 'the rollout used its budget of two');

    const history = await kubectl('rollout', 'history', 'daemonset/agent');
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    assert.match(await kubectl('rollout', 'history', 'daemonset/agent', '--revision=1'), /agent:1/);
    assert.match(await kubectl('rollout', 'undo', 'daemonset/agent'), /daemonset.apps\/agent rolled back/);
    await kubectl('rollout', 'status', 'daemonset/agent', '--timeout=90s');
    await eventually(
      async () => (await podsOf('agent')).every((p) => p.spec!.containers[0]!.image === 'agent:1'),
      'pods back at agent:1',
    );
    // The first revision was renumbered, not duplicated: same name, revision 3.
    const revs = (await revisions.list({ labelSelector: 'app=agent' })).items.sort((a, b) => a.revision - b.revision);
    assert.deepEqual(
      revs.map((r) => r.revision),
      [2, 3],
    );
    assert.equal(revs[1]!.metadata!.name, firstRevision);
    assert.match(
      await kubectl('rollout', 'undo', 'daemonset/agent', '--to-revision=3'),
      /skipped rollback \(current template already matches revision 3\)/,
    );
  });

  test('a RollingUpdate with maxSurge=1 starts the new pod before removing the old one', async () => {
    for (const n of ['sim-node-0', 'sim-node-1', 'sim-node-2'])
      await nodes.patch(n, 'merge', { metadata: { labels: { pool: 'surge' } } });
    await daemonSets.create(
      daemonSet(
        'surge',
        { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
        { nodeSelector: { pool: 'surge' } },
      ),
    );
    await kubectl('rollout', 'status', 'daemonset/surge', '--timeout=60s');
    let minReadyNodes = Infinity;
    let maxPodsOnANode = 0;
    const stop = await watchObjects(pods, { labelSelector: 'app=surge' }, (objs) => {
      const perNode = new Map<string, number>();
      for (const p of objs.values()) if (live(p)) perNode.set(pinnedNode(p)!, (perNode.get(pinnedNode(p)!) ?? 0) + 1);
      maxPodsOnANode = Math.max(maxPodsOnANode, ...perNode.values());
      minReadyNodes = Math.min(
        minReadyNodes,
        new Set([...objs.values()].filter(ready).map((p) => p.spec?.nodeName)).size,
      );
    });
    try {
      await kubectl('set', 'image', 'daemonset/surge', 'agent=agent:2');
      await kubectl('rollout', 'status', 'daemonset/surge', '--timeout=60s');
    } finally {
      await stop();
    }
    assert.equal(minReadyNodes, 3, 'every node kept a ready pod');
    assert.equal(maxPodsOnANode, 2, 'old and new pod side by side');
    await eventually(async () => (await podsOf('surge')).length === 3, 'old pods removed');
    assert.ok((await podsOf('surge')).every((p) => p.spec!.containers[0]!.image === 'agent:2'));
  });

  test('OnDelete leaves pods alone until they are deleted', async () => {
    await daemonSets.patch('tolerant', 'merge', {
      spec: { updateStrategy: { type: 'OnDelete', rollingUpdate: null } },
    });
    await kubectl('set', 'image', 'daemonset/tolerant', 'agent=agent:9');
    const ds = await daemonSets.get('tolerant');
    await eventually(
      async () => (await daemonSets.get('tolerant')).status?.observedGeneration === ds.metadata!.generation,
      'observed',
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.ok((await podsOf('tolerant')).every((p) => p.spec!.containers[0]!.image === 'agent:1'));
    const victim = (await podsOf('tolerant')).find((p) => p.spec!.nodeName === 'sim-node-5')!;
    await pods.delete(victim.metadata!.name!);
    await eventually(async () => {
      const p = (await podsOf('tolerant')).find((x) => x.spec?.nodeName === 'sim-node-5');
      return p && p.metadata!.uid !== victim.metadata!.uid && p.spec!.containers[0]!.image === 'agent:9';
    }, 'replacement on sim-node-5 at the new template');
    assert.equal((await daemonSets.get('tolerant')).status?.updatedNumberScheduled, 1);
  });
});

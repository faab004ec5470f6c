import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { gvr, type ResourceClient, typed } from '../../src/client/index.js';
import { computeHash } from '../../src/control-plane/controller-manager/controllers/deployment/pod-template-hash.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes, watchObjects } from '../harness/sim.js';

const revision = (o: { metadata?: { annotations?: Record<string, string> } } | undefined) =>
  o?.metadata?.annotations?.['deployment.kubernetes.io/revision'];
const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const available = (pods: Iterable<Pod>) => [...pods].filter((p) => !p.metadata?.deletionTimestamp && ready(p)).length;

describe('deployment controller', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let deployments: ResourceClient<Deployment>;
  let replicaSets: ResourceClient<ReplicaSet>;
  let pods: ResourceClient<Pod>;
  let events: ResourceClient<Event>;

  before(async () => {
    c = await startTestCluster({ controllers: ['replicaset', 'deployment', 'serviceaccount'] });
    sim = await startTestSimNodes(c, {
      count: 3,
      podStartDelayMs: 150,
      // Pods labeled crash=yes crash-loop (never Ready), to stall a rollout on purpose.
      failPods: (p) => (p.metadata?.labels?.crash === 'yes' ? 1 : undefined),
    });
    const rest = adminRest(c);
    deployments = typed<Deployment>(rest, gvr('apps', 'v1', 'deployments'), 'default');
    replicaSets = typed<ReplicaSet>(rest, gvr('apps', 'v1', 'replicasets'), 'default');
    pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default');
    events = typed<Event>(rest, gvr('', 'v1', 'events'), 'default');
  });
  after(async () => {
    await sim?.dispose();
    await c?.dispose();
  });

  async function kubectl(...args: string[]): Promise<string> {
    const r = await c.kubectl(args, { timeoutMs: 90_000 });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  const rsOf = async (app: string) => (await replicaSets.list({ labelSelector: `app=${app}` })).items;

  test('a Deployment rolls out and kubectl rollout status succeeds', async () => {
    await kubectl('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3');
    const out = await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    assert.match(out, /deployment "web" successfully rolled out/);

    const d = await deployments.get('web');
    assert.deepEqual(
      {
        observedGeneration: d.status?.observedGeneration,
        replicas: d.status?.replicas,
        updated: d.status?.updatedReplicas,
        ready: d.status?.readyReplicas,
        available: d.status?.availableReplicas,
        unavailable: d.status?.unavailableReplicas,
      },
      { observedGeneration: d.metadata?.generation, replicas: 3, updated: 3, ready: 3, available: 3, unavailable: 0 },
    );
    const conds = Object.fromEntries((d.status?.conditions ?? []).map((x) => [x.type, x]));
    assert.equal(conds.Available?.reason, 'MinimumReplicasAvailable');
    assert.equal(conds.Available?.message, 'Deployment has minimum availability.');
    assert.equal(conds.Progressing?.reason, 'NewReplicaSetAvailable');
    assert.equal(revision(d), '1');

    const [rs] = await rsOf('web');
    const hash = computeHash(d.spec!.template!);
    assert.equal(rs!.metadata!.name, `web-${hash}`);
    assert.equal(conds.Progressing?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
    assert.equal(rs!.metadata!.labels!['pod-template-hash'], hash);
    assert.equal(rs!.spec!.selector.matchLabels!['pod-template-hash'], hash);
    assert.equal(rs!.spec!.template!.metadata!.labels!['pod-template-hash'], hash);
    assert.deepEqual(rs!.metadata!.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: d.metadata!.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(
      [
        revision(rs),
        rs!.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'],
        rs!.metadata!.annotations!['deployment.kubernetes.io/max-replicas'],
      ],
      ['1', '3', '4'],
    );
    const podList = (await pods.list({ labelSelector: 'app=web' })).items;
    assert.equal(podList.length, 3);
    for (const p of podList) {
      assert.match(p.metadata!.name!, new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      assert.equal(p.status?.phase, 'Running');
    }
    const evs = (await events.list()).items.filter(
      (e) => e.reason === 'ScalingReplicaSet' && e.involvedObject.name === 'web',
    );
    assert.ok(
      evs.some((e) => e.message === `Scaled up replica set web-${hash} from 0 to 3`),
      JSON.stringify(evs.map((e) => e.message)),
    );
  });

  test('an image change with maxSurge=1/maxUnavailable=0 never drops below the replica count of available pods', async () => {
    await kubectl('create', 'deployment', 'roll', '--image=nginx:1.25', '--replicas=4');
    await kubectl(
      'patch',
      'deployment',
      'roll',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } }),
    );
    await kubectl('rollout', 'status', 'deployment/roll', '--timeout=60s');

    let minAvailable = Infinity;
    let maxPods = 0;
    let observed = 0;
    const onEvent = (objs: ReadonlyMap<string, Pod>) => {
      observed++;
      minAvailable = Math.min(minAvailable, available(objs.values()));
      maxPods = Math.max(maxPods, [...objs.values()].filter((p) => !p.metadata?.deletionTimestamp).length);
    };
    const stopPods = await watchObjects(pods, { labelSelector: 'app=roll' }, onEvent);
    // ReplicaSet events are a second vantage point: available replicas summed over the deployment's RSs.
    let minRSAvailable = Infinity;
    const stopRS = await watchObjects(replicaSets, { labelSelector: 'app=roll' }, (rss) => {
      minRSAvailable = Math.min(
        minRSAvailable,
        [...rss.values()].reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0),
      );
    });
    try {
      await kubectl('set', 'image', 'deployment/roll', 'nginx=nginx:1.26');
      await kubectl('rollout', 'status', 'deployment/roll', '--timeout=60s');
      await eventually(
        async () => (await pods.list({ labelSelector: 'app=roll' })).items.length === 4,
        'old pods gone',
      );
    } finally {
      await stopPods();
      await stopRS();
    }
    assert.ok(observed > 8, `saw ${observed} pod events`);
    assert.equal(minAvailable, 4, 'available pods never dropped below spec.replicas');
    assert.equal(minRSAvailable, 4, 'available replicas (RS status) never dropped below spec.replicas');
    assert.ok(maxPods <= 5, `at most replicas + maxSurge live pods, saw ${maxPods}`);
    const final = (await pods.list({ labelSelector: 'app=roll' })).items;
    assert.ok(final.every((p) => p.spec?.containers[0]?.image === 'nginx:1.26'));
  });

  test('rollout undo reuses the old ReplicaSet as the next revision; history lists revisions', async () => {
    await kubectl('create', 'deployment', 'undo', '--image=nginx:1.25', '--replicas=2');
    await kubectl('rollout', 'status', 'deployment/undo', '--timeout=60s');
    const [rs1] = await rsOf('undo');
    await kubectl('set', 'image', 'deployment/undo', 'nginx=nginx:1.26');
    await kubectl('rollout', 'status', 'deployment/undo', '--timeout=60s');
    assert.equal(revision(await deployments.get('undo')), '2');
    assert.match(
      await kubectl('rollout', 'history', 'deployment/undo'),
      /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
    );

    await kubectl('rollout', 'undo', 'deployment/undo');
    await kubectl('rollout', 'status', 'deployment/undo', '--timeout=60s');
    const d = await deployments.get('undo');
    assert.equal(revision(d), '3');
    assert.equal(d.spec!.template!.spec!.containers[0]!.image, 'nginx:1.25');
    const rss = await rsOf('undo');
    assert.equal(rss.length, 2, 'no new ReplicaSet: the revision-1 one was reused');
    const reused = rss.find((r) => r.metadata!.uid === rs1!.metadata!.uid)!;
    assert.equal(revision(reused), '3');
    assert.equal(reused.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(reused.spec!.replicas, 2);
    assert.match(
      await kubectl('rollout', 'history', 'deployment/undo'),
      /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/,
    );
    const rev3 = await kubectl('rollout', 'history', 'deployment/undo', '--revision=3');
    assert.match(rev3, /Image:\s+nginx:1\.25/);
  });

  test('rollout restart rolls new pods; pause holds a template change until resume', async () => {
    await kubectl('create', 'deployment', 'ctl', '--image=nginx:1.25', '--replicas=2');
    await kubectl('rollout', 'status', 'deployment/ctl', '--timeout=60s');
    const before = new Set((await pods.list({ labelSelector: 'app=ctl' })).items.map((p) => p.metadata!.name));
    await kubectl('rollout', 'restart', 'deployment/ctl');
    await kubectl('rollout', 'status', 'deployment/ctl', '--timeout=60s');
    const d = await deployments.get('ctl');
    assert.ok(d.spec!.template!.metadata!.annotations!['kubectl.kubernetes.io/restartedAt']);
    assert.equal(revision(d), '2');
    await eventually(async () => {
      const now = (await pods.list({ labelSelector: 'app=ctl' })).items;
      return now.length === 2 && now.every((p) => !before.has(p.metadata!.name));
    }, 'all pods replaced');

    await kubectl('rollout', 'pause', 'deployment/ctl');
    await eventually(
      async () =>
        (await deployments.get('ctl')).status?.conditions?.find((x) => x.type === 'Progressing')?.reason ===
        'DeploymentPaused',
      'DeploymentPaused condition',
    );
    await kubectl('set', 'image', 'deployment/ctl', 'nginx=nginx:1.27');
    await eventually(async () => {
      const x = await deployments.get('ctl');
      return x.status?.observedGeneration === x.metadata?.generation;
    }, 'paused spec change observed');
    assert.equal((await rsOf('ctl')).length, 2, 'no ReplicaSet for the new template while paused');
    const paused = await deployments.get('ctl');
    const prog = paused.status!.conditions!.find((x) => x.type === 'Progressing')!;
    assert.deepEqual([prog.status, prog.reason, prog.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);

    await kubectl('rollout', 'resume', 'deployment/ctl');
    await kubectl('rollout', 'status', 'deployment/ctl', '--timeout=60s');
    assert.equal((await rsOf('ctl')).length, 3);
    assert.equal(revision(await deployments.get('ctl')), '3');
    const final = (await pods.list({ labelSelector: 'app=ctl' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    assert.ok(final.every((p) => p.spec!.containers[0]!.image === 'nginx:1.27'));
  });

  test('scaling 0 -> 50 -> 5', async () => {
    await kubectl('create', 'deployment', 'scale', '--image=nginx:1.25', '--replicas=0');
    await kubectl('rollout', 'status', 'deployment/scale', '--timeout=60s');
    assert.equal((await pods.list({ labelSelector: 'app=scale' })).items.length, 0);
    await kubectl('scale', 'deployment/scale', '--replicas=50');
    await kubectl('rollout', 'status', 'deployment/scale', '--timeout=90s');
    let list = (await pods.list({ labelSelector: 'app=scale' })).items;
    assert.equal(list.length, 50);
    assert.equal(available(list), 50);
    assert.equal(new Set(list.map((p) => p.spec!.nodeName)).size, 3, 'spread over the sim nodes');
    await kubectl('scale', 'deployment/scale', '--replicas=5');
    await kubectl('rollout', 'status', 'deployment/scale', '--timeout=60s');
    list = await eventually(async () => {
      const l = (await pods.list({ labelSelector: 'app=scale' })).items;
      return l.length === 5 ? l : undefined;
    }, '45 pods deleted');
    assert.equal(available(list), 5);
    const [rs] = await rsOf('scale');
    assert.equal(rs!.spec!.replicas, 5);
    assert.equal(rs!.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '5');
    const d = await deployments.get('scale');
    assert.deepEqual([d.status?.replicas, d.status?.availableReplicas, d.status?.updatedReplicas], [5, 5, 5]);
  });

  test('proportional scaling of a stuck rollout keeps both ReplicaSets in proportion', async () => {
    await kubectl('create', 'deployment', 'prop', '--image=nginx:1.25', '--replicas=10');
    await kubectl('rollout', 'status', 'deployment/prop', '--timeout=60s');
    // A new template whose pods never become ready (they crash-loop on the sim nodes) stalls the rollout.
    await kubectl(
      'patch',
      'deployment',
      'prop',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { template: { metadata: { labels: { crash: 'yes' } } } } }),
    );
    await eventually(
      async () => {
        const rss = await rsOf('prop');
        return (
          rss.length === 2 &&
          rss.every((r) => (r.status?.replicas ?? 0) === r.spec!.replicas) &&
          rss.some((r) => r.spec!.replicas === 5)
        );
      },
      'rollout stalled at maxSurge/maxUnavailable',
      30_000,
    );
    let rss = await rsOf('prop');
    const sizes = () => rss.map((r) => r.spec!.replicas!).sort((a, b) => a - b);
    // 10 replicas, 25% surge/unavailable: old RS at 8 (10 - 2 unavailable), new at 5 (13 total - 8).
    assert.deepEqual(sizes(), [5, 8]);
    await kubectl('scale', 'deployment/prop', '--replicas=20');
    rss = await eventually(async () => {
      const l = await rsOf('prop');
      return l.reduce((n, r) => n + r.spec!.replicas!, 0) === 25 ? l : undefined;
    }, 'proportional scale-up to replicas + maxSurge');
    // 13 -> 25 replicas shared by size: 8 -> 15, 5 -> 10.
    assert.deepEqual(sizes(), [10, 15]);
  });

  test('Recreate stops every old pod before starting new ones', async () => {
    await kubectl('create', 'deployment', 'rec', '--image=nginx:1.25', '--replicas=3');
    await kubectl(
      'patch',
      'deployment',
      'rec',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/strategy', value: { type: 'Recreate' } }]),
    );
    await kubectl('rollout', 'status', 'deployment/rec', '--timeout=60s');
    let mixed = false;
    const stop = await watchObjects(pods, { labelSelector: 'app=rec' }, (objs) => {
      const images = new Set(
        [...objs.values()]
          .filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
          .map((p) => p.spec!.containers[0]!.image),
      );
      if (images.size > 1) mixed = true;
    });
    try {
      await kubectl('set', 'image', 'deployment/rec', 'nginx=nginx:1.26');
      await kubectl('rollout', 'status', 'deployment/rec', '--timeout=60s');
    } finally {
      await stop();
    }
    assert.equal(mixed, false, 'old and new pods never existed together');
    const list = (await pods.list({ labelSelector: 'app=rec' })).items;
    assert.equal(list.length, 3);
    assert.ok(list.every((p) => p.spec!.containers[0]!.image === 'nginx:1.26'));
    const evs = (await events.list()).items
      .filter((e) => e.involvedObject.name === 'rec' && e.reason === 'ScalingReplicaSet')
      .map((e) => e.message);
    assert.ok(
      evs.some((m) => /^Scaled down replica set rec-\w+ from 3 to 0$/.test(m ?? '')),
      JSON.stringify(evs),
    );
  });

  test('a stalled rollout reports ProgressDeadlineExceeded and rollout status fails', async () => {
    await kubectl('create', 'deployment', 'stuck', '--image=nginx:1.25', '--replicas=2');
    await kubectl('rollout', 'status', 'deployment/stuck', '--timeout=60s');
    await kubectl(
      'patch',
      'deployment',
      'stuck',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { progressDeadlineSeconds: 2, template: { metadata: { labels: { crash: 'yes' } } } } }),
    );
    const r = await c.kubectl(['rollout', 'status', 'deployment/stuck', '--timeout=60s'], { timeoutMs: 90_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /deployment "stuck" exceeded its progress deadline/);
    const d = await deployments.get('stuck');
    const prog = d.status!.conditions!.find((x) => x.type === 'Progressing')!;
    assert.equal(prog.status, 'False');
    assert.equal(prog.reason, 'ProgressDeadlineExceeded');
    assert.match(prog.message!, /^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
  });

  test('revisionHistoryLimit prunes old scaled-down ReplicaSets, oldest revisions first', async () => {
    await kubectl('create', 'deployment', 'hist', '--image=nginx:1.20', '--replicas=1');
    await kubectl(
      'patch',
      'deployment',
      'hist',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { revisionHistoryLimit: 1 } }),
    );
    await kubectl('rollout', 'status', 'deployment/hist', '--timeout=60s');
    for (const tag of ['1.21', '1.22', '1.23']) {
      await kubectl('set', 'image', 'deployment/hist', `nginx=nginx:${tag}`);
      await kubectl('rollout', 'status', 'deployment/hist', '--timeout=60s');
    }
    const rss = await eventually(async () => {
      const l = await rsOf('hist');
      return l.length === 2 ? l : undefined;
    }, 'history pruned to one old ReplicaSet');
    assert.deepEqual(rss.map((r) => revision(r)).sort(), ['3', '4']);
    assert.match(
      await kubectl('rollout', 'history', 'deployment/hist'),
      /REVISION\s+CHANGE-CAUSE\n3\s+<none>\n4\s+<none>/,
    );
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Event, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { gvr, type ResourceClient, typed } from '../../src/client/index.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes, watchObjects } from '../harness/sim.js';

const ready = (p: Pod | undefined) =>
  !!p &&
  !p.metadata?.deletionTimestamp &&
  (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const ordinalOf = (name: string) => Number(/-(\d+)$/.exec(name)![1]);
const revisionOf = (p: Pod | undefined) => p?.metadata?.labels?.['controller-revision-hash'];

function statefulSet(name: string, replicas: number, extra: Record<string, unknown> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      serviceName: name,
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }], terminationGracePeriodSeconds: 1 },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
      ...extra,
    },
  } as StatefulSet;
}

describe('statefulset controller', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let sets: ResourceClient<StatefulSet>;
  let pods: ResourceClient<Pod>;
  let claims: ResourceClient<PersistentVolumeClaim>;
  let revisions: ResourceClient<ControllerRevision>;
  let events: ResourceClient<Event>;

  before(async () => {
    c = await startTestCluster({ controllers: ['statefulset', 'serviceaccount', 'garbage-collector'] });
    sim = await startTestSimNodes(c, {
      count: 3,
      podStartDelayMs: 100,
      // Pods labeled crash=yes never become Ready.
      failPods: (p) => (p.metadata?.labels?.crash === 'yes' ? 1 : undefined),
    });
    const rest = adminRest(c);
    sets = typed<StatefulSet>(rest, gvr('apps', 'v1', 'statefulsets'), 'default');
    pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default');
    claims = typed<PersistentVolumeClaim>(rest, gvr('', 'v1', 'persistentvolumeclaims'), 'default');
    revisions = typed<ControllerRevision>(rest, gvr('apps', 'v1', 'controllerrevisions'), 'default');
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
  const podsOf = async (app: string) => (await pods.list({ labelSelector: `app=${app}` })).items;

  test('web-0..web-4 are created in order, each after its predecessors are Ready, with identity and claims', async () => {
    await kubectl('create', 'service', 'clusterip', 'web', '--clusterip=None', '--tcp=80:80');
    const created: string[] = [];
    const violations: string[] = [];
    const stop = await watchObjects(pods, { labelSelector: 'app=web' }, (objs, type, obj) => {
      if (type !== 'ADDED' || !obj) return;
      const name = obj.metadata!.name!;
      created.push(name);
      for (let i = 0; i < ordinalOf(name); i++)
        if (!ready(objs.get(`web-${i}`))) violations.push(`${name} before web-${i} was Ready`);
    });
    try {
      await sets.create(statefulSet('web', 5));
      const out = await kubectl('rollout', 'status', 'statefulset/web', '--timeout=60s');
      assert.match(out, /partitioned roll out complete: 5 new pods have been updated/);
    } finally {
      await stop();
    }
    assert.deepEqual(created, ['web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
    assert.deepEqual(violations, []);

    const set = await sets.get('web');
    const [rev] = (await revisions.list({ labelSelector: 'app=web' })).items;
    assert.ok(rev, 'a ControllerRevision');
    const revName = rev.metadata!.name!;
    assert.match(revName, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rev.revision, 1);
    assert.equal(rev.metadata!.labels!['controller.kubernetes.io/hash'], revName.slice('web-'.length));
    assert.deepEqual(rev.metadata!.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: 'web',
        uid: set.metadata!.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal((rev.data as { spec: { template: { $patch: string } } }).spec.template.$patch, 'replace');
    assert.deepEqual(set.status, {
      observedGeneration: set.metadata!.generation,
      replicas: 5,
      readyReplicas: 5,
      currentReplicas: 5,
      updatedReplicas: 5,
      availableReplicas: 5,
      currentRevision: revName,
      updateRevision: revName,
      collisionCount: 0,
    });

    for (const p of await podsOf('web')) {
      const name = p.metadata!.name!;
      assert.equal(p.spec!.hostname, name);
      assert.equal(p.spec!.subdomain, 'web');
      assert.equal(p.metadata!.labels!['statefulset.kubernetes.io/pod-name'], name);
      assert.equal(p.metadata!.labels!['apps.kubernetes.io/pod-index'], String(ordinalOf(name)));
      assert.equal(revisionOf(p), revName);
      assert.equal(p.metadata!.ownerReferences![0]!.uid, set.metadata!.uid);
      const vol = p.spec!.volumes!.find((v) => v.name === 'data');
      assert.equal(vol?.persistentVolumeClaim?.claimName, `data-${name}`);
    }
    const pvcs = (await claims.list({ labelSelector: 'app=web' })).items.map((x) => x.metadata!.name).sort();
    assert.deepEqual(pvcs, ['data-web-0', 'data-web-1', 'data-web-2', 'data-web-3', 'data-web-4']);
    const pvc = await claims.get('data-web-0');
    // The default policy (Retain/Retain) leaves claims without owners.
    assert.equal(pvc.metadata!.ownerReferences, undefined);
    const evs = (await events.list()).items.filter(
      (e) => e.involvedObject.name === 'web' && e.involvedObject.kind === 'StatefulSet',
    );
    assert.ok(
      evs.some(
        (e) => e.reason === 'SuccessfulCreate' && e.message === 'create Pod web-0 in StatefulSet web successful',
      ),
    );
    assert.ok(
      evs.some(
        (e) =>
          e.reason === 'SuccessfulCreate' &&
          e.message === 'create Claim data-web-0 Pod web-0 in StatefulSet web success',
      ),
    );
  });

  test('a partitioned rolling update replaces pods highest ordinal first and stops at the partition', async () => {
    const oldRev = (await sets.get('web')).status!.currentRevision!;
    const deleted: string[] = [];
    const stop = await watchObjects(pods, { labelSelector: 'app=web' }, (_objs, type, obj) => {
      if (type === 'DELETED') deleted.push(obj!.metadata!.name!);
    });
    try {
      await sets.patch('web', 'strategic', {
        spec: {
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 3 } },
          template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } },
        },
      });
      const out = await kubectl('rollout', 'status', 'statefulset/web', '--timeout=60s');
      assert.match(out, /partitioned roll out complete: 2 new pods have been updated/);
      assert.deepEqual(deleted, ['web-4', 'web-3']);
      const set = await sets.get('web');
      const newRev = set.status!.updateRevision!;
      assert.notEqual(newRev, oldRev);
      assert.equal(set.status!.currentRevision, oldRev);
      assert.equal(set.status!.updatedReplicas, 2);
      assert.equal(set.status!.currentReplicas, 3);
      const byName = new Map((await podsOf('web')).map((p) => [p.metadata!.name!, p]));
      for (const i of [0, 1, 2]) assert.equal(revisionOf(byName.get(`web-${i}`)), oldRev, `web-${i}`);
      for (const i of [3, 4]) {
        assert.equal(revisionOf(byName.get(`web-${i}`)), newRev, `web-${i}`);
        assert.equal(byName.get(`web-${i}`)!.spec!.containers[0]!.image, 'nginx:1.26');
      }

      await sets.patch('web', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
      await kubectl('rollout', 'status', 'statefulset/web', '--timeout=60s');
      await eventually(async () => (await sets.get('web')).status?.currentRevision === newRev, 'update completed');
      assert.deepEqual(deleted, ['web-4', 'web-3', 'web-2', 'web-1', 'web-0']);
      const done = await sets.get('web');
      assert.equal(done.status!.currentReplicas, 5);
      assert.equal(done.status!.updatedReplicas, 5);
      for (const p of await podsOf('web')) assert.equal(revisionOf(p), newRev);
    } finally {
      await stop();
    }
  });

  test('a deleted pod comes back with the same name and the same claim', async () => {
    const before = await pods.get('web-2');
    const claimBefore = await claims.get('data-web-2');
    await pods.delete('web-2');
    const after = await eventually(async () => {
      const p = await pods.get('web-2').catch(() => undefined);
      return p && p.metadata!.uid !== before.metadata!.uid && ready(p) ? p : undefined;
    }, 'web-2 recreated and Ready');
    assert.equal(after.spec!.hostname, 'web-2');
    assert.equal(after.spec!.volumes!.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName, 'data-web-2');
    const claimAfter = await claims.get('data-web-2');
    assert.equal(claimAfter.metadata!.uid, claimBefore.metadata!.uid);
  });

  test('kubectl rollout history and undo work through ControllerRevisions', async () => {
    const history = await kubectl('rollout', 'history', 'statefulset/web');
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const rev1 = await kubectl('rollout', 'history', 'statefulset/web', '--revision=1');
    assert.match(rev1, /nginx:1\.25/);
    const undo = await kubectl('rollout', 'undo', 'statefulset/web');
    assert.match(undo, /statefulset.apps\/web rolled back/);
    const set = await sets.get('web');
    assert.equal(set.spec!.template!.spec!.containers[0]!.image, 'nginx:1.25');
    await kubectl('rollout', 'status', 'statefulset/web', '--timeout=60s');
    await eventually(async () => {
      const s = await sets.get('web');
      return s.status?.currentRevision === s.status?.updateRevision && s.status?.updatedReplicas === 5;
    }, 'rolled back');
    // The earlier revision was renumbered rather than duplicated.
    const revs = (await revisions.list({ labelSelector: 'app=web' })).items.sort((a, b) => a.revision - b.revision);
    assert.deepEqual(
      revs.map((r) => r.revision),
      [2, 3],
    );
    const back = await sets.get('web');
    assert.equal(revs[1]!.metadata!.name, back.status!.currentRevision);
    for (const p of await podsOf('web')) assert.equal(p.spec!.containers[0]!.image, 'nginx:1.25');
    const skipped = await kubectl('rollout', 'undo', 'statefulset/web', '--to-revision=3');
    assert.match(skipped, /skipped rollback \(current template already matches revision 3\)/);
  });

  test('Parallel management creates every pod without waiting; OrderedReady waits for the first', async () => {
    const crashing = (name: string, policy: string) => {
      const s = statefulSet(name, 3, { podManagementPolicy: policy, volumeClaimTemplates: [] });
      s.spec!.template!.metadata!.labels!.crash = 'yes';
      return s;
    };
    await sets.create(crashing('par', 'Parallel'));
    await sets.create(crashing('ord', 'OrderedReady'));
    await eventually(async () => (await podsOf('par')).length === 3, 'all Parallel pods created');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      (await podsOf('ord')).map((p) => p.metadata!.name),
      ['ord-0'],
    );
  });

  test('persistentVolumeClaimRetentionPolicy Delete/Delete: claims follow the pod when scaled down and the set when deleted', async () => {
    await sets.create(
      statefulSet('db', 2, { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }),
    );
    await kubectl('rollout', 'status', 'statefulset/db', '--timeout=60s');
    const set = await sets.get('db');
    const setRef = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'db',
      uid: set.metadata!.uid,
      controller: true,
      blockOwnerDeletion: true,
    };
    await eventually(async () => {
      const [a, b] = await Promise.all([claims.get('data-db-0'), claims.get('data-db-1')]);
      return (
        JSON.stringify(a.metadata?.ownerReferences) === JSON.stringify([setRef]) &&
        JSON.stringify(b.metadata?.ownerReferences) === JSON.stringify([setRef])
      );
    }, 'claims owned by the set');

    await sets.patch('db', 'merge', { spec: { replicas: 1 } });
    // The scaled-away pod's claim is handed to the pod, and collected with it.
    await eventually(async () => !(await claims.get('data-db-1').catch(() => undefined)), 'data-db-1 collected');
    assert.ok(await claims.get('data-db-0'));

    await sets.delete('db');
    await eventually(async () => !(await claims.get('data-db-0').catch(() => undefined)), 'data-db-0 collected');
  });

  test('spec.ordinals.start numbers pods from the start ordinal', async () => {
    await sets.create(statefulSet('ord10', 2, { ordinals: { start: 10 }, volumeClaimTemplates: [] }));
    await kubectl('rollout', 'status', 'statefulset/ord10', '--timeout=60s');
    assert.deepEqual((await podsOf('ord10')).map((p) => p.metadata!.name).sort(), ['ord10-10', 'ord10-11']);
  });
});

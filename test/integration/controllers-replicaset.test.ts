import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import { gvr, type ResourceClient, typed } from '../../src/client/index.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes } from '../harness/sim.js';

const rsManifest = (name: string, replicas: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
      ...extra,
    },
  });

const barePod = (name: string, app: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });

describe('replicaset and replicationcontroller controllers', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let replicaSets: ResourceClient<ReplicaSet>;
  let pods: ResourceClient<Pod>;
  let events: ResourceClient<Event>;

  before(async () => {
    c = await startTestCluster({ controllers: ['replicaset', 'replicationcontroller', 'serviceaccount'] });
    sim = await startTestSimNodes(c, { count: 2, podStartDelayMs: 50 });
    const rest = adminRest(c);
    replicaSets = typed<ReplicaSet>(rest, gvr('apps', 'v1', 'replicasets'), 'default');
    pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default');
    events = typed<Event>(rest, gvr('', 'v1', 'events'));
  });
  after(async () => {
    await sim?.dispose();
    await c?.dispose();
  });

  async function kubectl(args: string[], stdin?: string): Promise<string> {
    const r = await c.kubectl(args, { stdin, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }
  const live = async (app: string) =>
    (await pods.list({ labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const ownedBy = (p: Pod, uid: string) =>
    p.metadata?.ownerReferences?.some((r) => r.uid === uid && r.controller === true && r.blockOwnerDeletion === true) ??
    false;

  test('creates replicas and reports status; events name each pod', async () => {
    await kubectl(['apply', '-f', '-'], rsManifest('basic', 3));
    const rs = await eventually(async () => {
      const x = await replicaSets.get('basic');
      return x.status?.availableReplicas === 3 ? x : undefined;
    }, 'three available replicas');
    assert.deepEqual(
      [rs.status?.replicas, rs.status?.fullyLabeledReplicas, rs.status?.readyReplicas, rs.status?.observedGeneration],
      [3, 3, 3, rs.metadata?.generation],
    );
    const list = await live('basic');
    assert.equal(list.length, 3);
    for (const p of list) {
      assert.match(p.metadata!.name!, /^basic-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.ok(ownedBy(p, rs.metadata!.uid!));
    }
    const created = (await events.namespace('default').list()).items.filter(
      (e) => e.involvedObject.name === 'basic' && e.reason === 'SuccessfulCreate',
    );
    assert.deepEqual(created.map((e) => e.message).sort(), list.map((p) => `Created pod: ${p.metadata!.name}`).sort());
    assert.equal(created[0]!.source?.component, 'replicaset-controller');

    await kubectl(['scale', 'rs/basic', '--replicas=1']);
    await eventually(async () => (await live('basic')).length === 1, 'scaled down to one');
    await eventually(async () => {
      const deleted = (await events.namespace('default').list()).items.filter(
        (e) => e.involvedObject.name === 'basic' && e.reason === 'SuccessfulDelete',
      );
      return deleted.length === 2 && deleted.every((e) => /^Deleted pod: basic-/.test(e.message ?? ''));
    }, 'SuccessfulDelete events');
  });

  test('adopts matching orphans and releases pods whose labels stop matching', async () => {
    await kubectl(['apply', '-f', '-'], barePod('orphan-a', 'adopt'));
    await kubectl(['apply', '-f', '-'], barePod('orphan-b', 'adopt'));
    await kubectl(['apply', '-f', '-'], rsManifest('adopt', 3));
    const rs = await replicaSets.get('adopt');
    const list = await eventually(async () => {
      const l = await live('adopt');
      return l.length === 3 && l.every((p) => ownedBy(p, rs.metadata!.uid!)) ? l : undefined;
    }, 'orphans adopted and one pod created');
    assert.deepEqual(
      list
        .map((p) => p.metadata!.name)
        .filter((n) => n!.startsWith('orphan'))
        .sort(),
      ['orphan-a', 'orphan-b'],
    );

    await kubectl(['label', 'pod', 'orphan-a', 'app=released', '--overwrite']);
    await eventually(async () => {
      const l = await live('adopt');
      return (
        l.length === 3 &&
        !l.some((p) => p.metadata!.name === 'orphan-a') &&
        l.every((p) => ownedBy(p, rs.metadata!.uid!))
      );
    }, 'a replacement for the released pod');
    const released = await eventually(async () => {
      const p = await pods.get('orphan-a');
      return (p.metadata?.ownerReferences ?? []).length === 0 ? p : undefined;
    }, 'owner reference removed from the released pod');
    assert.equal(released.metadata!.labels!.app, 'released');
    assert.equal(released.metadata!.deletionTimestamp, undefined, 'released, not deleted');
  });

  test('availableReplicas waits for minReadySeconds', async () => {
    await kubectl(['apply', '-f', '-'], rsManifest('slow', 2, { minReadySeconds: 2 }));
    const ready = await eventually(async () => {
      const x = await replicaSets.get('slow');
      return x.status?.readyReplicas === 2 ? x : undefined;
    }, 'ready replicas');
    assert.equal(ready.status?.availableReplicas ?? 0, 0, 'ready but not yet available');
    await eventually(
      async () => (await replicaSets.get('slow')).status?.availableReplicas === 2,
      'available after minReadySeconds',
      15_000,
    );
  });

  test('create failures surface as FailedCreate events and the ReplicaFailure condition', async () => {
    await kubectl(['create', 'namespace', 'limited']);
    const limits = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'small' },
      spec: { limits: [{ type: 'Container', max: { cpu: '100m' } }] },
    };
    await kubectl(['-n', 'limited', 'apply', '-f', '-'], JSON.stringify(limits));
    await eventually(
      async () => (await c.kubectl(['-n', 'limited', 'get', 'serviceaccount', 'default'])).code === 0,
      'default service account',
    );
    const big = { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '1' } } }] };
    await kubectl(
      ['-n', 'limited', 'apply', '-f', '-'],
      rsManifest('fail', 3, { template: { metadata: { labels: { app: 'fail' } }, spec: big } }),
    );
    const rs = await eventually(async () => {
      const x = await replicaSets.namespace('limited').get('fail');
      return x.status?.conditions?.some((cd) => cd.type === 'ReplicaFailure') ? x : undefined;
    }, 'ReplicaFailure condition');
    const cond = rs.status!.conditions!.find((cd) => cd.type === 'ReplicaFailure')!;
    assert.deepEqual([cond.status, cond.reason], ['True', 'FailedCreate']);
    assert.match(
      cond.message ?? '',
      /^pods "fail-[a-z0-9]{5}" is forbidden: maximum cpu usage per Container is 100m, but limit is 1$/,
    );
    const failed = (await events.namespace('limited').list()).items.filter((e) => e.reason === 'FailedCreate');
    assert.ok(failed.length > 0);
    assert.match(failed[0]!.message ?? '', /Error creating: pods "fail-[a-z0-9]{5}" is forbidden: maximum cpu usage/);
    assert.equal(failed[0]!.type, 'Warning');
    assert.equal((await pods.namespace('limited').list()).items.length, 0);

    // Lifting the limit lets the next sync create the pods and clears the condition.
    await kubectl(['-n', 'limited', 'delete', 'limitrange', 'small']);
    await eventually(
      async () => {
        const x = await replicaSets.namespace('limited').get('fail');
        return x.status?.readyReplicas === 3 && !x.status.conditions?.length;
      },
      'recovered',
      60_000,
    );
  });

  test('ReplicationControllers run on the same core with map selectors', async () => {
    const rc: ReplicationController = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy' },
      spec: {
        replicas: 2,
        selector: { app: 'legacy' },
        template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    };
    await kubectl(['apply', '-f', '-'], JSON.stringify(rc));
    const rcs = typed<ReplicationController>(adminRest(c), gvr('', 'v1', 'replicationcontrollers'), 'default');
    let got = await eventually(async () => {
      const x = await rcs.get('legacy');
      return x.status?.readyReplicas === 2 ? x : undefined;
    }, 'rc ready');
    const list = await live('legacy');
    assert.equal(list.length, 2);
    for (const p of list) {
      const ref = p.metadata!.ownerReferences![0]!;
      assert.deepEqual(
        [ref.kind, ref.apiVersion, ref.name, ref.uid],
        ['ReplicationController', 'v1', 'legacy', got.metadata!.uid],
      );
    }
    await kubectl(['scale', 'rc/legacy', '--replicas=4']);
    got = await eventually(async () => {
      const x = await rcs.get('legacy');
      return x.status?.availableReplicas === 4 ? x : undefined;
    }, 'rc scaled');
    assert.deepEqual([got.status?.replicas, got.status?.fullyLabeledReplicas], [4, 4]);
    const ev = (await events.namespace('default').list()).items.find((e) => e.involvedObject.name === 'legacy');
    assert.equal(ev?.source?.component, 'replication-controller');
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../src/api/errors/status-error.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../src/client/index.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes, watchObjects } from '../harness/sim.js';

type Obj = KubeObject & Record<string, unknown>;
const gvr = (group: string, version: string, resource: string) => ({ group, version, resource });
const deploymentsGVR = gvr('apps', 'v1', 'deployments');
const replicaSetsGVR = gvr('apps', 'v1', 'replicasets');
const podsGVR = gvr('', 'v1', 'pods');

function deployment(name: string, replicas: number): Deployment & KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
}

/** Runs `fn` over `items`, at most `limit` at once. */
async function forEachLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/**
 * Cascading deletion of Deployments (garbage collector with the deployment
 * and replicaset controllers) and namespace deletion with many kinds of
 * content, against the real apiserver and simulated nodes.
 */
describe('deletion: cascading Deployments and draining namespaces', () => {
  let c: TestCluster;
  let rest: RestClient;
  let sim: SimNodes;
  before(async () => {
    c = await startTestCluster({
      controllers: ['garbage-collector', 'namespace', 'serviceaccount', 'deployment', 'replicaset', 'job'],
    });
    rest = adminRest(c);
    sim = await startTestSimNodes(c, { count: 3, capacity: { pods: 200 } });
    await eventually(
      () => new ResourceClient(rest, gvr('', 'v1', 'serviceaccounts'), 'default').get('default'),
      'the default ServiceAccount',
    );
  });
  after(async () => {
    await sim?.dispose();
    await c?.dispose();
  });

  async function runningDeployment(name: string, replicas: number): Promise<void> {
    await new ResourceClient<Deployment & KubeObject>(rest, deploymentsGVR, 'default').create(
      deployment(name, replicas),
    );
    const pods = new ResourceClient<Pod & KubeObject>(rest, podsGVR, 'default');
    await eventually(async () => {
      const items = (await pods.list({ labelSelector: `app=${name}` })).items;
      return items.length === replicas && items.every((p) => p.status?.phase === 'Running');
    }, `${replicas} running pods of ${name}`);
  }

  test('Foreground: ReplicaSets and pods go first; the Deployment holds foregroundDeletion until then', async () => {
    await runningDeployment('fg', 3);
    const deletedAt = new Map<string, number>(); // kind/name -> resourceVersion of its DELETED event
    const stops: (() => Promise<void>)[] = [];
    let sawFinalizerWithDependents = false;
    let rsLeft = -1;
    let podsLeft = -1;
    const track = (kind: string) => (objects: ReadonlyMap<string, Obj>, type: string, o?: Obj) => {
      if (kind === 'ReplicaSet') rsLeft = objects.size;
      if (kind === 'Pod') podsLeft = objects.size;
      if (type === 'DELETED' && o) deletedAt.set(`${kind}/${o.metadata!.name}`, Number(o.metadata!.resourceVersion));
      if (kind === 'Deployment' && o?.metadata?.deletionTimestamp && (rsLeft > 0 || podsLeft > 0))
        sawFinalizerWithDependents ||= (o.metadata.finalizers ?? []).includes('foregroundDeletion');
    };
    for (const [kind, r] of [
      ['ReplicaSet', replicaSetsGVR],
      ['Pod', podsGVR],
      ['Deployment', deploymentsGVR],
    ] as const)
      stops.push(
        await watchObjects(new ResourceClient<Obj>(rest, r, 'default'), { labelSelector: 'app=fg' }, track(kind)),
      );
    try {
      const deployments = new ResourceClient<Deployment & KubeObject>(rest, deploymentsGVR, 'default');
      await deployments.delete('fg', { propagationPolicy: 'Foreground' });
      const during = await deployments.get('fg');
      assert.ok(during.metadata?.deletionTimestamp, 'the Deployment is terminating, not gone');
      assert.ok(during.metadata?.finalizers?.includes('foregroundDeletion'));
      await eventually(() => deletedAt.has('Deployment/fg'), 'the Deployment to disappear', 30_000);
      assert.ok(sawFinalizerWithDependents, 'watch saw foregroundDeletion while dependents existed');
      const dependents = [...deletedAt].filter(([k]) => !k.startsWith('Deployment/'));
      assert.equal(dependents.filter(([k]) => k.startsWith('ReplicaSet/')).length, 1);
      assert.equal(dependents.filter(([k]) => k.startsWith('Pod/')).length, 3);
      const dRv = deletedAt.get('Deployment/fg')!;
      for (const [k, rv] of dependents) assert.ok(rv < dRv, `${k} (rv ${rv}) deleted before the Deployment (${dRv})`);
      const left = await new ResourceClient<Obj>(rest, podsGVR, 'default').list({ labelSelector: 'app=fg' });
      assert.equal(left.items.length, 0);
    } finally {
      for (const s of stops) await s();
    }
  });

  test('Orphan: the Deployment goes, its ReplicaSet and pods stay without the owner reference', async () => {
    await runningDeployment('or', 2);
    const rsClient = new ResourceClient<ReplicaSet & KubeObject>(rest, replicaSetsGVR, 'default');
    const podsClient = new ResourceClient<Pod & KubeObject>(rest, podsGVR, 'default');
    const [rs] = (await rsClient.list({ labelSelector: 'app=or' })).items;
    assert.ok(rs);
    const podUids = (await podsClient.list({ labelSelector: 'app=or' })).items.map((p) => p.metadata!.uid).sort();
    const deployments = new ResourceClient<Deployment & KubeObject>(rest, deploymentsGVR, 'default');
    await deployments.delete('or', { propagationPolicy: 'Orphan' });
    await eventually(
      () =>
        deployments.get('or').then(
          () => false,
          (err) => isNotFound(err),
        ),
      'the Deployment to disappear',
    );
    const after = await rsClient.get(rs.metadata!.name!);
    assert.equal(after.metadata?.uid, rs.metadata?.uid, 'the same ReplicaSet');
    assert.equal(after.metadata?.ownerReferences, undefined, 'owner reference removed');
    assert.equal(after.metadata?.deletionTimestamp, undefined);
    assert.ok(!(after.metadata?.finalizers ?? []).includes('orphan'), 'no orphan finalizer left on the dependent');
    // Give a wrongly cascading collector time to act, then check the pods are the same, untouched ones.
    await new Promise((r) => setTimeout(r, 1500));
    const pods = (await podsClient.list({ labelSelector: 'app=or' })).items;
    assert.deepEqual(pods.map((p) => p.metadata!.uid).sort(), podUids);
    for (const p of pods) {
      assert.equal(p.metadata?.deletionTimestamp, undefined);
      assert.equal(p.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid, 'pods still belong to the ReplicaSet');
    }
  });

  test('a namespace with 500 objects of 10 kinds drains: conditions reported, nothing left', async () => {
    const ns = 'crowded';
    const crds = new ResourceClient<Obj>(rest, gvr('apiextensions.k8s.io', 'v1', 'customresourcedefinitions'));
    await crds.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    } as Obj);
    await eventually(async () => {
      const crd = (await crds.get('widgets.example.com')) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return crd.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
    }, 'the CRD Established');
    const namespaces = new ResourceClient<Namespace & KubeObject>(rest, gvr('', 'v1', 'namespaces'));
    await namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await eventually(
      () => new ResourceClient(rest, gvr('', 'v1', 'serviceaccounts'), ns).get('default'),
      'the namespace default ServiceAccount',
    );

    const podSpec = { containers: [{ name: 'c', image: 'busybox' }] };
    const kinds: { r: ReturnType<typeof gvr>; make: (n: string) => Record<string, unknown> }[] = [
      { r: gvr('', 'v1', 'configmaps'), make: (n) => ({ kind: 'ConfigMap', data: { n } }) },
      { r: gvr('', 'v1', 'secrets'), make: (n) => ({ kind: 'Secret', stringData: { n } }) },
      {
        r: gvr('', 'v1', 'services'),
        make: () => ({ kind: 'Service', spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } }),
      },
      {
        r: deploymentsGVR,
        make: (n) => ({
          kind: 'Deployment',
          apiVersion: 'apps/v1',
          spec: {
            replicas: 1,
            selector: { matchLabels: { d: n } },
            template: { metadata: { labels: { d: n } }, spec: podSpec },
          },
        }),
      },
      {
        r: gvr('batch', 'v1', 'jobs'),
        make: () => ({
          kind: 'Job',
          apiVersion: 'batch/v1',
          spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } },
        }),
      },
      { r: gvr('', 'v1', 'serviceaccounts'), make: () => ({ kind: 'ServiceAccount' }) },
      {
        r: gvr('rbac.authorization.k8s.io', 'v1', 'roles'),
        make: () => ({
          kind: 'Role',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
        }),
      },
      {
        r: gvr('rbac.authorization.k8s.io', 'v1', 'rolebindings'),
        make: (n) => ({
          kind: 'RoleBinding',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: n },
          subjects: [{ kind: 'ServiceAccount', name: n, namespace: ns }],
        }),
      },
      {
        r: gvr('', 'v1', 'persistentvolumeclaims'),
        make: () => ({
          kind: 'PersistentVolumeClaim',
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        }),
      },
      {
        r: gvr('example.com', 'v1', 'widgets'),
        make: (n) => ({ kind: 'Widget', apiVersion: 'example.com/v1', spec: { n } }),
      },
    ];
    const work = kinds.flatMap((k) => Array.from({ length: 50 }, (_, i) => ({ k, name: `o${i}` })));
    await forEachLimit(work, 16, ({ k, name }) =>
      new ResourceClient<Obj>(rest, k.r, ns).create({
        apiVersion: 'v1',
        ...k.make(name),
        metadata: { name },
      } as Obj),
    );
    for (const k of kinds)
      assert.ok((await new ResourceClient<Obj>(rest, k.r, ns).list()).items.length >= 50, `50 ${k.r.resource}`);
    const pods = new ResourceClient<Pod & KubeObject>(rest, podsGVR, ns);
    await eventually(async () => (await pods.list()).items.length >= 100, 'pods of the Deployments and Jobs', 60_000);

    // Watch the namespace's conditions while it drains.
    const seen = new Map<string, Set<string>>(); // type -> "status/reason" seen
    let gone = false;
    const stop = await watchObjects(namespaces, {}, (objects, type, o) => {
      if (type === 'DELETED' && o?.metadata?.name === ns) gone = true;
      for (const cond of objects.get(ns)?.status?.conditions ?? []) {
        const set = seen.get(cond.type) ?? new Set<string>();
        set.add(`${cond.status}/${cond.reason}`);
        seen.set(cond.type, set);
      }
    });
    const started = Date.now();
    try {
      await namespaces.delete(ns);
      await eventually(() => gone, 'the namespace to be deleted', 90_000);
    } finally {
      await stop();
    }
    const took = Date.now() - started;
    assert.ok(took < 90_000, `drained in ${took} ms`);
    assert.ok(
      seen.get('NamespaceDeletionDiscoveryFailure')?.has('False/ResourcesDiscovered'),
      JSON.stringify([...seen]),
    );
    assert.ok(seen.get('NamespaceDeletionGroupVersionParsingFailure')?.has('False/ParsedGroupVersions'));
    assert.ok(seen.get('NamespaceDeletionContentFailure')?.has('False/ContentDeleted'));
    // Terminating pods outlive the first pass: content is reported remaining, then removed.
    assert.ok(seen.get('NamespaceContentRemaining')?.has('True/SomeResourcesRemain'));
    assert.ok(seen.get('NamespaceContentRemaining')?.has('False/ContentRemoved'));
    assert.ok(seen.has('NamespaceFinalizersRemaining'));

    // Nothing of any namespaced kind remains (discovery-driven, as kubectl sees it).
    const kinds2 = await c.kubectl(['api-resources', '--verbs=list', '--namespaced', '-o', 'name']);
    assert.equal(kinds2.code, 0, kinds2.stderr);
    const all = kinds2.stdout.trim().split('\n').filter(Boolean);
    assert.ok(all.includes('widgets.example.com') && all.includes('pods'), all.join(','));
    const left = await c.kubectl(['get', all.join(','), '-n', ns, '-o', 'name', '--ignore-not-found']);
    assert.equal(left.code, 0, left.stderr);
    assert.equal(left.stdout.trim(), '', 'objects left behind');
  });
});

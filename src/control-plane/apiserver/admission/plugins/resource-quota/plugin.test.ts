import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import { conflict } from '../../../../../api/errors/status-error.js';
import { ResourceQuotaAdmission } from './plugin.js';
import { attrs, rejection } from '../testing.js';

/** A quota store with compare-and-swap writes and a cache that can lag behind it. */
class FakeQuotas {
  stored = new Map<string, ResourceQuota>();
  cache = new Map<string, ResourceQuota>();
  rv = 10;
  writes = 0;
  lagging = false;

  add(
    name: string,
    hard: Record<string, string>,
    used: Record<string, string>,
    spec: Partial<ResourceQuota['spec']> = {},
  ) {
    const q: ResourceQuota = {
      metadata: { name, namespace: 'default', resourceVersion: String(++this.rv) },
      spec: { hard, ...spec },
      status: { hard, used },
    };
    this.stored.set(name, q);
    this.cache.set(name, structuredClone(q));
  }
  list = () => [...(this.lagging ? this.cache : this.stored).values()].map((q) => structuredClone(q));
  update = async (q: ResourceQuota, used: Record<string, string>) => {
    const cur = this.stored.get(q.metadata!.name!)!;
    if (cur.metadata!.resourceVersion !== q.metadata!.resourceVersion) {
      throw conflict({ group: '', resource: 'resourcequotas' }, q.metadata!.name!);
    }
    this.writes++;
    const next = structuredClone(cur);
    next.status!.used = used;
    (next.metadata as { resourceVersion?: string }).resourceVersion = String(++this.rv);
    this.stored.set(q.metadata!.name!, next);
    if (!this.lagging) this.cache.set(q.metadata!.name!, structuredClone(next));
    return structuredClone(next);
  };
  used(name: string): Record<string, string> {
    return this.stored.get(name)!.status!.used ?? {};
  }
}

function plugin(store: FakeQuotas) {
  return new ResourceQuotaAdmission({
    listQuotas: store.list,
    updateQuotaStatus: store.update,
    now: () => Date.UTC(2026, 0, 1),
  });
}

function pod(
  name: string,
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> },
  spec: Partial<Pod['spec']> = {},
): Pod {
  return { metadata: { name }, spec: { containers: [{ name: 'app', image: 'x', resources }], ...spec } };
}

test('rejects with upstream message once the pod count is used up, and charges admitted pods', async () => {
  const store = new FakeQuotas();
  store.add('q', { pods: '2' }, { pods: '1' });
  const p = plugin(store);
  const a1 = attrs({ resource: 'pods', object: pod('a') });
  assert.ok(p.handles(a1));
  await p.validate(a1);
  assert.deepEqual(store.used('q'), { pods: '2' });
  const e = await rejection(() => p.validate(attrs({ resource: 'pods', object: pod('b') })));
  assert.equal(e.code, 403);
  assert.equal(e.message, 'pods "b" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
});

test('compute resources, object counts and the must-specify constraint', async () => {
  const store = new FakeQuotas();
  store.add(
    'compute',
    { 'requests.cpu': '1', 'limits.memory': '1Gi', 'count/pods': '10' },
    { 'requests.cpu': '500m', 'limits.memory': '0', 'count/pods': '1' },
  );
  const p = plugin(store);
  await p.validate(
    attrs({ resource: 'pods', object: pod('a', { requests: { cpu: '250m' }, limits: { memory: '512Mi' } }) }),
  );
  assert.deepEqual(store.used('compute'), { 'count/pods': '2', 'limits.memory': '512Mi', 'requests.cpu': '750m' });
  const over = await rejection(() =>
    p.validate(
      attrs({ resource: 'pods', object: pod('b', { requests: { cpu: '500m' }, limits: { memory: '100Mi' } }) }),
    ),
  );
  assert.equal(
    over.message,
    'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=750m, limited: requests.cpu=1',
  );
  const missing = await rejection(() => p.validate(attrs({ resource: 'pods', object: pod('c') })));
  assert.equal(
    missing.message,
    'pods "c" is forbidden: failed quota: compute: must specify limits.memory for: app; requests.cpu for: app',
  );
});

test('scopes select which pods a quota charges', async () => {
  const store = new FakeQuotas();
  store.add('best-effort', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] });
  store.add(
    'high',
    { pods: '1' },
    { pods: '1' },
    {
      scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] },
    },
  );
  store.add('terminating', { pods: '5' }, { pods: '0' }, { scopes: ['Terminating'] });
  const p = plugin(store);
  const be = await rejection(() => p.validate(attrs({ resource: 'pods', object: pod('be') })));
  assert.equal(
    be.message,
    'pods "be" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=0, limited: pods=0',
  );
  await p.validate(attrs({ resource: 'pods', object: pod('burst', { requests: { cpu: '1' } }) }));
  const high = await rejection(() =>
    p.validate(
      attrs({ resource: 'pods', object: pod('h', { requests: { cpu: '1' } }, { priorityClassName: 'high' }) }),
    ),
  );
  assert.match(high.message, /exceeded quota: high, requested: pods=1, used: pods=1, limited: pods=1$/);
  await p.validate(
    attrs({ resource: 'pods', object: pod('job', { requests: { cpu: '1' } }, { activeDeadlineSeconds: 60 }) }),
  );
  assert.deepEqual(store.used('terminating'), { pods: '1' });
  // Scoped quotas never select objects other than pods.
  await p.validate(attrs({ resource: 'configmaps', object: { metadata: { name: 'cm' } } }));
});

test('services: node ports and load balancers, charged by delta on update', async () => {
  const store = new FakeQuotas();
  store.add(
    'svc',
    { services: '5', 'services.nodeports': '2', 'services.loadbalancers': '1' },
    {
      services: '0',
      'services.nodeports': '0',
      'services.loadbalancers': '0',
    },
  );
  const p = plugin(store);
  const svc = (type: string, ports: number): Service => ({
    metadata: { name: 'web', resourceVersion: '5' },
    spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })) },
  });
  await p.validate(attrs({ resource: 'services', object: svc('ClusterIP', 3) }));
  assert.deepEqual(store.used('svc'), { services: '1', 'services.loadbalancers': '0', 'services.nodeports': '0' });
  // ClusterIP -> NodePort with 2 ports charges only the node ports (the service was already counted).
  await p.validate(
    attrs({
      resource: 'services',
      operation: 'UPDATE',
      name: 'web',
      object: svc('NodePort', 2),
      oldObject: svc('ClusterIP', 2),
    }),
  );
  assert.deepEqual(store.used('svc'), { services: '1', 'services.loadbalancers': '0', 'services.nodeports': '2' });
  const e = await rejection(() => p.validate(attrs({ resource: 'services', object: svc('LoadBalancer', 1) })));
  assert.equal(
    e.message,
    'services "web" is forbidden: exceeded quota: svc, requested: services.nodeports=1, used: services.nodeports=2, limited: services.nodeports=2',
  );
});

test('object counts for any resource and legacy names; PVC storage by class', async () => {
  const store = new FakeQuotas();
  store.add(
    'objects',
    {
      configmaps: '1',
      'count/deployments.apps': '1',
      'requests.storage': '10Gi',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
    },
    {
      configmaps: '1',
      'count/deployments.apps': '0',
      'requests.storage': '2Gi',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '0',
    },
  );
  const p = plugin(store);
  const cm = await rejection(() => p.validate(attrs({ resource: 'configmaps', object: { metadata: { name: 'cm' } } })));
  assert.equal(
    cm.message,
    'configmaps "cm" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: configmaps=1',
  );
  await p.validate(attrs({ resource: 'deployments', object: { metadata: { name: 'd' } } }));
  assert.equal(store.used('objects')['count/deployments.apps'], '1');
  const claim = {
    metadata: { name: 'data' },
    spec: { storageClassName: 'gold', resources: { requests: { storage: '9Gi' } } },
  };
  const pvc = await rejection(() => p.validate(attrs({ resource: 'persistentvolumeclaims', object: claim })));
  assert.equal(
    pvc.message,
    'persistentvolumeclaims "data" is forbidden: exceeded quota: objects, requested: requests.storage=9Gi, used: requests.storage=2Gi, limited: requests.storage=10Gi',
  );
  // Deployments are only counted on create; updates do not touch quota.
  assert.equal(
    p.handles(attrs({ resource: 'deployments', operation: 'UPDATE', object: { metadata: { name: 'd' } } })),
    false,
  );
  assert.equal(p.handles(attrs({ resource: 'events', object: { metadata: { name: 'e' } } })), false);
});

test('status not yet synced for a tracked resource is an error; unsynced quotas do not apply', async () => {
  const store = new FakeQuotas();
  store.add('q', { pods: '5', 'requests.cpu': '2' }, { pods: '1' });
  const e = await rejection(() =>
    plugin(store).validate(attrs({ resource: 'pods', object: pod('a', { requests: { cpu: '1' } }) })),
  );
  assert.equal(e.message, 'pods "a" is forbidden: status unknown for quota: q, resources: pods,requests.cpu');
});

test('dry runs are checked but not charged', async () => {
  const store = new FakeQuotas();
  store.add('q', { pods: '1' }, { pods: '0' });
  await plugin(store).validate(attrs({ resource: 'pods', object: pod('a'), dryRun: true }));
  assert.deepEqual(store.used('q'), { pods: '0' });
  assert.equal(store.writes, 0);
});

test('concurrent creates in one namespace never exceed the quota, even with a lagging cache', async () => {
  const store = new FakeQuotas();
  store.add('q', { pods: '3' }, { pods: '0' });
  store.lagging = true;
  const p = plugin(store);
  const results = await Promise.allSettled(
    Array.from({ length: 6 }, (_, i) => p.validate(attrs({ resource: 'pods', object: pod(`p${i}`) }))),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
  assert.deepEqual(store.used('q'), { pods: '3' });
  for (const r of results.filter((x) => x.status === 'rejected')) {
    assert.match(
      String((r as PromiseRejectedResult).reason.message),
      /exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3/,
    );
  }
});

test('a conflicting writer elsewhere makes the plugin re-evaluate against the fresh quota', async () => {
  const store = new FakeQuotas();
  store.add('q', { pods: '2' }, { pods: '0' });
  const p = plugin(store);
  // Another apiserver charges one pod behind our back: the cached copy is now stale.
  const stale = store.list();
  await store.update(store.stored.get('q')!, { pods: '1' });
  let calls = 0;
  const p2 = new ResourceQuotaAdmission({
    listQuotas: () => (calls++ === 0 ? stale : store.list()),
    updateQuotaStatus: store.update,
  });
  await p2.validate(attrs({ resource: 'pods', object: pod('a') }));
  assert.deepEqual(store.used('q'), { pods: '2' });
  assert.equal(calls, 2);
  await assert.rejects(() => p.validate(attrs({ resource: 'pods', object: pod('b') })), /exceeded quota/);
});

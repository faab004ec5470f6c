import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadBalancerStatus, Node, Service } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../../client/testing/fake-api-server.js';
import { startCloudControllerManager } from './cloud-controller-manager.js';
import { loadBalancerCleanupFinalizer, type CloudProvider, type LoadBalancer } from './cloud-provider.js';
import { isLoadBalancerCandidate, needsCleanup, wantsLoadBalancer } from './service-controller.js';

type Call = { op: string; svc: string; finalizers: string[]; nodes?: string[] };

/** A provider that records calls (with the finalizers the Service had in the API at that moment). */
function recordingProvider(fake: FakeApiServer) {
  const calls: Call[] = [];
  let failEnsure = 0;
  const at = (op: string, svc: Service, nodes?: Node[]) => {
    const stored = fake.get('', 'services', svc.metadata!.namespace!, svc.metadata!.name!) as Service | undefined;
    calls.push({
      op,
      svc: svc.metadata!.name!,
      finalizers: [...(stored?.metadata?.finalizers ?? [])],
      nodes: nodes?.map((n) => n.metadata!.name!),
    });
  };
  const statusOf = (nodes: Node[]): LoadBalancerStatus => ({
    ingress: nodes.map((n, i) => ({ ip: `192.0.2.${i + 1}`, ipMode: 'VIP' })),
  });
  const lb: LoadBalancer = {
    getLoadBalancer: async (_c, svc) => ({ exists: (svc.status?.loadBalancer?.ingress ?? []).length > 0 }),
    ensureLoadBalancer: async (_c, svc, nodes) => {
      at('ensure', svc, nodes);
      if (failEnsure > 0) {
        failEnsure--;
        throw new Error('quota exceeded');
      }
      return statusOf(nodes);
    },
    updateLoadBalancer: async (_c, svc, nodes) => {
      at('update', svc, nodes);
      return statusOf(nodes);
    },
    ensureLoadBalancerDeleted: async (_c, svc) => at('delete', svc),
  };
  const provider: CloudProvider = { name: 'test', loadBalancer: lb };
  return { provider, calls, failNextEnsure: (n: number) => (failEnsure = n) };
}

const lbService = (name: string, spec: Service['spec'] = {}): Service => ({
  apiVersion: 'v1' as const,
  kind: 'Service' as const,
  metadata: { name, namespace: 'default' },
  spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec },
});
const readyNode = (name: string, labels: Record<string, string> = {}): Node => ({
  apiVersion: 'v1' as const,
  kind: 'Node' as const,
  metadata: { name, labels },
  status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
});

async function setup() {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const rec = recordingProvider(fake);
  fake.seed('', 'nodes', readyNode('n1'));
  fake.seed('', 'nodes', readyNode('n2'));
  fake.seed('', 'nodes', readyNode('excluded', { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }));
  const ccm = await startCloudControllerManager({
    rest: fakeRestClient(fake, { clock }),
    provider: () => rec.provider,
    clock,
  });
  // Fake time moves on too: the client's rate limiter and the queue's backoff run on this clock.
  const settle = async () => {
    for (let i = 0; i < 60; i++) {
      await clock.advance(i % 2 ? 0 : 100);
      await new Promise((r) => setImmediate(r));
    }
  };
  const svc = (name: string) => fake.get('', 'services', 'default', name) as Service | undefined;
  const events = (name: string) =>
    fake
      .list('', 'events')
      .filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === name)
      .map((e) => `${(e as { type?: string }).type}/${e.reason}`);
  return { clock, fake, ccm, settle, svc, events, ...rec };
}

test('predicates: which Services want a balancer, which need cleanup, which nodes are candidates', () => {
  const table: { name: string; svc: Service; wants: boolean; cleanup: boolean }[] = [
    { name: 'LB', svc: lbService('a'), wants: true, cleanup: false },
    { name: 'ClusterIP', svc: lbService('a', { type: 'ClusterIP' }), wants: false, cleanup: false },
    { name: 'other class', svc: lbService('a', { loadBalancerClass: 'example.com/lb' }), wants: false, cleanup: false },
    {
      name: 'kubets class',
      svc: lbService('a', { loadBalancerClass: 'kubets.io/local' }),
      wants: true,
      cleanup: false,
    },
    {
      name: 'ClusterIP with finalizer',
      svc: { ...lbService('a', { type: 'ClusterIP' }), metadata: { finalizers: [loadBalancerCleanupFinalizer] } },
      wants: false,
      cleanup: true,
    },
    {
      name: 'deleting',
      svc: {
        ...lbService('a'),
        metadata: { finalizers: [loadBalancerCleanupFinalizer], deletionTimestamp: '2026-01-01T00:00:00Z' },
      },
      wants: true,
      cleanup: true,
    },
  ];
  for (const t of table) {
    assert.equal(wantsLoadBalancer(t.svc), t.wants, t.name);
    assert.equal(needsCleanup(t.svc), t.cleanup, t.name);
  }
  assert.equal(isLoadBalancerCandidate(readyNode('n')), true);
  assert.equal(
    isLoadBalancerCandidate(readyNode('n', { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' })),
    false,
  );
  assert.equal(
    isLoadBalancerCandidate({
      metadata: { name: 'n' },
      spec: { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', effect: 'NoSchedule' }] },
    }),
    false,
  );
});

test('provisions with the finalizer first, publishes status, re-points on node changes, cleans up on delete', async () => {
  const t = await setup();
  try {
    t.fake.seed('', 'services', lbService('web'));
    t.fake.seed('', 'services', lbService('plain', { type: 'ClusterIP' }));
    t.fake.seed('', 'services', lbService('foreign', { loadBalancerClass: 'example.com/lb' }));
    await t.settle();
    assert.deepEqual(t.calls, [
      { op: 'ensure', svc: 'web', finalizers: [loadBalancerCleanupFinalizer], nodes: ['n1', 'n2'] },
    ]);
    assert.deepEqual(t.svc('web')?.status?.loadBalancer?.ingress, [
      { ip: '192.0.2.1', ipMode: 'VIP' },
      { ip: '192.0.2.2', ipMode: 'VIP' },
    ]);
    assert.equal(t.svc('plain')?.metadata?.finalizers, undefined);
    assert.equal(t.svc('foreign')?.metadata?.finalizers, undefined);

    // A new candidate node re-points the balancer and refreshes the status.
    t.calls.length = 0;
    t.fake.seed('', 'nodes', readyNode('n3'));
    await t.settle();
    assert.deepEqual(
      t.calls.map((c) => `${c.op}:${c.nodes?.join()}`),
      ['update:n1,n2,n3'],
    );
    assert.equal(t.svc('web')?.status?.loadBalancer?.ingress?.length, 3);
    // Checked once a later event was recorded: the broadcaster can leave its newest event queued until the next one.
    assert.deepEqual(t.events('web').slice(0, 2), ['Normal/EnsuringLoadBalancer', 'Normal/EnsuredLoadBalancer']);

    // Deletion: the balancer is deleted while the finalizer still holds the Service, then released.
    t.calls.length = 0;
    await t.fake.handle({
      method: 'PATCH',
      path: '/api/v1/namespaces/default/services/web',
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/merge-patch+json' },
      object: { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } },
    } as never);
    await t.settle();
    assert.deepEqual(t.calls, [
      { op: 'delete', svc: 'web', finalizers: [loadBalancerCleanupFinalizer], nodes: undefined },
    ]);
    assert.equal(t.svc('web')?.metadata?.finalizers, undefined);
    assert.deepEqual(t.events('web').slice(2, 4), ['Normal/UpdatedLoadBalancer', 'Normal/DeletingLoadBalancer']);
  } finally {
    await t.ccm.stop();
  }
});

test('a provider failure is reported and retried; LoadBalancer -> ClusterIP releases the balancer', async () => {
  const t = await setup();
  try {
    t.failNextEnsure(1);
    t.fake.seed('', 'services', lbService('api', { loadBalancerClass: 'kubets.io/local' }));
    await t.settle();
    assert.deepEqual(
      t.calls.map((c) => `${c.op}:${c.finalizers.join()}`),
      [`ensure:${loadBalancerCleanupFinalizer}`, `ensure:${loadBalancerCleanupFinalizer}`],
      'the finalizer precedes the first attempt; the failure is retried',
    );
    const warning = t.fake.list('', 'events').find((e) => e.reason === 'SyncLoadBalancerFailed') as
      { message?: string; type?: string } | undefined;
    assert.equal(warning?.type, 'Warning');
    assert.equal(warning?.message, 'Error syncing load balancer: failed to ensure load balancer: quota exceeded');
    assert.equal(t.svc('api')?.status?.loadBalancer?.ingress?.length, 2);

    await t.fake.handle({
      method: 'PATCH',
      path: '/api/v1/namespaces/default/services/api',
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/merge-patch+json' },
      object: { spec: { type: 'ClusterIP', loadBalancerClass: null } },
    } as never);
    await t.settle();
    assert.equal(t.calls.at(-1)?.op, 'delete');
    assert.equal(t.svc('api')?.metadata?.finalizers, undefined);
    assert.equal(t.svc('api')?.status?.loadBalancer?.ingress, undefined, 'status cleared');
  } finally {
    await t.ccm.stop();
  }
});

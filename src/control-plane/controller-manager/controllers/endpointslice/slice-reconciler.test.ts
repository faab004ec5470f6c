import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { planSlices, slicePrefix, type SlicePlan } from './slice-reconciler.js';

const svc: Service = {
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { team: 'a' } },
  spec: {
    selector: { app: 'web' },
    clusterIP: '10.43.0.5',
    ipFamilies: ['IPv4'],
    ports: [{ name: 'http', port: 80, targetPort: 8080 }],
  },
};

function pod(i: number, o: { ready?: boolean; deleting?: boolean; node?: string } = {}): Pod {
  return {
    metadata: {
      name: `p${String(i).padStart(3, '0')}`,
      namespace: 'ns',
      uid: `u${i}`,
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: o.node ?? 'n1', containers: [] },
    status: {
      podIP: `10.42.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}
const nodes: Record<string, Node> = {
  n1: { metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } },
};
const lookup = (n: string) => nodes[n];

/** Applies a plan as the API would (names for created slices), returning the resulting slices. */
function apply(existing: EndpointSlice[], plan: SlicePlan): EndpointSlice[] {
  let seq = existing.length;
  const byName = new Map(existing.map((s) => [s.metadata!.name!, s]));
  for (const s of plan.delete) byName.delete(s.metadata!.name!);
  for (const s of plan.update) byName.set(s.metadata!.name!, s);
  for (const s of plan.create) {
    const name = `${s.metadata!.generateName}${++seq}`;
    byName.set(name, { ...s, metadata: { ...s.metadata, name } });
  }
  return [...byName.values()];
}

const pods = (n: number) => Array.from({ length: n }, (_, i) => pod(i));
const sizes = (slices: EndpointSlice[]) => slices.map((s) => s.endpoints.length).sort((a, b) => b - a);

test('250 endpoints make three slices of at most 100, labelled and owned by the Service', () => {
  const plan = planSlices({ service: svc, pods: pods(250), existing: [], node: lookup });
  assert.equal(plan.update.length + plan.delete.length, 0);
  assert.deepEqual(sizes(plan.create), [100, 100, 50]);
  const s = plan.create[0]!;
  assert.equal(s.metadata!.generateName, 'web-');
  assert.deepEqual(s.metadata!.labels, {
    team: 'a',
    'kubernetes.io/service-name': 'web',
    'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
  });
  assert.deepEqual(s.metadata!.ownerReferences, [
    { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true },
  ]);
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.endpoints[0], {
    addresses: ['10.42.0.1'],
    conditions: { ready: true, serving: true, terminating: false },
    targetRef: { kind: 'Pod', namespace: 'ns', name: 'p000', uid: 'u0' },
    nodeName: 'n1',
    zone: 'z1',
  });
});

test('updates are minimal: a removed pod touches one slice, an added pod fills a slice being updated', () => {
  const first = apply([], planSlices({ service: svc, pods: pods(250), existing: [], node: lookup }));
  assert.deepEqual(planSlices({ service: svc, pods: pods(250), existing: first, node: lookup }), {
    create: [],
    update: [],
    delete: [],
    skippedPods: [],
  });
  const without = pods(250).filter((p) => p.metadata!.name !== 'p010');
  const plan = planSlices({ service: svc, pods: without, existing: first, node: lookup });
  assert.equal(plan.create.length + plan.delete.length, 0);
  assert.equal(plan.update.length, 1);
  const second = apply(first, plan);
  assert.deepEqual(sizes(second), [100, 99, 50]);
  // A readiness change updates that endpoint in place.
  const flipped = without.map((p) => (p.metadata!.name === 'p200' ? pod(200, { ready: false }) : p));
  const plan2 = planSlices({ service: svc, pods: flipped, existing: second, node: lookup });
  assert.equal(plan2.update.length, 1);
  assert.equal(plan2.create.length, 0);
  const ep = plan2.update[0]!.endpoints.find((e) => e.targetRef?.name === 'p200')!;
  assert.deepEqual(ep.conditions, { ready: false, serving: false, terminating: false });
  // A new pod goes into a slice with room instead of a new slice.
  const plan3 = planSlices({ service: svc, pods: [...without, pod(300)], existing: second, node: lookup });
  assert.equal(plan3.create.length, 0);
  assert.equal(plan3.update.length, 1);
});

test('terminating pods stay as serving/terminating endpoints; publishNotReadyAddresses makes them ready', () => {
  const p = [pod(1, { deleting: true })];
  const plan = planSlices({ service: svc, pods: p, existing: [], node: lookup });
  assert.deepEqual(plan.create[0]!.endpoints[0]!.conditions, { ready: false, serving: true, terminating: true });
  const pub = { ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } };
  const plan2 = planSlices({ service: pub, pods: [pod(2, { ready: false })], existing: [], node: lookup });
  assert.deepEqual(plan2.create[0]!.endpoints[0]!.conditions, { ready: true, serving: false, terminating: false });
});

test('a Service without endpoints keeps one placeholder slice; pods on unknown nodes are skipped', () => {
  const plan = planSlices({ service: svc, pods: [], existing: [], node: lookup });
  assert.equal(plan.create.length, 1);
  assert.deepEqual([plan.create[0]!.endpoints, plan.create[0]!.ports], [[], []]);
  const withPlaceholder = apply([], plan);
  assert.deepEqual(planSlices({ service: svc, pods: [], existing: withPlaceholder, node: lookup }).create, []);
  const skipped = planSlices({
    service: svc,
    pods: [pod(1, { node: 'ghost' })],
    existing: withPlaceholder,
    node: lookup,
  });
  assert.deepEqual(skipped.skippedPods, ['ns/p001']);
  // Endpoints appear: the placeholder is recycled rather than deleted and recreated.
  const grown = planSlices({ service: svc, pods: [pod(1)], existing: withPlaceholder, node: lookup });
  assert.equal(grown.create.length + grown.delete.length, 0);
  assert.equal(grown.update[0]!.metadata!.name, withPlaceholder[0]!.metadata!.name);
  assert.equal(grown.update[0]!.endpoints.length, 1);
});

test('slices of another Service with the same name and of dropped address families are deleted', () => {
  const first = apply([], planSlices({ service: svc, pods: pods(3), existing: [], node: lookup }));
  const recreated = { ...svc, metadata: { ...svc.metadata, uid: 'new-uid' } };
  const plan = planSlices({ service: recreated, pods: pods(3), existing: first, node: lookup });
  assert.equal(plan.delete.length, 1);
  assert.equal(plan.create.length, 1);
  const v6 = { ...first[0]!, addressType: 'IPv6', metadata: { ...first[0]!.metadata, name: 'web-v6' } };
  const plan2 = planSlices({ service: svc, pods: pods(3), existing: [...first, v6], node: lookup });
  assert.deepEqual(
    plan2.delete.map((s) => s.metadata!.name),
    ['web-v6'],
  );
});

test('slicePrefix falls back to "slice-" for names that cannot prefix', () => {
  assert.equal(slicePrefix('web'), 'web-');
  assert.equal(slicePrefix('x'.repeat(250)), 'slice-');
});

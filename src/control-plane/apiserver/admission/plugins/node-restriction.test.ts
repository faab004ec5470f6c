import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeRestriction } from './node-restriction.js';
import { attrs, rejection } from './testing.js';

const node1: Node = { metadata: { name: 'node1', uid: 'uid-1', labels: { 'kubernetes.io/hostname': 'node1' } } };
const kubelet = { username: 'system:node:node1', groups: ['system:nodes', 'system:authenticated'] };
const podOn = (node: string, extra: Partial<Pod> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'pod-uid' },
  spec: { nodeName: node, containers: [{ name: 'c' }] },
  ...extra,
});
const plugin = new NodeRestriction({
  getPod: (_ns, name) => (name === 'p' ? podOn('node1') : name === 'q' ? podOn('node2') : undefined),
  getNode: (name) => (name === 'node1' ? node1 : undefined),
});

function mirror(spec: Partial<Pod['spec']> = {}, owner: Record<string, unknown> = {}): Pod {
  return {
    metadata: {
      name: 'static-node1',
      annotations: { 'kubernetes.io/config.mirror': 'abc' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node1', uid: 'uid-1', controller: true, ...owner }],
    },
    spec: { nodeName: 'node1', containers: [{ name: 'c' }], ...spec },
  };
}

test('only node users are restricted', async () => {
  assert.equal(
    plugin.handles(
      attrs({
        resource: 'nodes',
        operation: 'UPDATE',
        name: 'node2',
        object: node1,
        user: { username: 'admin', groups: ['system:masters'] },
      }),
    ),
    false,
  );
  assert.ok(
    plugin.handles(attrs({ resource: 'nodes', operation: 'UPDATE', name: 'node2', object: node1, user: kubelet })),
  );
});

test('nodes may create only mirror pods bound to and owned by themselves', async () => {
  await plugin.validate(attrs({ resource: 'pods', object: mirror(), user: kubelet }));
  const cases: [Pod, string][] = [
    [
      podOn('node1'),
      'pod does not have "kubernetes.io/config.mirror" annotation, node "node1" can only create mirror pods',
    ],
    [mirror({ nodeName: 'node2' }), 'node "node1" can only create pods with spec.nodeName set to itself'],
    [
      mirror({}, { controller: false }),
      'node "node1" can only create pods with a controller owner reference set to itself',
    ],
    [mirror({}, { uid: 'other' }), 'node node1 UID mismatch: expected other got uid-1'],
    [mirror({ serviceAccountName: 'default' }), 'node "node1" can not create pods that reference a service account'],
    [
      mirror({ volumes: [{ name: 's', secret: { secretName: 's' } }] }),
      'node "node1" can not create pods that reference secrets',
    ],
    [
      mirror({ volumes: [{ name: 'c', configMap: { name: 'c' } }] }),
      'node "node1" can not create pods that reference configmaps',
    ],
    [
      mirror({ volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'x' } }] }),
      'node "node1" can not create pods that reference persistentvolumeclaims',
    ],
  ];
  for (const [pod, msg] of cases) {
    const e = await rejection(() => plugin.validate(attrs({ resource: 'pods', object: pod, user: kubelet })));
    assert.equal(e.message, `pods "${pod.metadata!.name}" is forbidden: ${msg}`);
  }
  const del = await rejection(() =>
    plugin.validate(
      attrs({ resource: 'pods', operation: 'DELETE', name: 'q', oldObject: podOn('node2'), user: kubelet }),
    ),
  );
  assert.equal(
    del.message,
    'pods "q" is forbidden: node "node1" can only delete pods with spec.nodeName set to itself',
  );
  await plugin.validate(
    attrs({ resource: 'pods', operation: 'DELETE', name: 'p', oldObject: podOn('node1'), user: kubelet }),
  );
});

test('pod status updates and evictions only for pods on the node', async () => {
  await plugin.validate(
    attrs({
      resource: 'pods',
      subresource: 'status',
      operation: 'UPDATE',
      name: 'p',
      object: podOn('node1'),
      oldObject: podOn('node1'),
      user: kubelet,
    }),
  );
  const other = await rejection(() =>
    plugin.validate(
      attrs({
        resource: 'pods',
        subresource: 'status',
        operation: 'UPDATE',
        name: 'q',
        object: podOn('node2'),
        oldObject: podOn('node2'),
        user: kubelet,
      }),
    ),
  );
  assert.equal(
    other.message,
    'pods "q" is forbidden: node "node1" can only update pod status for pods with spec.nodeName set to itself',
  );
  const relabel = podOn('node1', { metadata: { name: 'p', labels: { x: 'y' } } });
  const labels = await rejection(() =>
    plugin.validate(
      attrs({
        resource: 'pods',
        subresource: 'status',
        operation: 'UPDATE',
        name: 'p',
        object: relabel,
        oldObject: podOn('node1'),
        user: kubelet,
      }),
    ),
  );
  assert.equal(labels.message, 'pods "p" is forbidden: node "node1" cannot update labels through pod status');
  const evict = await rejection(() =>
    plugin.validate(
      attrs({
        resource: 'pods',
        subresource: 'eviction',
        name: 'q',
        object: { metadata: { name: 'q' } },
        user: kubelet,
      }),
    ),
  );
  assert.equal(evict.message, 'pods "q" is forbidden: node node1 can only evict pods with spec.nodeName set to itself');
  const exec = await rejection(() =>
    plugin.validate(
      attrs({
        resource: 'pods',
        subresource: 'binding',
        name: 'p',
        object: { metadata: { name: 'p' } },
        user: kubelet,
      }),
    ),
  );
  assert.equal(
    exec.message,
    `pods "p" is forbidden: unexpected pod subresource "binding", only 'status' and 'eviction' are allowed`,
  );
});

test('a node may modify only its own Node, not its taints or restricted labels', async () => {
  const update = (labels: Record<string, string>, taints?: { key: string; effect: string }[]) =>
    attrs({
      resource: 'nodes',
      operation: 'UPDATE',
      name: 'node1',
      object: { metadata: { name: 'node1', labels }, spec: { taints } },
      oldObject: node1,
      user: kubelet,
    });
  await plugin.validate(
    update({ 'kubernetes.io/hostname': 'node1', 'node.kubernetes.io/instance-type': 'big', 'example.com/x': 'y' }),
  );
  const restricted = await rejection(() =>
    plugin.validate(
      update({
        'kubernetes.io/hostname': 'node1',
        'node-role.kubernetes.io/master': '',
        'node-restriction.kubernetes.io/pool': 'a',
      }),
    ),
  );
  assert.equal(
    restricted.message,
    'nodes "node1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool, node-role.kubernetes.io/master',
  );
  const taints = await rejection(() =>
    plugin.validate(update({ 'kubernetes.io/hostname': 'node1' }, [{ key: 'x', effect: 'NoSchedule' }])),
  );
  assert.equal(taints.message, 'nodes "node1" is forbidden: node "node1" is not allowed to modify taints');
  const other = await rejection(() =>
    plugin.validate(
      attrs({ resource: 'nodes', operation: 'UPDATE', name: 'node2', object: node1, oldObject: node1, user: kubelet }),
    ),
  );
  assert.equal(other.message, 'nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"');
  const create = await rejection(() =>
    plugin.validate(
      attrs({
        resource: 'nodes',
        object: { metadata: { name: 'node1', labels: { 'node-role.kubernetes.io/worker': '' } } },
        user: kubelet,
      }),
    ),
  );
  assert.equal(
    create.message,
    'nodes "node1" is forbidden: node "node1" is not allowed to set the following labels: node-role.kubernetes.io/worker',
  );
});

test('leases, CSINodes and PVC status', async () => {
  const lease = (ns: string, name: string) =>
    attrs({ resource: 'leases', namespace: ns, object: { metadata: { name } }, user: kubelet });
  await plugin.validate(lease('kube-node-lease', 'node1'));
  assert.equal(
    (await rejection(() => plugin.validate(lease('kube-node-lease', 'node2')))).message,
    'leases.coordination.k8s.io "node2" is forbidden: can only access node lease with the same name as the requesting node',
  );
  assert.equal(
    (await rejection(() => plugin.validate(lease('default', 'node1')))).message,
    'leases.coordination.k8s.io "node1" is forbidden: can only access leases in the "kube-node-lease" system namespace',
  );
  const csi = await rejection(() =>
    plugin.validate(attrs({ resource: 'csinodes', object: { metadata: { name: 'node2' } }, user: kubelet })),
  );
  assert.equal(
    csi.message,
    'csinodes.storage.k8s.io "node2" is forbidden: can only access CSINode with the same name as the requesting node',
  );
  const claim = {
    metadata: { name: 'c', resourceVersion: '1', labels: { a: 'b' } },
    status: { phase: 'Bound', capacity: { storage: '1Gi' } },
  };
  await plugin.validate(
    attrs({
      resource: 'persistentvolumeclaims',
      subresource: 'status',
      operation: 'UPDATE',
      name: 'c',
      user: kubelet,
      object: { ...claim, status: { phase: 'Bound', capacity: { storage: '2Gi' } } },
      oldObject: claim,
    }),
  );
  const relabel = await rejection(() =>
    plugin.validate(
      attrs({
        resource: 'persistentvolumeclaims',
        subresource: 'status',
        operation: 'UPDATE',
        name: 'c',
        user: kubelet,
        object: { ...claim, metadata: { ...claim.metadata, labels: {} } },
        oldObject: claim,
      }),
    ),
  );
  assert.match(
    relabel.message,
    /^persistentvolumeclaims "c" is forbidden: node "node1" is not allowed to update fields other than status.quantity and status.conditions/,
  );
  const spec = await rejection(() =>
    plugin.validate(
      attrs({
        resource: 'persistentvolumeclaims',
        operation: 'UPDATE',
        name: 'c',
        object: claim,
        oldObject: claim,
        user: kubelet,
      }),
    ),
  );
  assert.equal(spec.message, 'persistentvolumeclaims "c" is forbidden: may only update PVC status');
});

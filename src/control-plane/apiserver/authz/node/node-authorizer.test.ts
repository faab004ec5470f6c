import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import { resourceAttributes, type Attributes } from '../types.js';
import { NodeGraph } from './graph.js';
import { NodeAuthorizer, nodeIdentity } from './node-authorizer.js';

const node = (name: string) => ({ username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] });

function pod(
  name: string,
  nodeName: string | undefined,
  extra: Partial<NonNullable<Pod['spec']>> = {},
  annotations?: Record<string, string>,
): Pod {
  return {
    metadata: { namespace: 'ns', name, uid: `uid-${name}`, annotations },
    spec: { nodeName, containers: [{ name: 'c', image: 'i' }], ...extra },
  };
}

const richSpec: Partial<NonNullable<Pod['spec']>> = {
  serviceAccountName: 'sa1',
  imagePullSecrets: [{ name: 'pull' }],
  containers: [
    {
      name: 'c',
      image: 'i',
      env: [
        { name: 'A', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } },
      ],
      envFrom: [{ secretRef: { name: 'envfrom-secret' } }, { configMapRef: { name: 'envfrom-cm' } }],
    },
  ],
  initContainers: [
    { name: 'i', image: 'i', env: [{ name: 'C', valueFrom: { secretKeyRef: { name: 'init-secret', key: 'k' } } }] },
  ],
  volumes: [
    { name: 'v1', secret: { secretName: 'vol-secret' } },
    { name: 'v2', configMap: { name: 'vol-cm' } },
    { name: 'v3', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }] } },
    { name: 'v4', persistentVolumeClaim: { claimName: 'claim' } },
    { name: 'v5', ephemeral: { volumeClaimTemplate: { spec: {} } } },
    { name: 'v6', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi-secret' } } },
  ],
};

function setup() {
  const graph = new NodeGraph();
  const authz = new NodeAuthorizer(graph);
  const check = async (
    who: string,
    a: Omit<Attributes, 'user' | 'path' | 'isResourceRequest' | 'apiVersion'> & { fieldSelector?: string },
  ) => authz.authorize({ ...a, user: node(who), isResourceRequest: true, path: '', apiVersion: 'v1' });
  const get = (resource: string, name: string, namespace = 'ns', extra: Partial<Attributes> = {}) => ({
    verb: 'get',
    apiGroup: '',
    resource,
    subresource: '',
    name,
    namespace,
    ...extra,
  });
  return { graph, authz, check, get };
}

test('a node reads exactly the objects its pods reference', async () => {
  const { graph, check, get } = setup();
  graph.addPod(pod('web', 'n1', richSpec));
  const refs: [string, string][] = [
    ['secrets', 'pull'],
    ['secrets', 'env-secret'],
    ['secrets', 'envfrom-secret'],
    ['secrets', 'init-secret'],
    ['secrets', 'vol-secret'],
    ['secrets', 'proj-secret'],
    ['secrets', 'csi-secret'],
    ['configmaps', 'env-cm'],
    ['configmaps', 'envfrom-cm'],
    ['configmaps', 'vol-cm'],
    ['configmaps', 'proj-cm'],
    ['persistentvolumeclaims', 'claim'],
    ['persistentvolumeclaims', 'web-v5'],
  ];
  for (const [res, name] of refs) {
    assert.equal((await check('n1', get(res, name))).decision, 'Allow', `n1 ${res}/${name}`);
    assert.deepEqual(
      await check('n2', get(res, name)),
      {
        decision: 'NoOpinion',
        reason: "no relationship found between node 'n2' and this object",
      },
      `n2 ${res}/${name}`,
    );
  }
  for (const verb of ['list', 'watch']) {
    assert.equal((await check('n1', { ...get('secrets', 'pull'), verb })).decision, 'Allow');
  }
  const cases: [Partial<Attributes>, string][] = [
    [get('secrets', 'unrelated'), "no relationship found between node 'n1' and this object"],
    [get('secrets', 'pull', 'other-ns'), "no relationship found between node 'n1' and this object"],
    [{ ...get('secrets', ''), verb: 'list' }, 'No Object name found'],
    [{ ...get('secrets', 'pull'), verb: 'update' }, 'can only read resources of this type'],
    [{ ...get('secrets', 'pull'), namespace: '' }, 'can only read namespaced object of this type'],
    [{ ...get('persistentvolumeclaims', 'claim'), verb: 'list' }, 'can only get individual resources of this type'],
    [{ ...get('persistentvolumeclaims', 'claim'), verb: 'update' }, 'can only get individual resources of this type'],
  ];
  for (const [a, reason] of cases)
    assert.deepEqual(await check('n1', a as never), { decision: 'NoOpinion', reason }, JSON.stringify(a));
  // PVC status updates go through the graph too.
  assert.equal(
    (await check('n1', { ...get('persistentvolumeclaims', 'claim'), verb: 'patch', subresource: 'status' })).decision,
    'Allow',
  );
  assert.equal(
    (await check('n2', { ...get('persistentvolumeclaims', 'claim'), verb: 'patch', subresource: 'status' })).decision,
    'NoOpinion',
  );
  // Service account tokens for the pod's service account only.
  const token = {
    verb: 'create',
    apiGroup: '',
    resource: 'serviceaccounts',
    subresource: 'token',
    name: 'sa1',
    namespace: 'ns',
  };
  assert.equal((await check('n1', token)).decision, 'Allow');
  assert.equal((await check('n1', { ...token, name: 'sa2' })).decision, 'NoOpinion');
  assert.deepEqual(await check('n1', { ...token, subresource: '' }), {
    decision: 'NoOpinion',
    reason: 'can only create token subresource of serviceaccount',
  });
});

test('access is revoked when the last referencing pod goes away or moves', async () => {
  const { graph, check, get } = setup();
  graph.addPod(pod('a', 'n1', { volumes: [{ name: 'v', secret: { secretName: 'shared' } }] }));
  graph.addPod(pod('b', 'n1', { volumes: [{ name: 'v', secret: { secretName: 'shared' } }] }));
  graph.addPod(pod('c', 'n2', { volumes: [{ name: 'v', secret: { secretName: 'shared' } }] }));
  assert.equal((await check('n1', get('secrets', 'shared'))).decision, 'Allow');
  graph.deletePod('ns', 'a');
  assert.equal((await check('n1', get('secrets', 'shared'))).decision, 'Allow');
  graph.deletePod('ns', 'b');
  assert.equal((await check('n1', get('secrets', 'shared'))).decision, 'NoOpinion');
  assert.equal((await check('n2', get('secrets', 'shared'))).decision, 'Allow');
  graph.deletePod('ns', 'c');
  assert.equal((await check('n2', get('secrets', 'shared'))).decision, 'NoOpinion');
  // Orphaned vertices are gone.
  assert.equal(graph.size, 0);

  // A pod rescheduled under a new UID moves its grants; an update with the same node/UID is a no-op.
  const p = pod('d', 'n1', { volumes: [{ name: 'v', secret: { secretName: 's' } }] });
  graph.updatePod(undefined, p);
  assert.equal((await check('n1', get('secrets', 's'))).decision, 'Allow');
  const moved = { ...p, metadata: { ...p.metadata, uid: 'new' }, spec: { ...p.spec!, nodeName: 'n3' } };
  graph.updatePod(p, moved);
  assert.equal((await check('n1', get('secrets', 's'))).decision, 'NoOpinion');
  assert.equal((await check('n3', get('secrets', 's'))).decision, 'Allow');
  // Unscheduled pods grant nothing.
  graph.addPod(pod('pending', undefined, { volumes: [{ name: 'v', secret: { secretName: 'p' } }] }));
  assert.equal(graph.hasVertex('secret', 'ns', 'p'), false);
});

test('mirror pods grant nothing beyond themselves', async () => {
  const { graph, check, get } = setup();
  graph.addPod(
    pod(
      'static',
      'n1',
      { volumes: [{ name: 'v', secret: { secretName: 'x' } }] },
      { 'kubernetes.io/config.mirror': 'hash' },
    ),
  );
  assert.equal((await check('n1', get('secrets', 'x'))).decision, 'NoOpinion');
  assert.equal((await check('n1', get('pods', 'static'))).decision, 'Allow');
});

test('persistent volumes are reachable through their bound claim, and their kubelet secrets', async () => {
  const { graph, check, get } = setup();
  graph.addPod(pod('db', 'n1', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] }));
  const pv: PersistentVolume = {
    metadata: { name: 'pv1' },
    spec: {
      claimRef: { namespace: 'ns', name: 'data' },
      csi: {
        driver: 'd',
        volumeHandle: 'h',
        nodePublishSecretRef: { name: 'pub', namespace: 'sec' },
        controllerPublishSecretRef: { name: 'ctrl', namespace: 'sec' },
      },
    },
  };
  graph.addPV(pv);
  assert.equal((await check('n1', get('persistentvolumes', 'pv1', ''))).decision, 'Allow');
  assert.equal((await check('n2', get('persistentvolumes', 'pv1', ''))).decision, 'NoOpinion');
  assert.equal((await check('n1', get('secrets', 'pub', 'sec'))).decision, 'Allow');
  assert.equal((await check('n1', get('secrets', 'ctrl', 'sec'))).decision, 'NoOpinion');
  graph.deletePod('ns', 'db');
  assert.equal((await check('n1', get('persistentvolumes', 'pv1', ''))).decision, 'NoOpinion');
  graph.addVolumeAttachment('va1', 'n2');
  const va = { ...get('volumeattachments', 'va1', ''), apiGroup: 'storage.k8s.io' };
  assert.equal((await check('n2', va)).decision, 'Allow');
  assert.equal((await check('n1', va)).decision, 'NoOpinion');
});

test('nodes: own Node and pods by selector, own Lease and CSINode, static rules for the rest', async () => {
  const { graph, check, authz } = setup();
  graph.addPod(pod('web', 'n1'));
  const a = (over: Partial<Attributes>) => ({
    verb: 'get',
    apiGroup: '',
    resource: 'nodes',
    subresource: '',
    name: 'n1',
    namespace: '',
    ...over,
  });
  const table: [Partial<Attributes>, string, string][] = [
    [{}, 'Allow', ''],
    [{ name: 'n2' }, 'NoOpinion', "node 'n1' cannot read 'n2', only its own Node object"],
    [{ verb: 'list', name: '' }, 'NoOpinion', "node 'n1' cannot read all nodes, only its own Node object"],
    [{ verb: 'watch' }, 'Allow', ''],
    [{ verb: 'create', name: '' }, 'Allow', ''],
    [{ verb: 'patch', subresource: 'status', name: 'n2' }, 'Allow', ''],
    [{ verb: 'delete' }, 'NoOpinion', ''],
    [{ resource: 'pods', namespace: 'ns', name: 'web' }, 'Allow', ''],
    [
      { resource: 'pods', namespace: 'ns', name: 'other' },
      'NoOpinion',
      "no relationship found between node 'n1' and this object",
    ],
    [{ resource: 'pods', verb: 'list', name: '', fieldSelector: 'spec.nodeName=n1' }, 'Allow', ''],
    [
      { resource: 'pods', verb: 'watch', name: '', fieldSelector: 'spec.nodeName==n1,status.phase!=Failed' },
      'Allow',
      '',
    ],
    [
      { resource: 'pods', verb: 'list', name: '', fieldSelector: 'spec.nodeName=n2' },
      'NoOpinion',
      'can only list/watch pods with spec.nodeName field selector',
    ],
    [
      { resource: 'pods', verb: 'list', name: '', fieldSelector: 'spec.nodeName!=n1' },
      'NoOpinion',
      'can only list/watch pods with spec.nodeName field selector',
    ],
    [
      { resource: 'pods', verb: 'list', name: '' },
      'NoOpinion',
      'can only list/watch pods with spec.nodeName field selector',
    ],
    [{ resource: 'pods', verb: 'patch', subresource: 'status', namespace: 'ns', name: 'x' }, 'Allow', ''],
    [{ resource: 'pods', verb: 'create', subresource: 'eviction', namespace: 'ns', name: 'x' }, 'Allow', ''],
    [{ resource: 'pods', verb: 'update', namespace: 'ns', name: 'web' }, 'NoOpinion', ''],
    [
      { apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', verb: 'update' },
      'Allow',
      '',
    ],
    [
      { apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', verb: 'create', name: '' },
      'Allow',
      '',
    ],
    [
      { apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n2' },
      'NoOpinion',
      'can only access node lease with the same name as the requesting node',
    ],
    [
      { apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'default' },
      'NoOpinion',
      'can only access leases in the "kube-node-lease" system namespace',
    ],
    [
      { apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', verb: 'list', name: '' },
      'NoOpinion',
      'can only get, create, update, patch, or delete a node lease',
    ],
    [{ apiGroup: 'storage.k8s.io', resource: 'csinodes', verb: 'patch' }, 'Allow', ''],
    [
      { apiGroup: 'storage.k8s.io', resource: 'csinodes', name: 'n2' },
      'NoOpinion',
      'can only access CSINode with the same name as the requesting node',
    ],
    // Static system:node rules.
    [{ resource: 'events', verb: 'create', namespace: 'ns', name: '' }, 'Allow', ''],
    [{ resource: 'services', verb: 'list', namespace: '', name: '' }, 'Allow', ''],
    [{ apiGroup: 'node.k8s.io', resource: 'runtimeclasses', verb: 'get', name: 'rc' }, 'Allow', ''],
    [{ resource: 'namespaces', verb: 'delete', name: 'ns' }, 'NoOpinion', ''],
  ];
  for (const [over, decision, reason] of table) {
    assert.deepEqual(await check('n1', a(over) as never), { decision, reason }, JSON.stringify(over));
  }
  // Not a node: no opinion at all; a node without name: a reason.
  const other = await authz.authorize(
    resourceAttributes({ username: 'system:node:n1', groups: [] }, { verb: 'get', resource: 'nodes', name: 'n1' }),
  );
  assert.deepEqual(other, { decision: 'NoOpinion', reason: '' });
  const anon = await authz.authorize(
    resourceAttributes({ username: 'system:node:', groups: ['system:nodes'] }, { verb: 'get', resource: 'nodes' }),
  );
  assert.deepEqual(anon, { decision: 'NoOpinion', reason: 'unknown node for user "system:node:"' });
  assert.equal(nodeIdentity({ username: 'system:node:x', groups: ['system:nodes'] }), 'x');
  assert.equal(nodeIdentity({ username: 'alice', groups: ['system:nodes'] }), undefined);
  assert.equal((await authz.rulesFor(node('n1'))).incomplete, true);
});

test('resource claims are subdivided only with DynamicResourceAllocation', async () => {
  const graph = new NodeGraph();
  const claims = { resourceClaims: [{ name: 'gpu', resourceClaimName: 'my-gpu' }] } as never;
  graph.addPod(pod('ml', 'n1', claims));
  const claimAttrs = (who: string) =>
    resourceAttributes(node(who), {
      verb: 'get',
      apiGroup: 'resource.k8s.io',
      resource: 'resourceclaims',
      name: 'my-gpu',
      namespace: 'ns',
    });
  const withDRA = new NodeAuthorizer(graph, { dynamicResourceAllocation: true });
  assert.equal((await withDRA.authorize(claimAttrs('n1'))).decision, 'Allow');
  assert.equal((await withDRA.authorize(claimAttrs('n2'))).decision, 'NoOpinion');
  // Without the gate the request falls to the static rules, which do not mention claims.
  assert.equal((await new NodeAuthorizer(graph).authorize(claimAttrs('n1'))).decision, 'NoOpinion');
});

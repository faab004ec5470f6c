import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
} from '../../../../api/validation/rbac.js';
import { resourceAttributes, nonResourceAttributes, type Attributes } from '../types.js';
import { aggregateAll, aggregatedRules } from './aggregation.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { MemoryRbacSource, user } from './testing.js';

test('bootstrap objects are valid, labelled, annotated and uniquely named', () => {
  const p = bootstrapPolicy();
  const all = [...p.clusterRoles, ...p.clusterRoleBindings, ...p.roles, ...p.roleBindings];
  for (const o of all) {
    assert.equal(o.metadata?.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata?.name);
    assert.equal(o.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true', o.metadata?.name);
  }
  for (const r of p.clusterRoles) assert.deepEqual(validateClusterRole(r), [], r.metadata?.name);
  for (const b of p.clusterRoleBindings) assert.deepEqual(validateClusterRoleBinding(b), [], b.metadata?.name);
  for (const r of p.roles) assert.deepEqual(validateRole(r), [], r.metadata?.name);
  for (const b of p.roleBindings) assert.deepEqual(validateRoleBinding(b), [], b.metadata?.name);
  const names = (xs: { metadata?: { name?: string; namespace?: string } }[]) =>
    xs.map((x) => `${x.metadata?.namespace ?? ''}/${x.metadata?.name}`);
  for (const list of [p.clusterRoles, p.clusterRoleBindings, p.roles, p.roleBindings]) {
    assert.equal(new Set(names(list)).size, list.length);
  }
  // Every binding references a role that exists.
  const crNames = new Set(p.clusterRoles.map((r) => r.metadata!.name));
  for (const b of p.clusterRoleBindings) assert.ok(crNames.has(b.roleRef.name), b.metadata?.name);
  for (const b of p.roleBindings) {
    assert.ok(
      p.roles.some((r) => r.metadata?.name === b.roleRef.name && r.metadata?.namespace === b.metadata?.namespace),
      b.metadata?.name,
    );
  }
});

test('well-known roles and bindings are present as upstream defines them', () => {
  const p = bootstrapPolicy();
  const cr = (n: string) => p.clusterRoles.find((r) => r.metadata?.name === n);
  const crb = (n: string) => p.clusterRoleBindings.find((r) => r.metadata?.name === n);
  for (const n of [
    'cluster-admin',
    'admin',
    'edit',
    'view',
    'system:discovery',
    'system:basic-user',
    'system:public-info-viewer',
    'system:node',
    'system:node-proxier',
    'system:kube-scheduler',
    'system:kube-controller-manager',
    'system:volume-scheduler',
    'system:monitoring',
    'system:auth-delegator',
    'system:heapster',
    'system:kube-dns',
    'system:service-account-issuer-discovery',
    'system:controller:replicaset-controller',
    'system:controller:deployment-controller',
    'system:controller:namespace-controller',
    'system:controller:generic-garbage-collector',
    'system:controller:endpoint-controller',
    'system:controller:endpointslice-controller',
    'system:controller:job-controller',
    'system:controller:cronjob-controller',
    'system:controller:statefulset-controller',
    'system:controller:daemon-set-controller',
    'system:controller:node-controller',
    'system:controller:service-account-controller',
    'system:controller:root-ca-cert-publisher',
    'system:controller:pod-garbage-collector',
    'system:controller:disruption-controller',
    'system:controller:resourcequota-controller',
    'system:controller:ttl-after-finished-controller',
    'system:controller:horizontal-pod-autoscaler',
    'system:controller:clusterrole-aggregation-controller',
    'system:controller:certificate-controller',
  ]) {
    assert.ok(cr(n), n);
  }
  assert.deepEqual(cr('cluster-admin')!.rules, [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verbs: ['*'], nonResourceURLs: ['*'] },
  ]);
  assert.deepEqual(cr('admin')!.aggregationRule, {
    clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }],
  });
  assert.equal(cr('admin')!.rules, undefined);
  assert.equal(cr('edit')!.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-admin'], 'true');
  assert.equal(cr('view')!.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
  assert.deepEqual(crb('cluster-admin')!.subjects, [
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' },
  ]);
  assert.equal(crb('system:node')!.subjects, undefined);
  assert.deepEqual(crb('system:controller:replicaset-controller')!.subjects, [
    { kind: 'ServiceAccount', name: 'replicaset-controller', namespace: 'kube-system' },
  ]);
  assert.deepEqual(cr('system:controller:replicaset-controller')!.rules![0], {
    verbs: ['get', 'list', 'update', 'watch'],
    apiGroups: ['apps', 'extensions'],
    resources: ['replicasets'],
  });
  // Every controller role is bound to its ServiceAccount in kube-system.
  for (const r of p.clusterRoles.filter((r) => r.metadata!.name!.startsWith('system:controller:'))) {
    const b = crb(r.metadata!.name!);
    assert.equal(b?.subjects?.[0]?.name, r.metadata!.name!.slice('system:controller:'.length));
  }
  const kubeSystemRoles = p.roles.filter((r) => r.metadata?.namespace === 'kube-system').map((r) => r.metadata?.name);
  assert.ok(kubeSystemRoles.includes('system:controller:bootstrap-signer'));
  assert.ok(kubeSystemRoles.includes('system:controller:token-cleaner'));
  assert.ok(kubeSystemRoles.includes('extension-apiserver-authentication-reader'));
  // Fresh copies: changing one result does not leak into the next.
  p.clusterRoles[0]!.rules!.push({ verbs: ['x'], nonResourceURLs: ['/x'] });
  assert.equal(bootstrapPolicy().clusterRoles[0]!.rules!.length, 2);
});

test('aggregation: union of matching roles sorted by name, without duplicates or itself', () => {
  const mk = (name: string, labels: Record<string, string>, rules: ClusterRole['rules']): ClusterRole => ({
    metadata: { name, labels },
    rules,
  });
  const roles = [
    mk('z', { pick: 'yes' }, [{ verbs: ['get'], apiGroups: [''], resources: ['z'] }]),
    mk('a', { pick: 'yes' }, [
      { verbs: ['get'], apiGroups: [''], resources: ['a'] },
      { verbs: ['get'], apiGroups: [''], resources: ['z'] },
    ]),
    mk('other', { pick: 'no' }, [{ verbs: ['get'], apiGroups: [''], resources: ['o'] }]),
  ];
  const agg: ClusterRole = {
    metadata: { name: 'agg', labels: { pick: 'yes' } },
    aggregationRule: {
      clusterRoleSelectors: [
        { matchLabels: { pick: 'yes' } },
        { matchExpressions: [{ key: 'pick', operator: 'In', values: ['no'] }] },
      ],
    },
    rules: [{ verbs: ['stale'], apiGroups: [''], resources: ['x'] }],
  };
  assert.deepEqual(aggregatedRules(agg, [...roles, agg]), [
    { verbs: ['get'], apiGroups: [''], resources: ['a'] },
    { verbs: ['get'], apiGroups: [''], resources: ['z'] },
    { verbs: ['get'], apiGroups: [''], resources: ['o'] },
  ]);
  assert.equal(aggregatedRules(roles[0]!, roles), undefined);
  assert.deepEqual(aggregatedRules({ metadata: { name: 'e' }, aggregationRule: {} }, roles), []);
});

test('aggregated default roles give view < edit < admin the upstream powers', async () => {
  const p = bootstrapPolicy({ aggregate: true });
  const src = new MemoryRbacSource();
  src.clusterRoles = p.clusterRoles;
  src.clusterRoleBindings = p.clusterRoleBindings;
  src.roleBindings = ['view', 'edit', 'admin'].map((r) => ({
    metadata: { namespace: 'team', name: r },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: r },
    subjects: [user(`${r}-user`)],
  }));
  const rbac = new RbacAuthorizer(src);
  const u = (name: string) => ({ username: name, groups: ['system:authenticated'] });
  const can = async (who: string, a: Omit<Attributes, 'user'>) =>
    (await rbac.authorize({ ...a, user: u(who) })).decision === 'Allow';
  const res = (verb: string, resource: string, apiGroup = '', subresource = '') =>
    resourceAttributes(u('x'), { verb, resource, apiGroup, subresource, namespace: 'team' });
  const table: [string, ReturnType<typeof res>, [boolean, boolean, boolean]][] = [
    ['get pods', res('get', 'pods'), [true, true, true]],
    ['get pods/log', res('get', 'pods', '', 'log'), [true, true, true]],
    ['get secrets', res('get', 'secrets'), [false, true, true]],
    ['create pods', res('create', 'pods'), [false, true, true]],
    ['create pods/exec', res('create', 'pods', '', 'exec'), [false, true, true]],
    ['patch deployments', res('patch', 'deployments', 'apps'), [false, true, true]],
    ['update deployments/scale', res('update', 'deployments', 'apps', 'scale'), [false, true, true]],
    ['create roles', res('create', 'roles', 'rbac.authorization.k8s.io'), [false, false, true]],
    ['update resourcequotas', res('update', 'resourcequotas'), [false, false, false]],
    ['delete namespaces', res('delete', 'namespaces'), [false, false, false]],
  ];
  for (const [what, a, [view, edit, admin]] of table) {
    assert.equal(await can('view-user', a), view, `view ${what}`);
    assert.equal(await can('edit-user', a), edit, `edit ${what}`);
    assert.equal(await can('admin-user', a), admin, `admin ${what}`);
  }
  // Defaults for everyone authenticated: discovery and self reviews, not more.
  assert.equal(await can('nobody', nonResourceAttributes(u('x'), 'get', '/apis/apps/v1')), true);
  assert.equal(await can('nobody', nonResourceAttributes(u('x'), 'get', '/metrics')), false);
  assert.equal(
    await can(
      'nobody',
      resourceAttributes(u('x'), {
        verb: 'create',
        apiGroup: 'authorization.k8s.io',
        resource: 'selfsubjectaccessreviews',
      }),
    ),
    true,
  );
  // The aggregation controller converges: running it again changes nothing.
  assert.deepEqual(aggregateAll(p.clusterRoles), p.clusterRoles);
});

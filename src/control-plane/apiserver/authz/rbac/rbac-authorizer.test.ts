import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrivilegedGroupsAuthorizer } from '../privileged-groups.js';
import { nonResourceAttributes, resourceAttributes, type Decision } from '../types.js';
import { UnionAuthorizer } from '../union.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { group, MemoryRbacSource, sa, user } from './testing.js';

const alice = { username: 'alice', groups: ['system:authenticated'] };
const bob = { username: 'bob', groups: ['devs', 'system:authenticated'] };
const carol = { username: 'carol', groups: ['system:authenticated'] };
const robot = {
  username: 'system:serviceaccount:ns1:robot',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'],
};
const otherRobot = {
  username: 'system:serviceaccount:ns2:robot',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:ns2'],
};
const admin = { username: 'root', groups: ['system:masters'] };

function source(async: boolean): MemoryRbacSource {
  return new MemoryRbacSource(async)
    .clusterRole('pod-reader', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }])
    .clusterRole('deploy-admin', [
      { verbs: ['*'], apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'] },
    ])
    .clusterRole('health', [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/healthz/*'] }])
    .role('ns1', 'secret-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] }])
    .clusterRoleBinding('read-pods-global', 'pod-reader', [group('devs')])
    .clusterRoleBinding('health-all', 'health', [group('system:authenticated')])
    .roleBinding('ns1', 'deployers', { kind: 'ClusterRole', name: 'deploy-admin' }, [user('alice')])
    .roleBinding('ns1', 'sa-secrets', { kind: 'Role', name: 'secret-reader' }, [sa('robot')])
    .roleBinding('ns2', 'sa-pods', { kind: 'ClusterRole', name: 'pod-reader' }, [sa('robot', 'ns1')])
    .roleBinding('ns3', 'broken', { kind: 'Role', name: 'missing' }, [user('alice')]);
}

type Row = [
  user: typeof alice,
  verb: string,
  group: string,
  resource: string,
  ns: string,
  name: string,
  want: Decision,
];

const matrix: Row[] = [
  // Group binding, cluster-wide.
  [bob, 'list', '', 'pods', 'any', '', 'Allow'],
  [bob, 'list', '', 'pods', '', '', 'Allow'],
  [bob, 'delete', '', 'pods', 'ns1', 'p', 'NoOpinion'],
  [bob, 'get', '', 'secrets', 'ns1', 's1', 'NoOpinion'],
  // RoleBinding to a ClusterRole grants only inside its namespace.
  [alice, 'create', 'apps', 'deployments', 'ns1', '', 'Allow'],
  [alice, 'update', 'apps', 'deployments/scale', 'ns1', 'd', 'Allow'],
  [alice, 'create', 'apps', 'deployments', 'ns2', '', 'NoOpinion'],
  [alice, 'create', 'apps', 'deployments', '', '', 'NoOpinion'],
  [alice, 'list', '', 'pods', 'ns1', '', 'NoOpinion'],
  [alice, 'get', 'extensions', 'deployments', 'ns1', 'd', 'NoOpinion'],
  // ServiceAccount subjects: implicit namespace in the binding's, explicit across namespaces.
  [robot, 'get', '', 'secrets', 'ns1', 's1', 'Allow'],
  [robot, 'get', '', 'secrets', 'ns1', 's2', 'NoOpinion'],
  [robot, 'list', '', 'secrets', 'ns1', '', 'NoOpinion'],
  [robot, 'watch', '', 'pods', 'ns2', '', 'Allow'],
  [robot, 'watch', '', 'pods', 'ns1', '', 'NoOpinion'],
  [otherRobot, 'get', '', 'secrets', 'ns1', 's1', 'NoOpinion'],
  [otherRobot, 'list', '', 'pods', 'ns2', '', 'NoOpinion'],
  // Nobody bound.
  [carol, 'get', '', 'pods', 'ns1', 'p', 'NoOpinion'],
];

for (const async of [false, true]) {
  test(`RBAC decision matrix (${async ? 'async' : 'sync'} source)`, async () => {
    const rbac = new RbacAuthorizer(source(async));
    for (const [u, verb, g, res, ns, name, want] of matrix) {
      const [resource, subresource] = res.split('/');
      const r = await rbac.authorize(
        resourceAttributes(u, { verb, apiGroup: g, resource: resource!, subresource, namespace: ns, name }),
      );
      assert.equal(r.decision, want, `${u.username} ${verb} ${g}/${res} ns=${ns} name=${name}`);
    }
  });
}

test('RBAC allow reasons describe the binding, role and subject', async () => {
  const rbac = new RbacAuthorizer(source(false));
  const cases = [
    {
      a: resourceAttributes(bob, { verb: 'get', resource: 'pods', namespace: 'x', name: 'p' }),
      reason: 'RBAC: allowed by ClusterRoleBinding "read-pods-global" of ClusterRole "pod-reader" to Group "devs"',
    },
    {
      a: resourceAttributes(alice, { verb: 'get', apiGroup: 'apps', resource: 'deployments', namespace: 'ns1' }),
      reason: 'RBAC: allowed by RoleBinding "deployers/ns1" of ClusterRole "deploy-admin" to User "alice"',
    },
    {
      a: resourceAttributes(robot, { verb: 'get', resource: 'secrets', namespace: 'ns1', name: 's1' }),
      reason: 'RBAC: allowed by RoleBinding "sa-secrets/ns1" of Role "secret-reader" to ServiceAccount "robot/ns1"',
    },
    {
      a: nonResourceAttributes(carol, 'get', '/healthz/etcd'),
      reason:
        'RBAC: allowed by ClusterRoleBinding "health-all" of ClusterRole "health" to Group "system:authenticated"',
    },
  ];
  for (const c of cases) assert.deepEqual(await rbac.authorize(c.a), { decision: 'Allow', reason: c.reason });
});

test('RBAC reports unreadable roles as the no-opinion reason', async () => {
  const rbac = new RbacAuthorizer(source(false));
  const r = await rbac.authorize(
    resourceAttributes(alice, { verb: 'get', resource: 'pods', namespace: 'ns3', name: 'p' }),
  );
  assert.deepEqual(r, { decision: 'NoOpinion', reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found' });
  const src = source(false)
    .clusterRoleBinding('dangling', 'gone', [user('carol')])
    .clusterRoleBinding('dangling2', 'gone2', [user('carol')]);
  const r2 = await new RbacAuthorizer(src).authorize(nonResourceAttributes(carol, 'get', '/metrics'));
  assert.equal(
    r2.reason,
    'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, clusterrole.rbac.authorization.k8s.io "gone2" not found]',
  );
  // A failing lookup is an error, not a crash; other bindings still apply.
  const failing = source(false);
  failing.listRoleBindings = () => {
    throw new Error('cache not synced');
  };
  const rf = new RbacAuthorizer(failing);
  assert.deepEqual(
    await rf.authorize(
      resourceAttributes(alice, { verb: 'get', apiGroup: 'apps', resource: 'deployments', namespace: 'ns1' }),
    ),
    {
      decision: 'NoOpinion',
      reason: 'RBAC: cache not synced',
    },
  );
  assert.equal(
    (await rf.authorize(resourceAttributes(bob, { verb: 'get', resource: 'pods', namespace: 'ns1' }))).decision,
    'Allow',
  );
});

test('system:masters is always allowed ahead of RBAC; other users fall through with reasons joined', async () => {
  const chain = new UnionAuthorizer([new PrivilegedGroupsAuthorizer(), new RbacAuthorizer(source(false))]);
  assert.equal(
    (await chain.authorize(resourceAttributes(admin, { verb: 'delete', resource: 'nodes', name: 'n' }))).decision,
    'Allow',
  );
  assert.equal((await chain.authorize(nonResourceAttributes(admin, 'post', '/anything'))).decision, 'Allow');
  const r = await chain.authorize(resourceAttributes(alice, { verb: 'get', resource: 'pods', namespace: 'ns3' }));
  assert.deepEqual(r, { decision: 'NoOpinion', reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found' });
});

test('union authorizer: first Allow or Deny wins, NoOpinion reasons joined by newlines', async () => {
  const fixed = (decision: Decision, reason: string) => ({ authorize: async () => ({ decision, reason }) });
  const a = resourceAttributes(alice, { verb: 'get', resource: 'pods' });
  assert.deepEqual(
    await new UnionAuthorizer([fixed('NoOpinion', 'a'), fixed('Deny', 'no'), fixed('Allow', 'yes')]).authorize(a),
    {
      decision: 'Deny',
      reason: 'no',
    },
  );
  assert.deepEqual(
    await new UnionAuthorizer([fixed('NoOpinion', 'a'), fixed('NoOpinion', ''), fixed('NoOpinion', 'b')]).authorize(a),
    {
      decision: 'NoOpinion',
      reason: 'a\nb',
    },
  );
});

test('rulesFor lists cluster-wide and namespace rules for SelfSubjectRulesReview', async () => {
  const rbac = new RbacAuthorizer(source(false));
  const ns1 = await rbac.rulesFor(robot, 'ns1');
  assert.deepEqual(ns1, {
    resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] }],
    nonResourceRules: [],
    incomplete: false,
  });
  const bobRules = await rbac.rulesFor(bob, 'ns1');
  assert.deepEqual(bobRules.resourceRules, [
    { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'], resourceNames: [] },
  ]);
  assert.deepEqual(bobRules.nonResourceRules, [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/healthz/*'] }]);
  const broken = await rbac.rulesFor(alice, 'ns3');
  assert.equal(broken.evaluationError, 'role.rbac.authorization.k8s.io "missing" not found');
  assert.equal(broken.incomplete, false);
});

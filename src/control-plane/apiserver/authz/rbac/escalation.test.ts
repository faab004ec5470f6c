import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { StatusError } from '../../../../api/errors/status-error.js';
import { compactRules, compactString, covers } from './covers.js';
import { RbacEscalationGuard } from './escalation.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { group, MemoryRbacSource, user } from './testing.js';

const bob = { username: 'bob', groups: ['devs', 'system:authenticated'] };
const dave = { username: 'dave', groups: ['system:authenticated'] };
const root = { username: 'root', groups: ['system:masters'] };

function setup() {
  const src = new MemoryRbacSource()
    .clusterRole('pod-reader', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }])
    .clusterRole('deploy-admin', [{ verbs: ['*'], apiGroups: ['apps'], resources: ['deployments'] }])
    .clusterRole('role-writer', [
      { verbs: ['create', 'update'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] },
    ])
    .clusterRole('escalator', [{ verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }])
    .clusterRole('binder', [
      {
        verbs: ['bind'],
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: ['clusterroles'],
        resourceNames: ['deploy-admin'],
      },
    ])
    .clusterRoleBinding('devs-read', 'pod-reader', [group('devs')])
    .clusterRoleBinding('devs-write', 'role-writer', [group('devs')])
    .roleBinding('esc', 'dave-escalate', { kind: 'ClusterRole', name: 'escalator' }, [user('dave')])
    .roleBinding('bind', 'dave-bind', { kind: 'ClusterRole', name: 'binder' }, [user('dave')]);
  const rbac = new RbacAuthorizer(src);
  return { src, guard: new RbacEscalationGuard(rbac.resolver, rbac) };
}

async function forbiddenMessage(p: Promise<void>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    return err.message;
  }
}

const role = (name: string, rules: PolicyRule[]) => ({ metadata: { name, namespace: 'ns1' }, rules });

test("creating a Role is refused beyond the creator's permissions, with upstream's text", async () => {
  const { guard } = setup();
  const req = { user: bob, namespace: 'ns1', requestName: '' };
  assert.equal(
    await forbiddenMessage(
      guard.checkRoleWrite(req, 'Role', role('r', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }])),
    ),
    undefined,
  );
  assert.equal(
    await forbiddenMessage(
      guard.checkRoleWrite(
        req,
        'Role',
        role('r', [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]),
      ),
    ),
    'roles.rbac.authorization.k8s.io "r" is forbidden: user "bob" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
  );
  assert.equal(
    await forbiddenMessage(
      guard.checkRoleWrite(
        req,
        'Role',
        role('r', [
          { verbs: ['delete', 'create'], apiGroups: [''], resources: ['secrets', 'pods'] },
          { verbs: ['get'], nonResourceURLs: ['/metrics'] },
          { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] },
        ]),
      ),
    ),
    'roles.rbac.authorization.k8s.io "r" is forbidden: user "bob" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
      [
        '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get"]}',
        '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["b"], Verbs:["get"]}',
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "create"]}',
        '{APIGroups:[""], Resources:["secrets"], Verbs:["delete" "create"]}',
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
      ].join('\n'),
  );
});

test("RbacAuthorizer.confirmNoEscalation throws upstream's text without the 403 wrapper", async () => {
  const rbac = new RbacAuthorizer(setup().src);
  await rbac.confirmNoEscalation(bob, [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }], 'ns1');
  await assert.rejects(
    rbac.confirmNoEscalation(dave, [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }], 'ns1'),
    {
      message:
        'user "dave" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}',
    },
  );
});

test('escalate permission, system:masters and GC-only updates skip the check', async () => {
  const { guard } = setup();
  const wide = role('r', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
  assert.equal(
    await forbiddenMessage(guard.checkRoleWrite({ user: dave, namespace: 'esc', requestName: '' }, 'Role', wide)),
    undefined,
  );
  assert.match(
    (await forbiddenMessage(guard.checkRoleWrite({ user: dave, namespace: 'other', requestName: '' }, 'Role', wide)))!,
    /not currently held/,
  );
  assert.equal(
    await forbiddenMessage(guard.checkRoleWrite({ user: root, namespace: 'x', requestName: '' }, 'ClusterRole', wide)),
    undefined,
  );
  const old = structuredClone(wide);
  const gcOnly = { ...structuredClone(wide), metadata: { ...wide.metadata, finalizers: ['x'], ownerReferences: [] } };
  assert.equal(
    await forbiddenMessage(
      guard.checkRoleWrite({ user: bob, namespace: 'ns1', requestName: 'r' }, 'Role', gcOnly, old),
    ),
    undefined,
  );
  const changed = { ...gcOnly, rules: [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }] };
  assert.match(
    (await forbiddenMessage(
      guard.checkRoleWrite({ user: bob, namespace: 'ns1', requestName: 'r' }, 'Role', changed, old),
    ))!,
    /not currently held/,
  );
});

test('aggregated ClusterRoles need full authority', async () => {
  const { guard } = setup();
  const agg = {
    metadata: { name: 'agg' },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] },
    rules: [],
  };
  assert.equal(
    await forbiddenMessage(guard.checkRoleWrite({ user: bob, namespace: '', requestName: '' }, 'ClusterRole', agg)),
    'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
  );
  assert.equal(
    await forbiddenMessage(guard.checkRoleWrite({ user: root, namespace: '', requestName: '' }, 'ClusterRole', agg)),
    undefined,
  );
});

test('binding a role needs its permissions or bind on it', async () => {
  const { guard } = setup();
  const binding = (ns: string, kind: 'Role' | 'ClusterRole', name: string) => ({
    metadata: { name: 'b', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
    subjects: [user('eve')],
  });
  const asBob = (ns: string) => ({ user: bob, namespace: ns, requestName: '' });
  assert.equal(
    await forbiddenMessage(
      guard.checkBindingWrite(asBob('ns1'), 'RoleBinding', binding('ns1', 'ClusterRole', 'pod-reader')),
    ),
    undefined,
  );
  assert.equal(
    await forbiddenMessage(
      guard.checkBindingWrite(asBob('ns1'), 'RoleBinding', binding('ns1', 'ClusterRole', 'deploy-admin')),
    ),
    'rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "bob" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:["apps"], Resources:["deployments"], Verbs:["*"]}',
  );
  assert.equal(
    await forbiddenMessage(guard.checkBindingWrite(asBob('ns1'), 'RoleBinding', binding('ns1', 'Role', 'nope'))),
    'rolebindings.rbac.authorization.k8s.io "b" is forbidden: role.rbac.authorization.k8s.io "nope" not found',
  );
  // dave may bind deploy-admin, in namespace "bind" only, and only that role.
  const asDave = (ns: string) => ({ user: dave, namespace: ns, requestName: '' });
  assert.equal(
    await forbiddenMessage(
      guard.checkBindingWrite(asDave('bind'), 'RoleBinding', binding('bind', 'ClusterRole', 'deploy-admin')),
    ),
    undefined,
  );
  assert.match(
    (await forbiddenMessage(
      guard.checkBindingWrite(asDave('ns1'), 'RoleBinding', binding('ns1', 'ClusterRole', 'deploy-admin')),
    ))!,
    /not currently held/,
  );
  assert.match(
    (await forbiddenMessage(
      guard.checkBindingWrite(asDave('bind'), 'RoleBinding', binding('bind', 'ClusterRole', 'escalator')),
    ))!,
    /not currently held/,
  );
  const crb = {
    metadata: { name: 'c' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'deploy-admin' },
    subjects: [],
  };
  assert.match(
    (await forbiddenMessage(
      guard.checkBindingWrite({ user: bob, namespace: '', requestName: '' }, 'ClusterRoleBinding', crb),
    ))!,
    /^clusterrolebindings\.rbac\.authorization\.k8s\.io "c" is forbidden: user "bob"/,
  );
});

test('covers: subresource wildcards, resource names and URL prefixes', () => {
  const owner: PolicyRule[] = [
    { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] },
    { verbs: ['get'], nonResourceURLs: ['/logs/*'] },
  ];
  const cases: { servant: PolicyRule; want: boolean }[] = [
    { servant: { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }, want: true },
    { servant: { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }, want: false },
    { servant: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, want: true },
    { servant: { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, want: false },
    { servant: { verbs: ['get'], nonResourceURLs: ['/logs/kubelet'] }, want: true },
    { servant: { verbs: ['get'], nonResourceURLs: ['/logs*'] }, want: false },
  ];
  for (const c of cases) assert.equal(covers(owner, [c.servant]).covered, c.want, JSON.stringify(c.servant));
  assert.equal(
    compactString({ verbs: ['get', 'list'], apiGroups: ['a', 'b'], resources: ['x'] }),
    '{APIGroups:["a" "b"], Resources:["x"], Verbs:["get" "list"]}',
  );
  assert.deepEqual(
    compactRules([
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['x'] },
    ]),
    [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['x'] },
    ],
  );
});

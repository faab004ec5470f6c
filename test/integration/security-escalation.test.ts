import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminIdentity, certIdentity, ok, type Identity } from './fixtures/security/identities.js';
import { securityFixture } from './fixtures/security/paths.js';
import { waitFor } from './fixtures/security/wait.js';

/**
 * Issue 5 acceptance: RBAC escalation attempts are refused with upstream's
 * text (`registry/rbac/.../policybased` + `ConfirmNoEscalation`), `escalate`
 * and `bind` lift exactly the checks they are meant to, and a refused write
 * leaves nothing behind.
 */
const role = (name: string, rules: object[]) =>
  JSON.stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace: 'esc' },
    rules,
  });
const binding = (name: string, kind: 'Role' | 'ClusterRole', ref: string) =>
  JSON.stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: 'esc' },
    subjects: [{ kind: 'User', name: 'rita', apiGroup: 'rbac.authorization.k8s.io' }],
    roleRef: { kind, name: ref, apiGroup: 'rbac.authorization.k8s.io' },
  });
const secretsGet = { apiGroups: [''], resources: ['secrets'], verbs: ['get'] };
const ritaPrefix =
  'user "rita" (groups=["escalators" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n';

describe('security: RBAC escalation prevention with real kubectl', () => {
  let c: TestCluster;
  let admin: Identity;
  let rita: Identity;
  let carl: Identity;

  const exists = async (kind: string, name: string, ns = 'esc') =>
    (await admin.kubectl(['get', kind, name, ...(ns ? ['-n', ns] : []), '-o', 'name'])).code === 0;

  before(async () => {
    c = await startTestCluster();
    admin = adminIdentity(c);
    ok(await admin.kubectl(['apply', '-f', '-'], { stdin: securityFixture('escalation.yaml') }), 'apply fixture');
    rita = certIdentity(c, 'rita', ['escalators']);
    carl = certIdentity(c, 'carl');
    await waitFor('grants', async () => {
      const [a, b] = await Promise.all([
        rita.kubectl(['auth', 'can-i', 'create', 'roles', '-n', 'esc']),
        carl.kubectl(['auth', 'can-i', 'create', 'clusterroles']),
      ]);
      return a.stdout.trim() === 'yes' && b.stdout.trim() === 'yes';
    });
  });

  after(async () => {
    await c?.dispose();
  });

  test('creating a Role with rules the user holds is allowed', async () => {
    const r = ok(
      await rita.kubectl(['create', '-f', '-'], {
        stdin: role('cm-reader', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]),
      }),
      'create role',
    );
    assert.equal(r.stdout.trim(), 'role.rbac.authorization.k8s.io/cm-reader created');
  });

  test('creating a Role with rules the user does not hold is refused with upstream text', async () => {
    const r = await rita.kubectl(['create', '-f', '-'], { stdin: role('secret-reader', [secretsGet]) });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): error when creating "STDIN": roles.rbac.authorization.k8s.io "secret-reader" is forbidden: ' +
        ritaPrefix +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    assert.equal(await exists('role', 'secret-reader'), false);
  });

  test('every missing rule is listed (compacted by resource, as upstream CompactRules), sorted', async () => {
    const r = await rita.kubectl(['create', '-f', '-'], {
      stdin: role('wide', [
        { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'delete'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] },
      ]),
    });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): error when creating "STDIN": roles.rbac.authorization.k8s.io "wide" is forbidden: ' +
        ritaPrefix +
        [
          '{APIGroups:[""], Resources:["configmaps"], Verbs:["delete"]}',
          '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
          '{APIGroups:["apps"], Resources:["deployments"], Verbs:["list"]}',
        ].join('\n'),
    );
  });

  test('updating a held Role to add rules the user does not hold is refused', async () => {
    const r = await rita.kubectl(['replace', '-f', '-'], {
      stdin: role('cm-reader', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }, secretsGet]),
    });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): error when replacing "STDIN": roles.rbac.authorization.k8s.io "cm-reader" is forbidden: ' +
        ritaPrefix +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    const got = JSON.parse(
      ok(await admin.kubectl(['get', 'role', 'cm-reader', '-n', 'esc', '-o', 'json']), 'get').stdout,
    );
    assert.deepEqual(got.rules, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]);
  });

  test('binding a ClusterRole the user holds in the namespace is allowed', async () => {
    const r = ok(
      await rita.kubectl(['create', '-f', '-'], { stdin: binding('rita-cm', 'ClusterRole', 'configmap-reader') }),
      'bind',
    );
    assert.equal(r.stdout.trim(), 'rolebinding.rbac.authorization.k8s.io/rita-cm created');
  });

  test('binding a ClusterRole the user does not hold, without bind, is refused', async () => {
    const r = await rita.kubectl(['create', '-f', '-'], { stdin: binding('rita-admin', 'ClusterRole', 'admin') });
    assert.equal(r.code, 1);
    assert.ok(
      r.stderr.startsWith(
        'Error from server (Forbidden): error when creating "STDIN": rolebindings.rbac.authorization.k8s.io "rita-admin" is forbidden: ' +
          ritaPrefix,
      ),
      r.stderr,
    );
    // admin's rules minus what rita holds: configmaps get/list are not listed, secrets are.
    assert.match(r.stderr, /^\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\[[^\]]*"create"[^\]]*\]\}$/m);
    assert.match(
      r.stderr,
      /^\{APIGroups:\[""\], Resources:\["configmaps"\], Verbs:\["create" "delete" "deletecollection" "patch" "update" "watch"\]\}$/m,
    );
    assert.equal(await exists('rolebinding', 'rita-admin'), false);
    const v = await rita.kubectl(['create', '-f', '-'], { stdin: binding('rita-view', 'ClusterRole', 'view') });
    assert.equal(v.code, 1);
    assert.match(v.stderr, /rolebindings\.rbac\.authorization\.k8s\.io "rita-view" is forbidden: user "rita"/);
  });

  test('with escalate on roles, the Role with unheld rules can be created', async () => {
    ok(
      await admin.kubectl([
        'create',
        'role',
        'escalator',
        '-n',
        'esc',
        '--verb=escalate',
        '--resource=roles.rbac.authorization.k8s.io',
      ]),
      'role',
    );
    ok(
      await admin.kubectl(['create', 'rolebinding', 'rita-escalator', '-n', 'esc', '--role=escalator', '--user=rita']),
      'binding',
    );
    await waitFor(
      'escalate grant',
      async () => (await rita.kubectl(['auth', 'can-i', 'escalate', 'roles', '-n', 'esc'])).code === 0,
    );
    const r = ok(
      await rita.kubectl(['create', '-f', '-'], { stdin: role('secret-reader', [secretsGet]) }),
      'create with escalate',
    );
    assert.equal(r.stdout.trim(), 'role.rbac.authorization.k8s.io/secret-reader created');
    // escalate does not extend to bindings: binding that new Role still needs its rules or bind.
    const b = await rita.kubectl(['create', '-f', '-'], { stdin: binding('rita-secrets', 'Role', 'secret-reader') });
    assert.equal(b.code, 1);
    assert.equal(
      b.stderr.trim(),
      'Error from server (Forbidden): error when creating "STDIN": rolebindings.rbac.authorization.k8s.io "rita-secrets" is forbidden: ' +
        ritaPrefix +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
  });

  test('with bind on one ClusterRole, exactly that one can be bound', async () => {
    ok(
      await admin.kubectl([
        'create',
        'role',
        'view-binder',
        '-n',
        'esc',
        '--verb=bind',
        '--resource=clusterroles.rbac.authorization.k8s.io',
        '--resource-name=view',
      ]),
      'role',
    );
    ok(
      await admin.kubectl([
        'create',
        'rolebinding',
        'rita-view-binder',
        '-n',
        'esc',
        '--role=view-binder',
        '--user=rita',
      ]),
      'binding',
    );
    await waitFor(
      'bind grant',
      async () => (await rita.kubectl(['auth', 'can-i', 'bind', 'clusterroles/view', '-n', 'esc'])).code === 0,
    );
    const r = ok(
      await rita.kubectl(['create', '-f', '-'], { stdin: binding('rita-view', 'ClusterRole', 'view') }),
      'bind view',
    );
    assert.equal(r.stdout.trim(), 'rolebinding.rbac.authorization.k8s.io/rita-view created');
    const a = await rita.kubectl(['create', '-f', '-'], { stdin: binding('rita-admin', 'ClusterRole', 'admin') });
    assert.equal(a.code, 1);
    assert.match(
      a.stderr,
      /rolebindings\.rbac\.authorization\.k8s\.io "rita-admin" is forbidden: user "rita" \(groups=\["escalators" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/,
    );
    // The view binding really grants view now.
    await waitFor(
      'view via binding',
      async () => (await rita.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'esc'])).code === 0,
    );
  });

  test('an aggregated ClusterRole needs cluster-admin privileges', async () => {
    const cr = (name: string, extra: object) =>
      JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, ...extra });
    const r = await carl.kubectl(['create', '-f', '-'], {
      stdin: cr('sneaky', {
        aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] },
      }),
    });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): error when creating "STDIN": clusterroles.rbac.authorization.k8s.io "sneaky" is forbidden: must have cluster-admin privileges to use the aggregationRule',
    );
    const held = ok(
      await carl.kubectl(['create', '-f', '-'], {
        stdin: cr('cr-reader', {
          rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['get'] }],
        }),
      }),
      'create held clusterrole',
    );
    assert.equal(held.stdout.trim(), 'clusterrole.rbac.authorization.k8s.io/cr-reader created');
    const wide = await carl.kubectl(['create', '-f', '-'], {
      stdin: cr('all-secrets', { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }] }),
    });
    assert.equal(
      wide.stderr.trim(),
      'Error from server (Forbidden): error when creating "STDIN": clusterroles.rbac.authorization.k8s.io "all-secrets" is forbidden: user "carl" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["*"]}',
    );
    assert.equal(await exists('clusterrole', 'sneaky', ''), false);
  });

  test('without create on the kind, the plain 403 comes first', async () => {
    const r = await rita.kubectl([
      'create',
      'clusterrolebinding',
      'rita-root',
      '--clusterrole=cluster-admin',
      '--user=rita',
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'error: failed to create clusterrolebinding: clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "rita" cannot create resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import {
  adminIdentity,
  certIdentity,
  mapLimit,
  ok,
  tokenIdentity,
  type Identity,
} from './fixtures/security/identities.js';
import { securityFixture } from './fixtures/security/paths.js';
import { waitFor } from './fixtures/security/wait.js';

/**
 * Node 20's HTTP/2 layer (nghttp2) drops header fields whose values have
 * surrounding whitespace before the server sees them; Node >= 22 can keep them
 * (`strictFieldWhitespaceValidation: false`, set by the server). Documented
 * limitation on Node 20.
 */
const http2WhitespaceSkip =
  Number(process.versions.node.split('.')[0]) < 22
    ? 'Node 20 HTTP/2 drops header values with surrounding whitespace (known limitation)'
    : false;

/**
 * Issue 5 acceptance, RBAC part: users from client certificates, static
 * tokens and ServiceAccount tokens × verbs × resources × namespaces, each cell
 * checked with `kubectl auth can-i` (yes/no and exit code) and with the real
 * request (success, or upstream's exact 403 text), plus impersonation.
 */
interface Resource {
  /** Plural resource name. */
  resource: string;
  group: string;
  /** What kubectl prints before `/name` with `-o name`, and before `"name"` on delete. */
  printed: string;
  namespaced: boolean;
  /** An object of this kind (namespaced resources only). */
  manifest?: (name: string) => object;
  /** The pre-created object `get`/`delete` target. */
  probe: string;
}

const container = [{ name: 'c', image: 'busybox:1.36' }];
const resources: Resource[] = [
  {
    resource: 'pods',
    group: '',
    printed: 'pod',
    namespaced: true,
    probe: 'probe',
    manifest: (name) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { serviceAccountName: 'probe', containers: container },
    }),
  },
  {
    resource: 'configmaps',
    group: '',
    printed: 'configmap',
    namespaced: true,
    probe: 'probe',
    manifest: (name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } }),
  },
  {
    resource: 'secrets',
    group: '',
    printed: 'secret',
    namespaced: true,
    probe: 'probe',
    manifest: (name) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { k: 'v' } }),
  },
  {
    resource: 'deployments',
    group: 'apps',
    printed: 'deployment.apps',
    namespaced: true,
    probe: 'probe',
    manifest: (name) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: container } },
      },
    }),
  },
  { resource: 'nodes', group: '', printed: 'node', namespaced: false, probe: 'probe-node' },
  {
    resource: 'clusterroles',
    group: 'rbac.authorization.k8s.io',
    printed: 'clusterrole.rbac.authorization.k8s.io',
    namespaced: false,
    probe: 'view',
  },
];
const namespaces = ['team-a', 'team-b'];
type Verb = 'get' | 'list' | 'create' | 'delete';

interface MatrixUser {
  id: Identity;
  /** The user name the server sees (what 403 messages name). */
  username: string;
  allows(verb: Verb, r: Resource, ns: string): boolean;
}

const qualified = (r: Resource) => (r.group ? `${r.resource}.${r.group}` : r.resource);

/** Upstream's 403 text as kubectl prints it (`responsewriters.forbiddenMessage` + `NewForbidden`). */
function forbiddenText(user: string, verb: Verb, r: Resource, ns: string, name: string, creating: boolean): string {
  const subject = name ? `${qualified(r)} ${JSON.stringify(name)}` : qualified(r);
  const scope = r.namespaced ? `in the namespace ${JSON.stringify(ns)}` : 'at the cluster scope';
  const prefix = creating
    ? 'Error from server (Forbidden): error when creating "STDIN": '
    : 'Error from server (Forbidden): ';
  return `${prefix}${subject} is forbidden: User ${JSON.stringify(user)} cannot ${verb} resource ${JSON.stringify(r.resource)} in API group ${JSON.stringify(r.group)} ${scope}`;
}

describe('security: RBAC matrix with real kubectl', () => {
  let c: TestCluster;
  let tmp: string;
  let admin: Identity;
  let users: MatrixUser[];
  let ivan: Identity;
  let bruno: Identity;
  let tom: Identity;
  let nora: Identity;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kubets-sec-rbac-'));
    const tokenFile = join(tmp, 'tokens.csv');
    writeFileSync(tokenFile, 'tom-static-token-0123456789abcdef,tom,uid-tom,"contractors"\n');
    c = await startTestCluster({ tokenAuthFile: tokenFile });
    admin = adminIdentity(c);
    ok(await admin.kubectl(['apply', '-f', '-'], { stdin: securityFixture('rbac-matrix.yaml') }), 'apply rbac matrix');
    const probes = namespaces.flatMap((ns) =>
      resources
        .filter((r) => r.manifest)
        .map((r) => {
          const m = r.manifest!(r.probe) as { metadata: Record<string, unknown> };
          m.metadata.namespace = ns;
          return m;
        }),
    );
    ok(
      await admin.kubectl(['apply', '-f', '-'], {
        stdin: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: probes }),
      }),
      'apply probes',
    );
    const tok = ok(await admin.kubectl(['create', 'token', 'deployer', '-n', 'team-b']), 'create token').stdout.trim();

    const alice = certIdentity(c, 'alice');
    const victor = certIdentity(c, 'victor', ['auditors']);
    const deployer = tokenIdentity(c, 'deployer', tok);
    tom = tokenIdentity(c, 'tom', 'tom-static-token-0123456789abcdef');
    ivan = certIdentity(c, 'ivan');
    bruno = certIdentity(c, 'bruno');
    nora = certIdentity(c, 'nora');
    const viewable = new Set(['pods', 'configmaps', 'deployments']);
    users = [
      { id: admin, username: 'admin', allows: () => true },
      {
        id: alice,
        username: 'alice',
        allows: (_v, r, ns) => ns === 'team-a' && (r.resource === 'pods' || r.resource === 'configmaps'),
      },
      {
        id: victor,
        username: 'victor',
        allows: (v, r) => (v === 'get' || v === 'list') && viewable.has(r.resource),
      },
      {
        id: deployer,
        username: 'system:serviceaccount:team-b:deployer',
        allows: (_v, r, ns) => r.namespaced && ns === 'team-b',
      },
      { id: tom, username: 'tom', allows: () => false },
      { id: ivan, username: 'ivan', allows: () => false },
    ];
    // Bindings reach the authorizer through its caches; wait until each grant is visible.
    await waitFor('RBAC grants', async () => {
      const checks = await Promise.all([
        alice.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'team-a']),
        victor.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'team-b']),
        deployer.kubectl(['auth', 'can-i', 'list', 'secrets', '-n', 'team-b']),
        ivan.kubectl(['auth', 'can-i', 'impersonate', 'users/alice']),
        nora.kubectl(['auth', 'can-i', 'get', 'configmaps/probe', '-n', 'team-b']),
      ]);
      return checks.every((r) => r.stdout.trim() === 'yes');
    });
  });

  after(async () => {
    await c?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('auth whoami reports the identity of each kind of credential', async () => {
    const cases: [Identity, string, string[]][] = [
      [admin, 'admin', ['system:masters', 'system:authenticated']],
      [users[1].id, 'alice', ['system:authenticated']],
      [users[2].id, 'victor', ['auditors', 'system:authenticated']],
      [
        users[3].id,
        'system:serviceaccount:team-b:deployer',
        ['system:serviceaccounts', 'system:serviceaccounts:team-b', 'system:authenticated'],
      ],
      [tom, 'tom', ['contractors', 'system:authenticated']],
    ];
    for (const [id, username, groups] of cases) {
      const r = ok(await id.kubectl(['auth', 'whoami', '-o', 'json']), `whoami ${id.name}`);
      const review = JSON.parse(r.stdout);
      assert.equal(review.kind, 'SelfSubjectReview');
      assert.equal(review.status.userInfo.username, username, id.name);
      assert.deepEqual(review.status.userInfo.groups, groups, id.name);
    }
    const tomInfo = JSON.parse(ok(await tom.kubectl(['auth', 'whoami', '-o', 'json']), 'whoami tom').stdout);
    assert.equal(tomInfo.status.userInfo.uid, 'uid-tom');
  });

  /** Every (user, resource, namespace, verb) cell; cluster-scoped resources only get/list, once. */
  function cells(): { u: MatrixUser; r: Resource; ns: string; verbs: Verb[] }[] {
    const out: { u: MatrixUser; r: Resource; ns: string; verbs: Verb[] }[] = [];
    for (const u of users) {
      for (const r of resources) {
        if (r.namespaced)
          for (const ns of namespaces) out.push({ u, r, ns, verbs: ['get', 'list', 'create', 'delete'] });
        else out.push({ u, r, ns: '', verbs: ['get', 'list'] });
      }
    }
    return out;
  }

  test('kubectl auth can-i answers yes/no (exit 0/1) per the grants', async () => {
    const mismatches: string[] = [];
    const jobs = cells().flatMap((cell) => cell.verbs.map((verb) => ({ ...cell, verb })));
    await mapLimit(jobs, 8, async ({ u, r, ns, verb }) => {
      const args = ['auth', 'can-i', verb, qualified(r), ...(r.namespaced ? ['-n', ns] : ['-A'])];
      const res = await u.id.kubectl(args);
      const want = u.allows(verb, r, ns);
      const got = `${res.stdout.trim()} (exit ${res.code})`;
      const expected = want ? 'yes (exit 0)' : 'no (exit 1)';
      if (got !== expected)
        mismatches.push(`${u.id.name}: kubectl ${args.join(' ')} -> ${got}, want ${expected} ${res.stderr.trim()}`);
    });
    assert.equal(jobs.length, 6 * (4 * 2 * 4 + 2 * 2));
    assert.deepEqual(mismatches, []);
  });

  test('real requests: granted ones succeed, refused ones print upstream 403 text', async () => {
    const mismatches: string[] = [];
    const check = (label: string, got: string, want: string) => {
      if (got !== want)
        mismatches.push(`${label}:\n    got:  ${JSON.stringify(got)}\n    want: ${JSON.stringify(want)}`);
    };
    await mapLimit(cells(), 8, async ({ u, r, ns, verbs }) => {
      const nsArgs = r.namespaced ? ['-n', ns] : [];
      const own = `m-${u.id.name.replace(/^(cert|token)-/, '')}-${r.resource}`.slice(0, 63);
      const label = (v: Verb) => `${u.id.name} ${v} ${qualified(r)} ${ns || '(cluster)'}`;
      for (const verb of verbs) {
        const allowed = u.allows(verb, r, ns);
        let res;
        let want: string;
        let name = r.probe;
        if (verb === 'get') {
          res = await u.id.kubectl(['get', qualified(r), r.probe, ...nsArgs, '-o', 'name']);
          want = allowed ? `${r.printed}/${r.probe}` : forbiddenText(u.username, verb, r, ns, r.probe, false);
        } else if (verb === 'list') {
          res = await u.id.kubectl(['get', qualified(r), ...nsArgs, '-o', 'name']);
          want = allowed ? '' : forbiddenText(u.username, verb, r, ns, '', false);
        } else if (verb === 'create') {
          res = await u.id.kubectl(['create', '-f', '-', ...nsArgs], { stdin: JSON.stringify(r.manifest!(own)) });
          want = allowed ? `${r.printed}/${own} created` : forbiddenText(u.username, verb, r, ns, '', true);
        } else {
          // Delete what this user created when it could; otherwise try the probe (which must survive).
          name = u.allows('create', r, ns) ? own : r.probe;
          res = await u.id.kubectl(['delete', qualified(r), name, ...nsArgs, '--wait=false']);
          want = allowed ? `${r.printed} "${name}" deleted` : forbiddenText(u.username, verb, r, ns, name, false);
        }
        if (allowed) {
          if (res.code !== 0) mismatches.push(`${label(verb)}: exit ${res.code}: ${res.stderr.trim()}`);
          else if (verb === 'list') {
            if (!res.stdout.split('\n').includes(`${r.printed}/${r.probe}`))
              mismatches.push(`${label(verb)}: probe missing from ${JSON.stringify(res.stdout)}`);
          } else check(label(verb), res.stdout.trim(), want);
        } else {
          if (res.code === 0) mismatches.push(`${label(verb)}: allowed but should be refused: ${res.stdout.trim()}`);
          check(label(verb), res.stderr.trim(), want);
        }
      }
    });
    assert.deepEqual(mismatches, []);
    // The refused deletes left every probe in place.
    for (const ns of namespaces) {
      const left = ok(
        await admin.kubectl(['get', 'pods,configmaps,secrets,deployments', 'probe', '-n', ns, '-o', 'name']),
        'probes',
      );
      assert.deepEqual(left.stdout.trim().split('\n'), [
        'pod/probe',
        'configmap/probe',
        'secret/probe',
        'deployment.apps/probe',
      ]);
    }
  });

  test('a binding to a missing Role: the 403 and can-i carry the RBAC resolution error', async () => {
    const r = await bruno.kubectl(['get', 'configmaps', '-n', 'team-a']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): configmaps is forbidden: User "bruno" cannot list resource "configmaps" in API group "" in the namespace "team-a": RBAC: role.rbac.authorization.k8s.io "ghost" not found',
    );
    const can = await bruno.kubectl(['auth', 'can-i', 'list', 'configmaps', '-n', 'team-a']);
    assert.equal(can.code, 1);
    assert.equal(can.stdout.trim(), 'no - RBAC: role.rbac.authorization.k8s.io "ghost" not found');
    // Outside the binding's namespace there is nothing to resolve, so no reason.
    const other = await bruno.kubectl(['auth', 'can-i', 'list', 'configmaps', '-n', 'team-b']);
    assert.equal(other.stdout.trim(), 'no');
  });

  test('resourceNames grants: a list narrowed by metadata.name is authorized as a get of that name', async () => {
    // Upstream RequestInfo takes the name of a list/watch from a `metadata.name=` field selector.
    let r = ok(
      await nora.kubectl([
        'get',
        'configmaps',
        '-n',
        'team-a',
        '--field-selector',
        'metadata.name=probe',
        '-o',
        'name',
      ]),
      'list by name',
    );
    assert.equal(r.stdout.trim(), 'configmap/probe');
    r = await nora.kubectl(['get', 'configmaps', '-n', 'team-a', '-o', 'name']);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): configmaps is forbidden: User "nora" cannot list resource "configmaps" in API group "" in the namespace "team-a"',
    );
    r = await nora.kubectl([
      'get',
      'configmaps',
      '-n',
      'team-a',
      '--field-selector',
      'metadata.name=other',
      '-o',
      'name',
    ]);
    assert.match(r.stderr, /configmaps "other" is forbidden: User "nora" cannot list resource "configmaps"/);
    // Across all namespaces (the ClusterRole is bound cluster-wide): one probe per namespace.
    r = await nora.kubectl(['get', 'configmaps', '-A', '--field-selector', 'metadata.name=probe', '-o', 'name']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['configmap/probe', 'configmap/probe']);
  });

  test('auth can-i --list shows the namespace rules of a Role-bound user', async () => {
    const r = ok(await users[1].id.kubectl(['auth', 'can-i', '--list', '-n', 'team-a']), 'can-i --list');
    assert.match(r.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list create delete\]$/m);
    assert.match(r.stdout, /^configmaps\s+\[\]\s+\[\]\s+\[get list create delete\]$/m);
    assert.match(r.stdout, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    const b = ok(await users[1].id.kubectl(['auth', 'can-i', '--list', '-n', 'team-b']), 'can-i --list team-b');
    assert.doesNotMatch(b.stdout, /^pods\s/m);
  });

  describe('impersonation', () => {
    test("allowed: --as a permitted user acts with that user's rights", async () => {
      let r = ok(
        await ivan.kubectl(['get', 'configmap', 'probe', '-n', 'team-a', '-o', 'name', '--as', 'alice']),
        'as alice',
      );
      assert.equal(r.stdout.trim(), 'configmap/probe');
      r = await ivan.kubectl(['get', 'configmaps', '-n', 'team-b', '--as', 'alice']);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr.trim(),
        'Error from server (Forbidden): configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "team-b"',
      );
      r = await ivan.kubectl(['auth', 'can-i', 'create', 'pods', '-n', 'team-a', '--as', 'alice']);
      assert.equal(r.stdout.trim(), 'yes');
      assert.equal(r.code, 0);
      r = await ivan.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'team-b', '--as', 'alice']);
      assert.equal(r.stdout.trim(), 'no');
      assert.equal(r.code, 1);
    });

    test("allowed: --as with --as-group adds the group's rights", async () => {
      const r = ok(
        await ivan.kubectl([
          'get',
          'configmap',
          'probe',
          '-n',
          'team-b',
          '-o',
          'name',
          '--as',
          'alice',
          '--as-group',
          'auditors',
        ]),
        'as alice+auditors',
      );
      assert.equal(r.stdout.trim(), 'configmap/probe');
      const who = JSON.parse(
        ok(await ivan.kubectl(['auth', 'whoami', '-o', 'json', '--as', 'alice', '--as-group', 'auditors']), 'whoami')
          .stdout,
      );
      assert.equal(who.status.userInfo.username, 'alice');
      assert.deepEqual(who.status.userInfo.groups, ['auditors', 'system:authenticated']);
    });

    test('allowed: --as a ServiceAccount user name impersonates the ServiceAccount', async () => {
      const who = JSON.parse(
        ok(
          await ivan.kubectl(['auth', 'whoami', '-o', 'json', '--as', 'system:serviceaccount:team-b:deployer']),
          'whoami',
        ).stdout,
      );
      assert.equal(who.status.userInfo.username, 'system:serviceaccount:team-b:deployer');
      assert.deepEqual(who.status.userInfo.groups, [
        'system:serviceaccounts',
        'system:serviceaccounts:team-b',
        'system:authenticated',
      ]);
      const r = ok(
        await ivan.kubectl([
          'get',
          'secret',
          'probe',
          '-n',
          'team-b',
          '-o',
          'name',
          '--as',
          'system:serviceaccount:team-b:deployer',
        ]),
        'as sa',
      );
      assert.equal(r.stdout.trim(), 'secret/probe');
    });

    const refused: [string, () => Identity, string[], string][] = [
      [
        'a user not in resourceNames',
        () => ivan,
        ['--as', 'bob'],
        'Error from server (Forbidden): users "bob" is forbidden: User "ivan" cannot impersonate resource "users" in API group "" at the cluster scope',
      ],
      [
        'a group not in resourceNames',
        () => ivan,
        ['--as', 'alice', '--as-group', 'system:masters'],
        'Error from server (Forbidden): groups "system:masters" is forbidden: User "ivan" cannot impersonate resource "groups" in API group "" at the cluster scope',
      ],
      [
        'another ServiceAccount',
        () => ivan,
        ['--as', 'system:serviceaccount:kube-system:default'],
        'Error from server (Forbidden): serviceaccounts "default" is forbidden: User "ivan" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"',
      ],
      [
        'a user without the impersonate verb',
        () => tom,
        ['--as', 'alice'],
        'Error from server (Forbidden): users "alice" is forbidden: User "tom" cannot impersonate resource "users" in API group "" at the cluster scope',
      ],
    ];
    for (const [name, who, flags, want] of refused) {
      test(`forbidden: ${name}`, async () => {
        const r = await who().kubectl(['get', 'configmaps', '-n', 'team-a', ...flags]);
        assert.equal(r.code, 1, r.stdout);
        assert.equal(r.stderr.trim(), want);
      });
    }

    test(
      '--as with surrounding whitespace still impersonates (the header must not be dropped)',
      { skip: http2WhitespaceSkip },
      async () => {
        // Upstream impersonates "bob " verbatim over HTTP/2; running the request as the caller instead would
        // hand a proxy's own rights to whoever controls the name it forwards.
        const r = await admin.kubectl(['get', 'secrets', '-n', 'team-a', '--as', 'bob ']);
        assert.equal(r.code, 1, `ran as admin: ${r.stdout}`);
        assert.match(
          r.stderr.trim(),
          /^Error from server \(Forbidden\): secrets is forbidden: User "bob ?" cannot list resource "secrets" in API group "" in the namespace "team-a"$/,
        );
        const who = JSON.parse(
          ok(await admin.kubectl(['auth', 'whoami', '-o', 'json', '--as', 'bob ']), 'whoami').stdout,
        );
        assert.match(who.status.userInfo.username, /^bob ?$/);
      },
    );

    test("admin impersonating an unprivileged user is held to that user's rights", async () => {
      const r = await admin.kubectl(['auth', 'can-i', 'list', 'secrets', '-n', 'team-a', '--as', 'tom']);
      assert.equal(r.stdout.trim(), 'no');
      assert.equal(r.code, 1);
      const g = await admin.kubectl(['get', 'secrets', '-n', 'team-a', '--as', 'tom']);
      assert.equal(
        g.stderr.trim(),
        'Error from server (Forbidden): secrets is forbidden: User "tom" cannot list resource "secrets" in API group "" in the namespace "team-a"',
      );
    });
  });
});

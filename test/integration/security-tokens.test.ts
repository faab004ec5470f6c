import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { Agent } from 'node:https';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminIdentity, ok, tokenIdentity, type Identity } from './fixtures/security/identities.js';
import { waitFor } from './fixtures/security/wait.js';
import { serviceAccountClaims, signES256 } from './fixtures/security/jwt.js';
import { rawAgent, rawRequest, type RawResponse } from './fixtures/security/raw-client.js';

/**
 * Issue 5 acceptance: `kubectl create token`, then that token is used; an
 * expired, not-yet-valid, wrong-audience, foreign-key or unbound token is
 * refused with 401; deleting the pod a token is bound to (or the
 * ServiceAccount it names) invalidates it.
 */
const issuer = 'https://kubernetes.default.svc.cluster.local';
const unauthorizedStatus = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
};

function payloadOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('security: ServiceAccount tokens with real kubectl', () => {
  let c: TestCluster;
  let admin: Identity;
  let agent: Agent;
  let saUID: string;

  /** GET as a bearer token straight over HTTPS. */
  const asToken = (token: string, path = '/api/v1/namespaces/tok/configmaps'): Promise<RawResponse> =>
    rawRequest(c.url, agent, { path, headers: { authorization: `Bearer ${token}` } });

  const assert401 = (r: RawResponse, what: string) => {
    assert.equal(r.status, 401, `${what}: ${r.status} ${r.body}`);
    assert.deepEqual(r.json, unauthorizedStatus, what);
  };

  const createToken = async (args: string[]) =>
    ok(await admin.kubectl(['create', 'token', ...args, '-n', 'tok']), `create token ${args.join(' ')}`).stdout.trim();

  before(async () => {
    c = await startTestCluster();
    admin = adminIdentity(c);
    agent = rawAgent({ ca: c.cp.pki.serverCA.certPEM });
    ok(await admin.kubectl(['create', 'namespace', 'tok']), 'ns');
    ok(await admin.kubectl(['create', 'serviceaccount', 'app', '-n', 'tok']), 'sa');
    ok(
      await admin.kubectl([
        'create',
        'rolebinding',
        'app-view',
        '-n',
        'tok',
        '--clusterrole=view',
        '--serviceaccount=tok:app',
      ]),
      'rb',
    );
    ok(await admin.kubectl(['create', 'configmap', 'cfg', '-n', 'tok', '--from-literal=k=v']), 'cm');
    saUID = ok(await admin.kubectl(['get', 'sa', 'app', '-n', 'tok', '-o', 'jsonpath={.metadata.uid}']), 'uid').stdout;
    const probe = tokenIdentity(c, 'probe', await createToken(['app']));
    await waitFor(
      'view binding',
      async () => (await probe.kubectl(['auth', 'can-i', 'list', 'configmaps', '-n', 'tok'])).code === 0,
    );
  });

  after(async () => {
    agent?.destroy();
    await c?.dispose();
  });

  test('kubectl create token: a real TokenRequest JWT that authenticates as the ServiceAccount', async () => {
    const token = await createToken(['app']);
    const claims = payloadOf(token);
    assert.deepEqual(claims.aud, [issuer]);
    assert.equal(claims.iss, issuer);
    assert.equal(claims.sub, 'system:serviceaccount:tok:app');
    assert.equal(claims.exp - claims.iat, 3600);
    assert.equal(claims.nbf, claims.iat);
    assert.deepEqual(claims['kubernetes.io'].serviceaccount, { name: 'app', uid: saUID });
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, 'ES256');

    const app = tokenIdentity(c, 'app', token);
    const who = JSON.parse(ok(await app.kubectl(['auth', 'whoami', '-o', 'json']), 'whoami').stdout);
    assert.equal(who.status.userInfo.username, 'system:serviceaccount:tok:app');
    assert.equal(who.status.userInfo.uid, saUID);
    assert.deepEqual(who.status.userInfo.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:tok',
      'system:authenticated',
    ]);
    assert.deepEqual(who.status.userInfo.extra['authentication.kubernetes.io/credential-id'], [`JTI=${claims.jti}`]);

    const r = ok(await app.kubectl(['get', 'configmap', 'cfg', '-n', 'tok', '-o', 'jsonpath={.data.k}']), 'get cm');
    assert.equal(r.stdout, 'v');
    const denied = await app.kubectl(['get', 'configmaps', '-n', 'default']);
    assert.equal(
      denied.stderr.trim(),
      'Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:tok:app" cannot list resource "configmaps" in API group "" in the namespace "default"',
    );
  });

  test('create token refuses durations under 10 minutes and unknown ServiceAccounts', async () => {
    let r = await admin.kubectl(['create', 'token', 'app', '-n', 'tok', '--duration', '1m']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    r = await admin.kubectl(['create', 'token', 'nope', '-n', 'tok']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'error: failed to create token: serviceaccounts "nope" not found');
    const long = payloadOf(await createToken(['app', '--duration', '2h']));
    assert.equal(long.exp - long.iat, 7200);
  });

  test('a token minted with the cluster key authenticates only while its times and audience are right', async () => {
    const key = c.cp.pki.serviceAccountKey;
    const now = Math.floor(Date.now() / 1000);
    const mint = (o: { iat: number; exp: number; nbf?: number; aud?: string[] }) =>
      signES256(
        serviceAccountClaims({
          issuer,
          audiences: o.aud ?? [issuer],
          namespace: 'tok',
          serviceAccount: { name: 'app', uid: saUID },
          iat: o.iat,
          nbf: o.nbf,
          exp: o.exp,
        }),
        key,
      );
    // Control: the same minting with valid times is accepted, so the refusals below are about the claims.
    const good = await asToken(mint({ iat: now - 10, exp: now + 600 }));
    assert.equal(good.status, 200, good.body);
    assert401(await asToken(mint({ iat: now - 3700, exp: now - 100 })), 'expired');
    assert401(await asToken(mint({ iat: now, nbf: now + 3600, exp: now + 7200 })), 'nbf in the future');
    assert401(
      await asToken(mint({ iat: now - 10, exp: now + 600, aud: ['https://other.example.com'] })),
      'wrong audience',
    );

    const expired = tokenIdentity(c, 'expired', mint({ iat: now - 3700, exp: now - 100 }));
    const r = await expired.kubectl(['get', 'configmaps', '-n', 'tok']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: You must be logged in to the server \(/);
  });

  test('a token signed by another key (same claims, same kid) is refused', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const claims = serviceAccountClaims({
      issuer,
      audiences: [issuer],
      namespace: 'tok',
      serviceAccount: { name: 'app', uid: saUID },
      iat: now - 10,
      exp: now + 600,
    });
    assert401(await asToken(signES256(claims, other)), 'foreign key');
    const kidOfCluster = JSON.parse(
      Buffer.from((await createToken(['app'])).split('.')[0]!, 'base64url').toString(),
    ).kid;
    assert401(await asToken(signES256(claims, other, { alg: 'ES256', kid: kidOfCluster })), 'foreign key, cluster kid');
  });

  test('a token for another audience (create token --audience) does not authenticate to the API', async () => {
    const token = await createToken(['app', '--audience', 'vault']);
    assert.deepEqual(payloadOf(token).aud, ['vault']);
    assert401(await asToken(token), 'audience vault');
  });

  test('a token whose ServiceAccount was deleted (or recreated with a new UID) is refused', async () => {
    ok(await admin.kubectl(['create', 'serviceaccount', 'temp', '-n', 'tok']), 'sa');
    const token = await createToken(['temp']);
    const who = JSON.parse(
      ok(await tokenIdentity(c, 'temp', token).kubectl(['auth', 'whoami', '-o', 'json']), 'whoami').stdout,
    );
    assert.equal(who.status.userInfo.username, 'system:serviceaccount:tok:temp');
    const before = await asToken(token, '/api/v1/namespaces/tok/configmaps');
    assert.equal(before.status, 403, before.body);
    ok(await admin.kubectl(['delete', 'serviceaccount', 'temp', '-n', 'tok']), 'delete sa');
    await waitFor(
      'token of a deleted ServiceAccount refused',
      async () => (await asToken(token)).status === 401,
      5_000,
    );
    assert401(await asToken(token), 'deleted sa');
    ok(await admin.kubectl(['create', 'serviceaccount', 'temp', '-n', 'tok']), 'recreate sa');
    await new Promise((r) => setTimeout(r, 500));
    assert401(await asToken(token), 'recreated sa (new uid)');
  });

  test('a pod-bound token works while the pod exists and is invalidated when it is deleted', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bound', namespace: 'tok' },
      spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'busybox:1.36' }] },
    };
    ok(await admin.kubectl(['create', '-f', '-'], { stdin: JSON.stringify(pod) }), 'pod');
    const podUID = ok(
      await admin.kubectl(['get', 'pod', 'bound', '-n', 'tok', '-o', 'jsonpath={.metadata.uid}']),
      'uid',
    ).stdout;

    let r = await admin.kubectl([
      'create',
      'token',
      'app',
      '-n',
      'tok',
      '--bound-object-kind',
      'Pod',
      '--bound-object-name',
      'bound',
      '--bound-object-uid',
      'not-the-uid',
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'error: failed to create token: Operation cannot be fulfilled on Pod "bound": the UID in the bound object reference (not-the-uid) does not match the UID in record. The object might have been deleted and then recreated',
    );
    r = await admin.kubectl([
      'create',
      'token',
      'app',
      '-n',
      'tok',
      '--bound-object-kind',
      'Pod',
      '--bound-object-name',
      'ghost',
    ]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'error: failed to create token: pods "ghost" not found');

    const token = await createToken([
      'app',
      '--bound-object-kind',
      'Pod',
      '--bound-object-name',
      'bound',
      '--bound-object-uid',
      podUID,
    ]);
    assert.deepEqual(payloadOf(token)['kubernetes.io'].pod, { name: 'bound', uid: podUID });
    const bound = tokenIdentity(c, 'bound', token);
    const who = JSON.parse(ok(await bound.kubectl(['auth', 'whoami', '-o', 'json']), 'whoami').stdout);
    assert.deepEqual(who.status.userInfo.extra['authentication.kubernetes.io/pod-name'], ['bound']);
    assert.deepEqual(who.status.userInfo.extra['authentication.kubernetes.io/pod-uid'], [podUID]);
    assert.equal((await asToken(token)).status, 200);

    ok(await admin.kubectl(['delete', 'pod', 'bound', '-n', 'tok', '--wait=true', '--timeout=20s']), 'delete pod');
    const gone = await admin.kubectl(['get', 'pod', 'bound', '-n', 'tok']);
    assert.match(gone.stderr, /pods "bound" not found/);
    await waitFor('pod-bound token refused', async () => (await asToken(token)).status === 401, 5_000);
    assert401(await asToken(token), 'deleted pod');
    const k = await bound.kubectl(['get', 'configmaps', '-n', 'tok']);
    assert.equal(k.code, 1);
    assert.match(k.stderr, /error: You must be logged in to the server/);
  });

  test('bearer tokens the server does not know are refused with 401, never treated as anonymous', async () => {
    for (const t of ['', 'x', 'not-a-token', 'a.b.c', 'Bearer', '🙂'.normalize()]) {
      const r = await rawRequest(c.url, agent, {
        path: '/api/v1/namespaces/tok/configmaps',
        headers: { authorization: `Bearer ${encodeURIComponent(t)}` },
      });
      assert.equal(r.status, 401, `token ${JSON.stringify(t)}: ${r.status} ${r.body}`);
    }
    const anon = await rawRequest(c.url, agent, { path: '/api/v1/namespaces/tok/configmaps' });
    assert.ok(anon.status === 401 || anon.status === 403, `${anon.status}`);
  });
});

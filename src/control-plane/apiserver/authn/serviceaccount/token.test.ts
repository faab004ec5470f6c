import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import type { Node, Pod, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../../../api/errors/status-error.js';
import { FakeClock } from '../../../../lib/clock.js';
import { CredentialRejected } from '../rejected.js';
import { base64url, keyIdOf, signCompact } from './jws.js';
import type { ServiceAccountLookups } from './lookups.js';
import { TokenIssuer } from './token-request.js';
import { ServiceAccountTokenAuthenticator } from './verifier.js';

const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const issuer = 'https://kubernetes.default.svc.cluster.local';

class World implements ServiceAccountLookups {
  sas = new Map<string, ServiceAccount>();
  pods = new Map<string, Pod>();
  secrets = new Map<string, Secret>();
  nodes = new Map<string, Node>();
  getServiceAccount = (ns: string, n: string) => this.sas.get(`${ns}/${n}`);
  getPod = async (ns: string, n: string) => this.pods.get(`${ns}/${n}`);
  getSecret = (ns: string, n: string) => this.secrets.get(`${ns}/${n}`);
  getNode = (n: string) => this.nodes.get(n);
}

function setup() {
  const clock = new FakeClock(Date.UTC(2025, 0, 1, 12, 0, 0, 500));
  const world = new World();
  world.sas.set('default/app', { metadata: { namespace: 'default', name: 'app', uid: 'sa-uid' } });
  world.nodes.set('n1', { metadata: { name: 'n1', uid: 'node-uid' } });
  world.pods.set('default/web', {
    metadata: { namespace: 'default', name: 'web', uid: 'pod-uid' },
    spec: { serviceAccountName: 'app', nodeName: 'n1', containers: [] },
  });
  world.secrets.set('default/s', { metadata: { namespace: 'default', name: 's', uid: 'secret-uid' } });
  let n = 0;
  const tokens = new TokenIssuer({ signingKey: key.privateKey, lookups: world, clock, newTokenID: () => `jti-${++n}` });
  const authn = new ServiceAccountTokenAuthenticator({
    issuers: [issuer],
    keys: [key.publicKey],
    apiAudiences: [issuer],
    lookups: world,
    clock,
  });
  return { clock, world, tokens, authn };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

async function rejection(p: Promise<unknown>, what = 'the token'): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CredentialRejected, String(err));
    assert.equal(err.code, 401);
    assert.equal(err.toStatus().message, 'Unauthorized');
    return err.detail;
  }
  assert.fail(`expected ${what} to be rejected`);
}

test('issued tokens carry upstream claims and authenticate as the ServiceAccount', async () => {
  const { tokens, authn } = setup();
  const issued = await tokens.issueToken({ namespace: 'default', serviceAccount: 'app' });
  assert.equal(issued.expirationTimestamp, '2025-01-01T13:00:00Z');
  assert.equal(issued.expirationSeconds, 3600);
  const now = Date.UTC(2025, 0, 1, 12) / 1000;
  const claims = claimsOf(issued.token);
  assert.deepEqual(Object.keys(claims), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
  assert.deepEqual(claims, {
    aud: [issuer],
    exp: now + 3600,
    iat: now,
    iss: issuer,
    jti: 'jti-1',
    'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app', uid: 'sa-uid' } },
    nbf: now,
    sub: 'system:serviceaccount:default:app',
  });
  assert.deepEqual(JSON.parse(Buffer.from(issued.token.split('.')[0]!, 'base64url').toString()), {
    alg: 'ES256',
    kid: keyIdOf(key.publicKey),
  });
  assert.deepEqual(await authn.authenticateToken(issued.token), {
    user: {
      username: 'system:serviceaccount:default:app',
      uid: 'sa-uid',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default'],
      extra: { 'authentication.kubernetes.io/credential-id': ['JTI=jti-1'] },
    },
    audiences: [issuer],
  });
});

test('pod-bound tokens record the node and expose pod/node extras; kubelet tokens are extended', async () => {
  const { tokens, authn, clock } = setup();
  const bound = { apiVersion: 'v1', kind: 'Pod', name: 'web' };
  const issued = await tokens.issueToken({
    namespace: 'default',
    serviceAccount: 'app',
    boundObject: bound,
    expirationSeconds: 600,
  });
  assert.deepEqual(claimsOf(issued.token)['kubernetes.io'], {
    namespace: 'default',
    node: { name: 'n1', uid: 'node-uid' },
    pod: { name: 'web', uid: 'pod-uid' },
    serviceaccount: { name: 'app', uid: 'sa-uid' },
  });
  const r = await authn.authenticateToken(issued.token);
  assert.deepEqual(r?.user.extra, {
    'authentication.kubernetes.io/pod-name': ['web'],
    'authentication.kubernetes.io/pod-uid': ['pod-uid'],
    'authentication.kubernetes.io/node-name': ['n1'],
    'authentication.kubernetes.io/node-uid': ['node-uid'],
    'authentication.kubernetes.io/credential-id': ['JTI=jti-1'],
  });
  // 3607 s for API audiences, bound to a pod: valid a year, warnafter at the requested end.
  const kubelet = await tokens.issueToken({
    namespace: 'default',
    serviceAccount: 'app',
    boundObject: bound,
    expirationSeconds: 3607,
  });
  const c = claimsOf(kubelet.token);
  const now = Math.floor(clock.now() / 1000);
  assert.equal(c.exp, now + 365 * 24 * 3600);
  assert.equal((c['kubernetes.io'] as { warnafter: number }).warnafter, now + 3607);
  assert.equal(kubelet.expirationTimestamp, new Date((now + 3607) * 1000).toISOString().replace('.000Z', 'Z'));
  await clock.advance(7200 * 1000);
  assert.ok(await authn.authenticateToken(kubelet.token));
  // Other audiences are not extended.
  const custom = await tokens.issueToken({
    namespace: 'default',
    serviceAccount: 'app',
    boundObject: bound,
    expirationSeconds: 3607,
    audiences: ['vault'],
  });
  assert.equal(claimsOf(custom.token).exp, Math.floor(clock.now() / 1000) + 3607);
});

test('every invalid token is rejected with upstream reasons', async () => {
  type Env = ReturnType<typeof setup>;
  const issue =
    (bound?: string, extra: { audiences?: string[] } = {}) =>
    async (e: Env) =>
      (
        await e.tokens.issueToken({
          namespace: 'default',
          serviceAccount: 'app',
          ...extra,
          ...(bound
            ? {
                boundObject: {
                  apiVersion: 'v1',
                  kind: bound,
                  name: bound === 'Pod' ? 'web' : bound === 'Node' ? 'n1' : 's',
                },
              }
            : {}),
        })
      ).token;
  /** Re-signs the claims of a fresh token with changes (and possibly another key). */
  const resign =
    (patch: (now: number) => Record<string, unknown>, k = key.privateKey) =>
    async (e: Env) => {
      const claims = claimsOf(await issue()(e));
      return signCompact({ ...claims, ...patch(Math.floor(e.clock.now() / 1000)) }, k);
    };
  const raw = (header: object) => async (e: Env) => {
    const [, p, sig] = (await issue()(e)).split('.');
    return `${base64url(JSON.stringify(header))}.${p}.${header && (header as { alg: string }).alg === 'none' ? '' : sig}`;
  };
  const ago = (e: Env) => new Date(e.clock.now() - 120_000).toISOString();

  const cases: { name: string; token: (e: Env) => Promise<string>; change?: (e: Env) => unknown; want: RegExp }[] = [
    { name: 'bad signature', token: resign(() => ({}), otherKey.privateKey), want: /cryptographic/ },
    {
      name: 'tampered payload',
      token: async (e) => {
        const [h, , sig] = (await issue()(e)).split('.');
        return `${h}.${base64url(JSON.stringify({ ...claimsOf(await issue()(e)), sub: 'system:serviceaccount:kube-system:admin' }))}.${sig}`;
      },
      want: /cryptographic/,
    },
    { name: 'alg none', token: raw({ alg: 'none' }), want: /cryptographic/ },
    {
      name: 'alg ES384 with an ES256 signature',
      token: raw({ alg: 'ES384', kid: keyIdOf(key.publicKey) }),
      want: /cryptographic/,
    },
    {
      name: 'alg confusion HS256',
      token: async (e) => {
        const [, p] = (await issue()(e)).split('.');
        const head = base64url(JSON.stringify({ alg: 'HS256', kid: keyIdOf(key.publicKey) }));
        return `${head}.${p}.${base64url(sign('sha256', Buffer.from(`${head}.${p}`), otherKey.privateKey))}`;
      },
      want: /cryptographic/,
    },
    {
      name: 'wrong audience',
      token: issue(undefined, { audiences: ['vault'] }),
      want: /token audiences \["vault"\] is invalid for the target audiences \["https:\/\/kubernetes.default.svc.cluster.local"\]/,
    },
    { name: 'future nbf', token: resign((now) => ({ nbf: now + 600 })), want: /not valid yet/ },
    { name: 'future iat', token: resign((now) => ({ iat: now + 600 })), want: /issued in the future/ },
    { name: 'expired', token: resign((now) => ({ exp: now - 61 })), want: /has expired/ },
    { name: 'expired by the clock', token: issue(), change: (e) => e.clock.advance(3661_000), want: /has expired/ },
    { name: 'malformed exp', token: resign(() => ({ exp: 'soon' })), want: /could not be validated/ },
    { name: 'malformed aud', token: resign(() => ({ aud: [1] })), want: /could not be validated/ },
    {
      name: 'no kubernetes.io claims',
      token: resign(() => ({ 'kubernetes.io': undefined })),
      want: /no kubernetes.io/,
    },
    {
      name: 'unknown SA',
      token: resign(() => ({ 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'ghost', uid: 'x' } } })),
      want: /serviceaccounts "ghost" not found/,
    },
    {
      name: 'SA UID mismatch',
      token: issue(),
      change: (e) => e.world.sas.set('default/app', { metadata: { name: 'app', uid: 'recreated' } }),
      want: /service account UID \(recreated\) does not match claim \(sa-uid\)/,
    },
    {
      name: 'SA deleted over a minute ago',
      token: issue(),
      change: (e) => Object.assign(e.world.sas.get('default/app')!.metadata!, { deletionTimestamp: ago(e) }),
      want: /service account default\/app has been deleted/,
    },
    {
      name: 'deleted bound pod',
      token: issue('Pod'),
      change: (e) => e.world.pods.delete('default/web'),
      want: /has been invalidated/,
    },
    {
      name: 'recreated bound pod',
      token: issue('Pod'),
      change: (e) =>
        e.world.pods.set('default/web', { metadata: { name: 'web', uid: 'other' }, spec: { containers: [] } }),
      want: /pod UID \(other\) does not match service account pod ref claim \(pod-uid\)/,
    },
    {
      name: 'bound pod deleted over a minute ago',
      token: issue('Pod'),
      change: (e) => Object.assign(e.world.pods.get('default/web')!.metadata!, { deletionTimestamp: ago(e) }),
      want: /has been invalidated/,
    },
    {
      name: 'deleted bound secret',
      token: issue('Secret'),
      change: (e) => e.world.secrets.delete('default/s'),
      want: /has been invalidated/,
    },
    {
      name: 'deleted bound node',
      token: issue('Node'),
      change: (e) => e.world.nodes.delete('n1'),
      want: /has been invalidated/,
    },
  ];
  for (const c of cases) {
    const env = setup();
    const token = await c.token(env);
    await c.change?.(env);
    assert.match(await rejection(env.authn.authenticateToken(token), c.name), c.want, c.name);
  }
  // Within the leeway a pod being deleted still authenticates (upstream tolerates a minute).
  const env = setup();
  const t = await issue('Pod')(env);
  Object.assign(env.world.pods.get('default/web')!.metadata!, {
    deletionTimestamp: new Date(env.clock.now() - 10_000).toISOString(),
  });
  assert.ok(await env.authn.authenticateToken(t));
});

test('tokens that are not ours are left to other authenticators', async () => {
  const { authn, tokens } = setup();
  const w = new World();
  w.sas.set('default/app', { metadata: { name: 'app', uid: 'u' } });
  const other = new TokenIssuer({ issuer: 'https://other.example', signingKey: key.privateKey, lookups: w });
  for (const t of [
    'abcdef.0123456789abcdef',
    'not-a-jwt',
    '{"iss":"x"}',
    'a.b.c',
    (await other.issueToken({ namespace: 'default', serviceAccount: 'app' })).token,
  ]) {
    assert.equal(await authn.authenticateToken(t), undefined, t);
  }
  // TokenReview-style audiences: the intersection is returned.
  const multi = await tokens.issueToken({ namespace: 'default', serviceAccount: 'app', audiences: ['vault', issuer] });
  assert.deepEqual((await authn.authenticateToken(multi.token, ['vault']))?.audiences, ['vault']);
  assert.deepEqual((await authn.authenticateToken(multi.token))?.audiences, [issuer]);
});

test('TokenRequest validation and bound-object errors match upstream', async () => {
  const { tokens, world } = setup();
  const err = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof StatusError);
      return { code: e.code, message: e.message };
    }
    assert.fail('expected an error');
  };
  assert.deepEqual(
    await err(tokens.issueToken({ namespace: 'default', serviceAccount: 'app', expirationSeconds: 60 })),
    {
      code: 422,
      message:
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    },
  );
  assert.deepEqual(await err(tokens.issueToken({ namespace: 'default', serviceAccount: 'ghost' })), {
    code: 404,
    message: 'serviceaccounts "ghost" not found',
  });
  assert.deepEqual(
    await err(
      tokens.issueToken({
        namespace: 'default',
        serviceAccount: 'app',
        boundObject: { apiVersion: 'v1', kind: 'Pod', name: 'nope' },
      }),
    ),
    {
      code: 404,
      message: 'pods "nope" not found',
    },
  );
  assert.deepEqual(
    await err(
      tokens.issueToken({
        namespace: 'default',
        serviceAccount: 'app',
        boundObject: { apiVersion: 'v1', kind: 'ConfigMap', name: 'c' },
      }),
    ),
    {
      code: 400,
      message: 'cannot bind token for serviceaccount "app" to object of type /v1, Kind=ConfigMap',
    },
  );
  assert.deepEqual(
    await err(
      tokens.issueToken({
        namespace: 'default',
        serviceAccount: 'app',
        boundObject: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'old' },
      }),
    ),
    {
      code: 409,
      message:
        'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated',
    },
  );
  world.sas.set('default/other', { metadata: { name: 'other', uid: 'o' } });
  assert.deepEqual(
    await err(
      tokens.issueToken({
        namespace: 'default',
        serviceAccount: 'other',
        boundObject: { apiVersion: 'v1', kind: 'Pod', name: 'web' },
      }),
    ),
    {
      code: 400,
      message: 'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.',
    },
  );
  assert.deepEqual(
    await err(tokens.createTokenRequest('default', 'app', { metadata: { name: 'x' }, spec: { audiences: [] } })),
    {
      code: 422,
      message:
        'TokenRequest.authentication.k8s.io "app" is invalid: metadata.name: Invalid value: "x": must match the service account name if specified',
    },
  );
  const { object, warnings } = await tokens.createTokenRequest('default', 'app', { spec: { audiences: [] } });
  assert.deepEqual(warnings, []);
  assert.equal(object.kind, 'TokenRequest');
  assert.deepEqual(object.metadata, { name: 'app', namespace: 'default', creationTimestamp: '2025-01-01T12:00:00Z' });
  assert.deepEqual(object.spec, { audiences: [issuer], expirationSeconds: 3600 });
  assert.equal(object.status?.expirationTimestamp, '2025-01-01T13:00:00Z');
  const capped = new TokenIssuer({ signingKey: key.privateKey, lookups: world, maxExpirationSeconds: 1200 });
  const short = await capped.issueToken({ namespace: 'default', serviceAccount: 'app', expirationSeconds: 7200 });
  assert.deepEqual(short.warnings, ['requested expiration of 7200 seconds shortened to 1200 seconds']);
  assert.equal(short.expirationSeconds, 1200);
});

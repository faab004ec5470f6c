import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../../api/errors/status-error.js';
import { FakeClock } from '../../../lib/clock.js';
import { RbacAuthorizer } from '../authz/rbac/rbac-authorizer.js';
import { MemoryRbacSource } from '../authz/rbac/testing.js';
import type { UserInfo } from '../types.js';
import { BootstrapTokenAuthenticator } from './bootstrap-token.js';
import { impersonate } from './impersonation.js';
import { RequestAuthenticator } from './request-authenticator.js';
import { TokenIssuer } from './serviceaccount/token-request.js';
import { ServiceAccountTokenAuthenticator } from './serviceaccount/verifier.js';
import { fakeRequest } from './testing.js';
import { StaticTokenAuthenticator } from './token-file.js';

/**
 * Property: garbage never authenticates and never escapes as anything but a
 * StatusError — whatever arrives as a bearer token, a WebSocket token
 * protocol, a forged JWT or impersonation headers.
 */
const issuer = 'https://kubernetes.default.svc.cluster.local';
const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const clock = new FakeClock(Date.UTC(2025, 5, 1));
const lookups = {
  getServiceAccount: (ns: string, n: string) =>
    ns === 'default' && n === 'app' ? { metadata: { name: 'app', uid: 'sa-uid' } } : undefined,
  getPod: () => undefined,
  getSecret: () => undefined,
  getNode: () => undefined,
};
const bootstrapSecret: Secret = {
  type: 'bootstrap.kubernetes.io/token',
  metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
  data: {
    'token-id': Buffer.from('abcdef').toString('base64'),
    'token-secret': Buffer.from('0123456789abcdef').toString('base64'),
    'usage-bootstrap-authentication': Buffer.from('true').toString('base64'),
  },
};
const saAuthn = new ServiceAccountTokenAuthenticator({
  issuers: [issuer],
  keys: [key.publicKey],
  apiAudiences: [issuer],
  lookups,
  clock,
});
const authn = new RequestAuthenticator({
  tokenAuthenticators: [
    new StaticTokenAuthenticator([{ token: 'static-secret-token', user: { username: 'alice', groups: [] } }]),
    new BootstrapTokenAuthenticator({
      getSecret: (ns, n) => (ns === 'kube-system' && n === 'bootstrap-token-abcdef' ? bootstrapSecret : undefined),
      clock,
    }),
    saAuthn,
  ],
  anonymousPaths: false,
});
const valid = ['static-secret-token', 'abcdef.0123456789abcdef'];

async function mustNotAuthenticate(headers: Record<string, string | string[]>): Promise<void> {
  try {
    const r = await authn.authenticate(fakeRequest({ headers }));
    assert.fail(`authenticated ${JSON.stringify(headers)} as ${r.user.username}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof StatusError, `non-StatusError: ${String(err)}`);
    assert.equal(err.code, 401);
  }
}

const b64url = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');
const tokenText = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.stringMatching(/^[a-z0-9]{6}\.[a-z0-9]{16}$/),
    fc
      .tuple(fc.uint8Array(), fc.uint8Array(), fc.uint8Array())
      .map(([a, b, c]) => `${b64url(a)}.${b64url(b)}.${b64url(c)}`),
  )
  .filter((t) => !valid.includes(t.trim().split(' ')[0] ?? ''));

const jwtParts = fc.record({
  alg: fc.constantFrom('none', 'ES256', 'ES384', 'RS256', 'HS256', '', 'es256'),
  claims: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }),
  aud: fc.oneof(fc.constant(issuer), fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), fc.integer()),
  exp: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(undefined)),
  sa: fc.oneof(
    fc.constant({ namespace: 'default', serviceaccount: { name: 'app', uid: 'sa-uid' } }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
  sig: fc.uint8Array({ maxLength: 80 }),
});

test('random bearer tokens never authenticate', async () => {
  await fc.assert(
    fc.asyncProperty(tokenText, async (t) => {
      await mustNotAuthenticate({ Authorization: `Bearer ${t}` });
    }),
    { numRuns: 300 },
  );
});

test('forged JWTs claiming our issuer never authenticate', async () => {
  await fc.assert(
    fc.asyncProperty(jwtParts, async (p) => {
      const header = b64url(JSON.stringify({ alg: p.alg, kid: 'k' }));
      const payload = b64url(
        JSON.stringify({
          ...p.claims,
          iss: issuer,
          aud: p.aud,
          exp: p.exp,
          'kubernetes.io': p.sa,
          sub: 'system:serviceaccount:default:app',
        }),
      );
      await mustNotAuthenticate({ Authorization: `Bearer ${header}.${payload}.${b64url(p.sig)}` });
    }),
    { numRuns: 300 },
  );
});

test('any single-character change to a valid token breaks it', async () => {
  const issuerImpl = new TokenIssuer({ signingKey: key.privateKey, lookups, clock });
  const token = (await issuerImpl.issueToken({ namespace: 'default', serviceAccount: 'app' })).token;
  assert.ok(await saAuthn.authenticateToken(token));
  const segments = token.split('.');
  // The last character of a base64url segment may carry unused bits, so only inner characters are changed.
  const positions: number[] = [];
  let offset = 0;
  for (const s of segments) {
    for (let i = 0; i < s.length - 1; i++) positions.push(offset + i);
    offset += s.length + 1;
  }
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...positions),
      fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
      async (pos, ch) => {
        fc.pre(token[pos] !== ch);
        const mutated = token.slice(0, pos) + ch + token.slice(pos + 1);
        await mustNotAuthenticate({ Authorization: `Bearer ${mutated}` });
      },
    ),
    { numRuns: 300 },
  );
});

test('random WebSocket token protocols never authenticate', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.string({ maxLength: 30 }),
      async (raw, other) => {
        await mustNotAuthenticate({
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-protocol': `${other}, base64url.bearer.authorization.k8s.io.${raw}`,
        });
      },
    ),
    { numRuns: 200 },
  );
});

test('random impersonation headers never change who an unprivileged user is', async () => {
  const authz = new RbacAuthorizer(new MemoryRbacSource());
  const me: UserInfo = { username: 'mallory', groups: ['system:authenticated'] };
  const headerName = fc.constantFrom(
    'Impersonate-User',
    'Impersonate-Group',
    'Impersonate-Uid',
    'Impersonate-Extra-Scopes',
    'Impersonate-Extra-%zz',
  );
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(headerName, fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 3 })),
      async (headers) => {
        try {
          const u = await impersonate(fakeRequest({ headers }), me, authz);
          assert.deepEqual(u, me);
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          assert.ok(err instanceof StatusError, `non-StatusError: ${String(err)}`);
          assert.ok(err.code === 403 || err.code === 500, String(err.code));
        }
      },
    ),
    { numRuns: 300 },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../api/errors/status-error.js';
import { RequestAuthenticator } from './request-authenticator.js';
import { StaticTokenAuthenticator } from './token-file.js';
import { fakeRequest } from './testing.js';
import { stripTokenProtocol } from './websocket-protocol.js';
import type { AuthResult } from './types.js';

const tokens = new StaticTokenAuthenticator([
  { token: 'good-token', user: { username: 'alice', uid: '1', groups: ['devs'] } },
  { token: 'admin-token', user: { username: 'root', groups: ['system:masters'] } },
]);
const authn = new RequestAuthenticator({ tokenAuthenticators: [tokens] });
const ws = (token: string, others = ['v4.channel.k8s.io']) => ({
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-protocol': [
    ...others,
    `base64url.bearer.authorization.k8s.io.${Buffer.from(token).toString('base64url')}`,
  ].join(', '),
});

async function outcome(p: Promise<AuthResult>): Promise<AuthResult | number> {
  try {
    return await p;
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    assert.deepEqual(err.toStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    return err.code;
  }
}

test('credentials of each kind authenticate, gaining system:authenticated', async () => {
  const cases: { name: string; req: Parameters<typeof fakeRequest>[0]; want: AuthResult | number }[] = [
    {
      name: 'client certificate',
      req: { peer: { certificate: { commonName: 'carol', organizations: ['ops', 'devs'] } } },
      want: { user: { username: 'carol', groups: ['ops', 'devs', 'system:authenticated'] } },
    },
    {
      name: 'certificate without CN, no other credentials',
      req: { peer: { certificate: { commonName: '', organizations: ['x'] } } },
      want: 401,
    },
    {
      name: 'in-process identity',
      req: { peer: { inProcessUser: { username: 'system:kube-scheduler', groups: [] } } },
      want: { user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] } },
    },
    {
      name: 'bearer token',
      req: { headers: { Authorization: 'Bearer good-token' } },
      want: { user: { username: 'alice', uid: '1', groups: ['devs', 'system:authenticated'] } },
    },
    {
      name: 'bearer scheme is case-insensitive',
      req: { headers: { Authorization: 'bearer good-token' } },
      want: { user: { username: 'alice', uid: '1', groups: ['devs', 'system:authenticated'] } },
    },
    {
      name: 'system:masters token',
      req: { headers: { Authorization: 'Bearer admin-token' } },
      want: { user: { username: 'root', groups: ['system:masters', 'system:authenticated'] } },
    },
    { name: 'unknown bearer token', req: { headers: { Authorization: 'Bearer nope' } }, want: 401 },
    { name: 'empty bearer token', req: { headers: { Authorization: 'Bearer ' } }, want: 401 },
    { name: 'basic credentials are refused', req: { headers: { Authorization: 'Basic YWxpY2U6c2VjcmV0' } }, want: 401 },
    {
      name: 'a good certificate wins over a bad token',
      req: {
        headers: { Authorization: 'Bearer nope' },
        peer: { certificate: { commonName: 'carol', organizations: [] } },
      },
      want: { user: { username: 'carol', groups: ['system:authenticated'] } },
    },
    {
      name: 'a good certificate wins over basic credentials',
      req: {
        headers: { Authorization: 'Basic eDp5' },
        peer: { certificate: { commonName: 'carol', organizations: [] } },
      },
      want: { user: { username: 'carol', groups: ['system:authenticated'] } },
    },
    {
      name: 'websocket protocol token',
      req: { headers: ws('good-token') },
      want: { user: { username: 'alice', uid: '1', groups: ['devs', 'system:authenticated'] } },
    },
    { name: 'websocket protocol token alone', req: { headers: ws('good-token', []) }, want: 401 },
    { name: 'websocket protocol bad token', req: { headers: ws('nope') }, want: 401 },
    {
      name: 'websocket two token protocols',
      req: {
        headers: {
          ...ws('good-token'),
          'sec-websocket-protocol': `${ws('good-token')['sec-websocket-protocol']}, base64url.bearer.authorization.k8s.io.eA`,
        },
      },
      want: 401,
    },
    {
      name: 'websocket protocol ignored without upgrade',
      req: { headers: { 'sec-websocket-protocol': ws('good-token')['sec-websocket-protocol'] } },
      want: 401,
    },
    {
      name: 'anonymous on health paths',
      req: { path: '/livez' },
      want: { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } },
    },
    {
      name: 'anonymous on health subpaths',
      req: { path: '/readyz/etcd' },
      want: { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } },
    },
    { name: 'no credentials elsewhere', req: { path: '/api/v1/pods' }, want: 401 },
    { name: 'no credentials on a lookalike path', req: { path: '/healthzfoo' }, want: 401 },
    {
      name: 'bad credentials on a health path',
      req: { path: '/healthz', headers: { Authorization: 'Bearer nope' } },
      want: 401,
    },
  ];
  for (const c of cases) assert.deepEqual(await outcome(authn.authenticate(fakeRequest(c.req))), c.want, c.name);
  const noAnon = new RequestAuthenticator({ tokenAuthenticators: [tokens], anonymousPaths: false });
  assert.equal(await outcome(noAnon.authenticate(fakeRequest({ path: '/healthz' }))), 401);
});

test('a failing token authenticator is a 401, and later authenticators still get their chance', async () => {
  const broken = {
    authenticateToken: async () => {
      throw new Error('cache unavailable');
    },
  };
  const a = new RequestAuthenticator({ tokenAuthenticators: [broken, tokens] });
  assert.equal(
    (await a.authenticate(fakeRequest({ headers: { Authorization: 'Bearer good-token' } }))).user.username,
    'alice',
  );
  assert.equal(await outcome(a.authenticate(fakeRequest({ headers: { Authorization: 'Bearer other' } }))), 401);
});

test('the token subprotocol is stripped before echoing', () => {
  assert.equal(
    stripTokenProtocol('v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.eA, channel.k8s.io'),
    'v4.channel.k8s.io,channel.k8s.io',
  );
});

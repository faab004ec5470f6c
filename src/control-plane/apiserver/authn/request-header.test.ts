import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusError } from '../../../api/errors/status-error.js';
import { FakeClock } from '../../../lib/clock.js';
import { ensureClusterPKI, type KeyPair } from '../pki/cluster-pki.js';
import type { PeerInfo } from '../types.js';
import { RequestAuthenticator } from './request-authenticator.js';
import {
  FrontProxyAuthenticator,
  RequestHeaderAuthenticator,
  defaultRequestHeaderConfig,
  type RequestHeaderConfig,
} from './request-header.js';
import { extensionAuthData, mergeCABundles } from './request-header-configmap.js';
import { fakeRequest } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'kubets-rh-'));
const pki = ensureClusterPKI({ dir: join(dir, 'tls'), clock: new FakeClock() });
const other = pki.clientCert('client-other-proxy', { commonName: 'other-proxy' });
rmSync(dir, { recursive: true, force: true });

/** The peer a TLS handshake with this certificate yields. */
function peerOf(kp: KeyPair): PeerInfo {
  const c = new X509Certificate(kp.certPEM);
  const cn = /CN=([^\n]*)/.exec(c.subject)?.[1] ?? '';
  const orgs = [...c.subject.matchAll(/O=([^\n]*)/g)].map((m) => m[1]!);
  return { certificate: { commonName: cn, organizations: orgs, der: c.raw } };
}

const cfg = defaultRequestHeaderConfig(pki.requestHeaderCA.certPEM);
const proxy = peerOf(pki.frontProxyClient);

test('request-header authentication, table', async (t) => {
  const cases: {
    name: string;
    config?: RequestHeaderConfig;
    peer: PeerInfo;
    headers: Record<string, string | string[]>;
    want?: { username: string; groups: string[]; extra?: Record<string, string[]> };
    refused?: boolean;
  }[] = [
    {
      name: 'user, repeated groups, extras with percent-decoded lower-cased keys',
      peer: proxy,
      headers: {
        'X-Remote-User': 'alice',
        'X-Remote-Group': ['dev', 'ops'],
        'X-Remote-Extra-Scopes': ['a', 'b'],
        'X-Remote-Extra-Example.com%2fteam': 'blue',
      },
      want: { username: 'alice', groups: ['dev', 'ops'], extra: { scopes: ['a', 'b'], 'example.com/team': ['blue'] } },
    },
    {
      name: 'a group value with a comma is one group (headers are not split)',
      peer: proxy,
      headers: { 'x-remote-user': 'bob', 'x-remote-group': 'a,b' },
      want: { username: 'bob', groups: ['a,b'] },
    },
    {
      name: 'an invalid escape keeps the key as sent',
      peer: proxy,
      headers: { 'x-remote-user': 'bob', 'x-remote-extra-100%zz': 'v' },
      want: { username: 'bob', groups: [], extra: { '100%zz': ['v'] } },
    },
    {
      name: 'the first non-empty username header wins',
      config: { ...cfg, usernameHeaders: ['X-First', 'X-Remote-User'] },
      peer: proxy,
      headers: { 'x-first': '', 'x-remote-user': 'carol' },
      want: { username: 'carol', groups: [] },
    },
    { name: 'no username header: nothing', peer: proxy, headers: { 'x-remote-group': 'dev' } },
    {
      name: 'a client-CA certificate may not assert a user',
      peer: peerOf(pki.admin),
      headers: { 'x-remote-user': 'mallory' },
    },
    { name: 'no certificate: nothing', peer: {}, headers: { 'x-remote-user': 'mallory' } },
    {
      name: 'a CN outside the allowed names is refused',
      config: { ...cfg, allowedNames: ['someone-else'] },
      peer: proxy,
      headers: { 'x-remote-user': 'alice' },
      refused: true,
    },
    {
      name: 'an empty allowed list accepts any CN the CA signed',
      config: { ...cfg, allowedNames: [] },
      peer: proxy,
      headers: { 'x-remote-user': 'alice' },
      want: { username: 'alice', groups: [] },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const a = new RequestHeaderAuthenticator(c.config ?? cfg);
      const req = fakeRequest({ headers: c.headers, peer: c.peer });
      if (c.refused) {
        await assert.rejects(a.authenticate(req), (e: unknown) => e instanceof StatusError && e.code === 401);
        return;
      }
      const r = await a.authenticate(req);
      assert.deepEqual(r?.user, c.want);
    });
  }
});

test('front proxy in the request authenticator: proxied users, and the proxy certificate is no identity', async () => {
  const a = new FrontProxyAuthenticator(
    new RequestHeaderAuthenticator(cfg),
    new RequestAuthenticator({ tokenAuthenticators: [] }),
  );
  const asserted = await a.authenticate(
    fakeRequest({ peer: proxy, headers: { 'x-remote-user': 'alice', 'x-remote-group': 'dev' } }),
  );
  assert.deepEqual(asserted?.user, { username: 'alice', groups: ['dev', 'system:authenticated'] });
  // Without headers the front-proxy certificate is ignored: anonymous is not allowed here, so 401.
  await assert.rejects(
    a.authenticate(fakeRequest({ peer: proxy })),
    (e: unknown) => e instanceof StatusError && e.code === 401,
  );
  // An ordinary client certificate is still its own identity, whatever headers it sends.
  const admin = await a.authenticate(fakeRequest({ peer: peerOf(pki.admin), headers: { 'x-remote-user': 'x' } }));
  assert.equal(admin?.user.username, 'admin');
  // A certificate from the client CA with the proxy's CN is not a proxy.
  const fake = await a.authenticate(fakeRequest({ peer: peerOf(other), headers: { 'x-remote-user': 'alice' } }));
  assert.equal(fake?.user.username, 'other-proxy');
});

test('extension-apiserver-authentication data uses the upstream keys and JSON lists', () => {
  assert.deepEqual(extensionAuthData('CLIENTCA', cfg), {
    'client-ca-file': 'CLIENTCA',
    'requestheader-client-ca-file': pki.requestHeaderCA.certPEM,
    'requestheader-allowed-names': '["front-proxy-client"]',
    'requestheader-username-headers': '["X-Remote-User"]',
    'requestheader-group-headers': '["X-Remote-Group"]',
    'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  });
  const merged = mergeCABundles(pki.clientCA.certPEM, pki.serverCA.certPEM + pki.clientCA.certPEM);
  assert.equal(merged.match(/BEGIN CERTIFICATE/g)?.length, 2);
  assert.ok(merged.startsWith(pki.clientCA.certPEM.trim()));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../lib/clock.js';
import { ensureClusterPKI, type ClusterPKI, type ClusterPKIOptions, type KeyPair } from './cluster-pki.js';

const day = 24 * 3600 * 1000;

/** A temp dir per test, removed even when the test fails. */
function withDir(fn: (dir: string) => void): () => void {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubets-pki-'));
    try {
      fn(join(dir, 'tls'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const base = (dir: string, clock: FakeClock, extra: Partial<ClusterPKIOptions> = {}): ClusterPKIOptions => ({
  dir,
  sans: ['192.0.2.10', 'node-a'],
  kubernetesServiceIP: '10.43.0.1',
  clock,
  ...extra,
});

/** Every file of the PKI directory, name -> content. */
function files(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

const cert = (kp: KeyPair) => new X509Certificate(kp.certPEM);
const signedBy = (leaf: KeyPair, ca: KeyPair) =>
  cert(leaf).checkIssued(cert(ca)) && cert(leaf).verify(cert(ca).publicKey);
const leaves = (p: ClusterPKI) => ({
  serving: p.serving,
  admin: p.admin,
  kubeletClient: p.kubeletClient,
  frontProxyClient: p.frontProxyClient,
});

test(
  'keys and certificates are 0600 in a 0700 directory',
  withDir((dir) => {
    ensureClusterPKI(base(dir, new FakeClock()));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const names = readdirSync(dir).sort();
    assert.deepEqual(names, [
      'client-admin.crt',
      'client-admin.key',
      'client-auth-proxy.crt',
      'client-auth-proxy.key',
      'client-ca.crt',
      'client-ca.key',
      'client-kube-apiserver.crt',
      'client-kube-apiserver.key',
      'request-header-ca.crt',
      'request-header-ca.key',
      'server-ca.crt',
      'server-ca.key',
      'service.key',
      'serving-kube-apiserver.crt',
      'serving-kube-apiserver.key',
    ]);
    for (const f of names) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  }),
);

test(
  'a restart with the same settings reuses every file byte for byte',
  withDir((dir) => {
    const clock = new FakeClock();
    const first = ensureClusterPKI(base(dir, clock));
    const before = files(dir);
    clock.setWallTime(clock.now() + 30 * day);
    const again = ensureClusterPKI(base(dir, clock));
    assert.deepEqual(files(dir), before);
    assert.equal(again.serving.certPEM, first.serving.certPEM);
    assert.deepEqual(
      again.serviceAccountKey.export({ format: 'jwk' }),
      first.serviceAccountKey.export({ format: 'jwk' }),
    );
    // A component certificate asked for twice is reused too; another subject re-issues it.
    const a = again.clientCert('client-scheduler', { commonName: 'system:kube-scheduler' });
    assert.equal(again.clientCert('client-scheduler', { commonName: 'system:kube-scheduler' }).certPEM, a.certPEM);
    const b = again.clientCert('client-scheduler', { commonName: 'system:kube-scheduler', organizations: ['x'] });
    assert.notEqual(b.certPEM, a.certPEM);
    assert.match(cert(b).subject, /O=x/);
  }),
);

test(
  'a new SAN (--tls-san, advertise address) re-issues only the serving certificate',
  withDir((dir) => {
    const clock = new FakeClock();
    ensureClusterPKI(base(dir, clock));
    const before = files(dir);
    const p = ensureClusterPKI(
      base(dir, clock, { sans: ['192.0.2.10', 'node-a', '198.51.100.7', 'api.example.test'] }),
    );
    const after = files(dir);
    const changed = [...after.keys()].filter((f) => after.get(f) !== before.get(f)).sort();
    assert.deepEqual(changed, ['serving-kube-apiserver.crt', 'serving-kube-apiserver.key']);
    const sans = cert(p.serving).subjectAltName ?? '';
    for (const want of ['DNS:api.example.test', 'IP Address:198.51.100.7', 'IP Address:192.0.2.10', 'DNS:node-a'])
      assert.ok(sans.includes(want), `${want} in ${sans}`);
    assert.ok(signedBy(p.serving, p.serverCA));
  }),
);

test(
  'leaves within 90 days of expiry are renewed at startup; the CAs are kept',
  withDir((dir) => {
    const clock = new FakeClock();
    const first = ensureClusterPKI(base(dir, clock));
    clock.setWallTime(clock.now() + 200 * day); // leaves (1 year) still have 165 days
    const kept = ensureClusterPKI(base(dir, clock));
    assert.equal(kept.serving.certPEM, first.serving.certPEM);
    clock.setWallTime(clock.now() + 100 * day); // 65 days left
    const renewed = ensureClusterPKI(base(dir, clock));
    for (const [name, kp] of Object.entries(leaves(renewed))) {
      assert.notEqual(kp.certPEM, leaves(first)[name as keyof ReturnType<typeof leaves>].certPEM, name);
      assert.ok(Date.parse(cert(kp).validTo) - clock.now() > 300 * day, `${name} valid for a year again`);
    }
    assert.equal(renewed.serverCA.certPEM, first.serverCA.certPEM);
    assert.equal(renewed.clientCA.certPEM, first.clientCA.certPEM);
    assert.equal(renewed.requestHeaderCA.certPEM, first.requestHeaderCA.certPEM);
    assert.ok(signedBy(renewed.frontProxyClient, renewed.requestHeaderCA));
    assert.ok(signedBy(renewed.serving, renewed.serverCA));
    assert.ok(signedBy(renewed.admin, renewed.clientCA));
  }),
);

test(
  'a regenerated CA (deleted, or within 90 days of expiry) re-issues every leaf it signs',
  withDir((dir) => {
    const clock = new FakeClock();
    const first = ensureClusterPKI(base(dir, clock));
    const component = first.clientCert('client-controller-manager', { commonName: 'system:kube-controller-manager' });

    // Deleted server CA: a new one, a new serving cert; the client side is untouched.
    unlinkSync(join(dir, 'server-ca.crt'));
    unlinkSync(join(dir, 'server-ca.key'));
    const p1 = ensureClusterPKI(base(dir, clock));
    assert.notEqual(p1.serverCA.certPEM, first.serverCA.certPEM);
    assert.notEqual(p1.serving.certPEM, first.serving.certPEM);
    assert.ok(signedBy(p1.serving, p1.serverCA));
    assert.equal(p1.admin.certPEM, first.admin.certPEM);

    // Deleted client CA: every client certificate, components' included, is re-issued from the new one.
    unlinkSync(join(dir, 'client-ca.crt'));
    const p2 = ensureClusterPKI(base(dir, clock));
    assert.notEqual(p2.clientCA.certPEM, first.clientCA.certPEM);
    for (const kp of [p2.admin, p2.kubeletClient]) assert.ok(signedBy(kp, p2.clientCA));
    const comp2 = p2.clientCert('client-controller-manager', { commonName: 'system:kube-controller-manager' });
    assert.notEqual(comp2.certPEM, component.certPEM);
    assert.ok(signedBy(comp2, p2.clientCA));
    assert.equal(p2.serving.certPEM, p1.serving.certPEM);

    // Ten-year CAs near their end are regenerated, and so is everything under them.
    clock.setWallTime(clock.now() + 10 * 365 * day - 60 * day);
    const p3 = ensureClusterPKI(base(dir, clock));
    assert.notEqual(p3.serverCA.certPEM, p2.serverCA.certPEM);
    assert.notEqual(p3.clientCA.certPEM, p2.clientCA.certPEM);
    assert.ok(signedBy(p3.serving, p3.serverCA));
    for (const kp of [p3.admin, p3.kubeletClient]) assert.ok(signedBy(kp, p3.clientCA));
    // And the next start keeps them.
    const before = files(dir);
    ensureClusterPKI(base(dir, clock));
    assert.deepEqual(files(dir), before);
  }),
);

test(
  'the front-proxy client certificate is signed by the request-header CA only, CN front-proxy-client',
  withDir((dir) => {
    const p = ensureClusterPKI(base(dir, new FakeClock()));
    const c = cert(p.frontProxyClient);
    assert.equal(c.subject, 'CN=front-proxy-client');
    assert.ok(signedBy(p.frontProxyClient, p.requestHeaderCA));
    assert.ok(!cert(p.frontProxyClient).verify(cert(p.clientCA).publicKey));
    assert.ok(!signedBy(p.admin, p.requestHeaderCA));
    assert.match(cert(p.requestHeaderCA).subject, /^CN=kubets-request-header-ca@\d+$/);
    assert.ok(cert(p.requestHeaderCA).ca);
    // Clients of extension servers check extKeyUsage clientAuth.
    assert.ok((c.keyUsage ?? []).includes('1.3.6.1.5.5.7.3.2'), String(c.keyUsage));
  }),
);

test(
  'a deleted request-header CA is regenerated with a new front-proxy client certificate; nothing else changes',
  withDir((dir) => {
    const clock = new FakeClock();
    const first = ensureClusterPKI(base(dir, clock));
    const before = files(dir);
    unlinkSync(join(dir, 'request-header-ca.key'));
    unlinkSync(join(dir, 'request-header-ca.crt'));
    const p = ensureClusterPKI(base(dir, clock));
    const after = files(dir);
    const changed = [...after.keys()].filter((f) => after.get(f) !== before.get(f)).sort();
    assert.deepEqual(changed, [
      'client-auth-proxy.crt',
      'client-auth-proxy.key',
      'request-header-ca.crt',
      'request-header-ca.key',
    ]);
    assert.notEqual(p.frontProxyClient.certPEM, first.frontProxyClient.certPEM);
    assert.ok(signedBy(p.frontProxyClient, p.requestHeaderCA));
  }),
);

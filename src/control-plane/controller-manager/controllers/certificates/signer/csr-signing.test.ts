import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { FakeApiServer, fakeRestClient } from '../../../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../../../lib/clock.js';
import { createCertificate, generateKey } from '../../../../../lib/pki/x509.js';
import { startControllerManager } from '../../../controller-manager.js';
import type { SignerKeyPair } from '../../../types.js';
import { requestOf, signerNames, type Csr } from '../csr-helpers.js';
import { csrObject, fakeCsrSubresources, type CsrFixture } from '../testing.js';
import { CertificateAuthority, certificateDuration } from './certificate-authority.js';
import { csrSigningController } from './csr-signing.js';

const hour = 3600_000;
const t0 = Date.UTC(2026, 0, 1);

function makeCA(cn: string, notAfter = t0 + 10 * 365 * 24 * hour): SignerKeyPair {
  const k = generateKey();
  const certPEM = createCertificate({
    subject: { commonName: cn, organizations: ['kubets'] },
    publicKey: k.publicKey,
    selfSigningKey: k.privateKey,
    notBefore: new Date(t0 - hour),
    notAfter: new Date(notAfter),
    isCA: true,
    keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
  });
  return { certPEM, keyPEM: k.privateKeyPEM };
}

const approved = [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }];
const client = (over: Partial<CsrFixture>): CsrFixture => ({
  name: 'c',
  cn: 'system:node:n1',
  signerName: signerNames.kubeAPIServerClientKubelet,
  usages: ['digital signature', 'client auth'],
  username: 'system:bootstrap:abcdef',
  conditions: approved,
  ...over,
});

test('certificateDuration honours expirationSeconds between 10 minutes and the configured maximum', () => {
  const max = 365 * 24 * hour;
  const cases: [number | undefined, number][] = [
    [undefined, max],
    [3600, hour],
    [60, 10 * 60_000],
    [600, 10 * 60_000],
    [10 * 365 * 24 * 3600, max],
  ];
  for (const [exp, want] of cases) assert.equal(certificateDuration(exp, max), want, String(exp));
});

test('CertificateAuthority.sign: backdating, short lifetimes, clamping to the CA, usages and subject copied', () => {
  const caPair = makeCA('client-ca', t0 + 30 * 24 * hour);
  const ca = new CertificateAuthority(caPair);
  const req = requestOf(csrObject(client({ dnsNames: ['a.example'], ipAddresses: ['10.0.0.9'] })));
  const cases: [number, number, number][] = [
    // ttl, expected notBefore offset, expected notAfter offset (from now)
    [24 * hour, -5 * 60_000, 24 * hour - 5 * 60_000],
    [hour, -5 * 60_000, hour],
  ];
  for (const [ttl, nb, na] of cases) {
    const cert = new X509Certificate(ca.sign(req, ['digital signature', 'key encipherment', 'client auth'], ttl, t0));
    assert.equal(Date.parse(cert.validFrom), t0 + nb);
    assert.equal(Date.parse(cert.validTo), t0 + na);
    assert.ok(cert.checkIssued(ca.certificate));
    assert.ok(cert.verify(ca.certificate.publicKey));
    assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:n1');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.ca, false);
    assert.match(cert.subjectAltName ?? '', /DNS:a\.example, IP Address:10\.0\.0\.9/);
  }
  const clamped = new X509Certificate(ca.sign(req, ['client auth'], 365 * 24 * hour, t0));
  assert.equal(clamped.validTo, ca.certificate.validTo);
  assert.throws(
    () => ca.sign(req, ['client auth'], hour, t0 + 31 * 24 * hour),
    /the signer has expired|refusing to sign/,
  );
  assert.throws(() => ca.sign(req, ['flying'], hour, t0), /unrecognized usage values: \["flying"\]/);
  assert.throws(
    () => new CertificateAuthority({ certPEM: caPair.certPEM, keyPEM: generateKey().privateKeyPEM }),
    /do not match/,
  );
});

test('the controller signs approved requests with the CA of their signer, marks invalid ones Failed, skips the rest', async () => {
  const clock = new FakeClock(t0);
  const fake = new FakeApiServer(clock);
  const clientCA = makeCA('client-ca');
  const servingCA = makeCA('serving-ca');
  const fixtures: CsrFixture[] = [
    client({ name: 'kubelet-client', expirationSeconds: 2 * 3600 }),
    client({
      name: 'kubelet-serving',
      signerName: signerNames.kubeletServing,
      usages: ['digital signature', 'key encipherment', 'server auth'],
      dnsNames: ['n1'],
      ipAddresses: ['10.0.0.5'],
    }),
    client({ name: 'apiserver-client', signerName: signerNames.kubeAPIServerClient, cn: 'alice', orgs: ['devs'] }),
    client({ name: 'bad-kubelet-client', dnsNames: ['n1'] }),
    client({ name: 'bad-apiserver-client', signerName: signerNames.kubeAPIServerClient, usages: ['server auth'] }),
    client({ name: 'pending', conditions: undefined }),
    client({ name: 'denied', conditions: [...approved, { type: 'Denied', status: 'True' }] }),
    client({ name: 'failed', conditions: [...approved, { type: 'Failed', status: 'True' }] }),
    client({ name: 'other-signer', signerName: 'example.com/custom' }),
  ];
  for (const f of fixtures) fake.seed('certificates.k8s.io', 'certificatesigningrequests', csrObject(f));
  fakeCsrSubresources(fake, () => false);
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [csrSigningController],
    config: { csrSigning: { clientCA, servingCA } },
    clock,
  });
  for (let i = 0; i < 40; i++) await clock.advance(0);
  await cm.stop();
  const get = (name: string) => fake.get('certificates.k8s.io', 'certificatesigningrequests', '', name) as Csr;
  const certOf = (name: string) => {
    const b64 = get(name).status?.certificate;
    return b64 ? new X509Certificate(Buffer.from(b64, 'base64')) : undefined;
  };
  const kc = certOf('kubelet-client')!;
  assert.ok(kc.checkIssued(new X509Certificate(clientCA.certPEM)), 'client certificates come from the client CA');
  assert.equal(Date.parse(kc.validTo), t0 + 2 * hour, 'expirationSeconds is honoured (under 8 h: end not backdated)');
  const ks = certOf('kubelet-serving')!;
  assert.ok(ks.checkIssued(new X509Certificate(servingCA.certPEM)), 'serving certificates come from the serving CA');
  assert.deepEqual(ks.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(certOf('apiserver-client')!.subject, 'O=devs\nCN=alice');
  for (const [name, message] of [
    ['bad-kubelet-client', 'DNS subjectAltNames are not allowed'],
    ['bad-apiserver-client', 'invalid usage for client certificate: server auth'],
  ]) {
    const failed = get(name!).status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(failed?.reason, 'SignerValidationFailure', name);
    assert.equal(failed?.message, message);
    assert.equal(get(name!).status?.certificate, undefined);
  }
  for (const name of ['pending', 'denied', 'failed', 'other-signer']) assert.equal(certOf(name), undefined, name);
});

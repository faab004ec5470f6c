import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCertificate, generateKey } from './x509.js';

test('a CA signs a serving certificate that node:crypto parses and verifies', () => {
  const ca = generateKey();
  const now = new Date('2026-01-01T00:00:00Z');
  const later = new Date('2036-01-01T00:00:00Z');
  const caPem = createCertificate({
    subject: { commonName: 'kubets-ca' },
    publicKey: ca.publicKey,
    selfSigningKey: ca.privateKey,
    notBefore: now,
    notAfter: later,
    isCA: true,
    keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
  });
  const srv = generateKey();
  const srvPem = createCertificate({
    subject: { commonName: 'kube-apiserver' },
    publicKey: srv.publicKey,
    issuer: { subject: { commonName: 'kubets-ca' }, privateKey: ca.privateKey, publicKey: ca.publicKey },
    notBefore: now,
    notAfter: later,
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
    dnsNames: ['localhost', 'kubernetes.default.svc.cluster.local'],
    ipAddresses: ['127.0.0.1', '10.43.0.1', '::1'],
  });
  const caCert = new X509Certificate(caPem);
  const srvCert = new X509Certificate(srvPem);
  assert.equal(caCert.ca, true);
  assert.equal(srvCert.ca, false);
  assert.ok(srvCert.verify(caCert.publicKey));
  assert.ok(srvCert.checkIssued(caCert));
  assert.equal(srvCert.subject, 'CN=kube-apiserver');
  assert.match(srvCert.subjectAltName ?? '', /DNS:kubernetes\.default\.svc\.cluster\.local/);
  assert.match(srvCert.subjectAltName ?? '', /IP Address:10\.43\.0\.1/);
  assert.match(srvCert.subjectAltName ?? '', /IP Address:0:0:0:0:0:0:0:1/i);
  assert.deepEqual(srvCert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(srvCert.validFrom, 'Jan  1 00:00:00 2026 GMT');
});

test('client certificate subject carries the user as CN and groups as O', () => {
  const ca = generateKey();
  const client = generateKey();
  const pem = createCertificate({
    subject: { commonName: 'admin', organizations: ['system:masters', 'devs'] },
    publicKey: client.publicKey,
    issuer: { subject: { commonName: 'ca' }, privateKey: ca.privateKey, publicKey: ca.publicKey },
    notBefore: new Date(),
    notAfter: new Date(Date.now() + 86400_000),
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['clientAuth'],
  });
  const cert = new X509Certificate(pem);
  assert.equal(cert.subject, 'O=system:masters\nO=devs\nCN=admin');
  assert.ok(cert.verify(ca.publicKey));
});

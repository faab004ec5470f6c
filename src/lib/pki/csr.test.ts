import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { createCsr, parseCsr } from './csr.js';
import { decodePEM, toPEM } from './pem.js';
import { certificateSubjectDER, createCertificate, generateKey } from './x509.js';

// Requests made with OpenSSL 3.0 (`openssl req -new ...`), to check the parser against another implementation.
const opensslEC = `-----BEGIN CERTIFICATE REQUEST-----
MIIBMDCB1gIBADA2MRUwEwYDVQQKDAxzeXN0ZW06bm9kZXMxHTAbBgNVBAMMFHN5
c3RlbTpub2RlOndvcmtlci0xMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfUFV
7DIgYAEdaaLMmxUPujNIHvtYbujBeLGiZXPct7qN/z7VCUorJNbUk9rRn4p5UY+G
crgDS6+uvqvpvpNr16A+MDwGCSqGSIb3DQEJDjEvMC0wKwYDVR0RBCQwIoIId29y
a2VyLTGHBAoAAAeHEP0AAAAAAAAAAAAAAAAAAAcwCgYIKoZIzj0EAwIDSQAwRgIh
ALcBLkcQZWeXT8clemYlUYjgtg1gp30FKRaYPOMNGKEnAiEAtALTo0oDGecPIwiO
HozvJMAvFr/SWyxhrP0QbZhMjgk=
-----END CERTIFICATE REQUEST-----
`;
const opensslRSA = `-----BEGIN CERTIFICATE REQUEST-----
MIICfzCCAWcCAQAwOjELMAkGA1UEBhMCVVMxDTALBgNVBAoMBGRldnMxDDAKBgNV
BAoMA29wczEOMAwGA1UEAwwFYWxpY2UwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw
ggEKAoIBAQDKIxYSUSh+rv4dMq8bpnZHfM8WFC3CDORJ0ekHYfa78PoJBlAkQuez
jlwR3sfMrjq9Ro3UxaOTzAnGxTXoBZrVq8ze3OnvFWzBdxDbMEoNvHtnjr/p/3QG
8702t/yTwr01RFNwcotNHQC796gdTlhi736F5L0YZb56tkvwXaH4WQKrIoE0TOyZ
IDndab7JG19kAea86prcSymzSY4hpTbQ7GCB3k5z40ZIQK1MvocN7inAFeiVSBwT
ec5JyAekOFeW+tP58/HUoAueOMU/Ide2K8s4oWrWFmNZj6qoas+5zwY1Ud1lRvPr
ryuabkwPSYcmelEy1qxc1cxbilUk/ZulAgMBAAGgADANBgkqhkiG9w0BAQsFAAOC
AQEAxC5A9BLIouezqUXsSYuujEVmZ4/jEcCZ7bf6Act2K58+/rLgJVj6xoRcu6ym
uDFFgzXYpeEpPFZHlC01ETkV1MqN4Ojgxue5IGAHxYVaip8ft82BxnhMdcwXmecc
FXPiPobFqDY+Z0QXKPP9P+YlVcqjm8OI83BuIaCOpCz5Oe182K1JiuOVos178ixy
9hKkHgtz9bglUT9jHkUmmZS1iABkLPouA0JqiL4CdfX+FKVT+UEJ8E7mYY+R+X3L
SQkAMUKDQ+jUBklcO1Woa2OKHLsQB09zLpzFuxcH7lJhUp+pqkrKLnj2/kOOjgP+
qNDv3YjyR1DZ764KTH59L2jY+Q==
-----END CERTIFICATE REQUEST-----
`;

test('createCsr round-trips subject, SANs and key through parseCsr', () => {
  const key = generateKey();
  const pem = createCsr(
    key.privateKey,
    { commonName: 'system:node:n1', organizations: ['system:nodes'] },
    {
      dnsNames: ['n1', 'n1.example.com'],
      ipAddresses: ['192.168.5.4', 'fd00::1', '::ffff:10.1.2.3'],
    },
  );
  assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  const csr = parseCsr(pem);
  assert.deepEqual(csr.subject, { commonName: 'system:node:n1', organizations: ['system:nodes'] });
  assert.deepEqual(csr.dnsNames, ['n1', 'n1.example.com']);
  assert.deepEqual(csr.ipAddresses, ['192.168.5.4', 'fd00::1', '10.1.2.3']);
  assert.deepEqual(csr.emailAddresses, []);
  assert.equal(csr.publicKeyAlgorithm, 'ec');
  assert.equal(csr.signatureAlgorithm, '1.2.840.10045.4.3.2');
  assert.ok(csr.publicKey.equals(key.publicKey));
});

test('a CSR without SANs carries an empty attribute set and parses', () => {
  const pem = createCsr(generateKey().privateKeyPEM, { commonName: 'system:node:n2', organizations: ['system:nodes'] });
  const der = decodePEM(pem)[0]!.der;
  // CertificationRequestInfo ends with the empty [0] attributes (a0 00), as Go writes it.
  assert.ok(der.includes(Buffer.from([0xa0, 0x00])));
  const csr = parseCsr(pem);
  assert.deepEqual(csr.dnsNames, []);
  assert.deepEqual(csr.ipAddresses, []);
});

test('parseCsr reads requests made by OpenSSL (EC with SANs, RSA with several O and a C)', () => {
  const ec = parseCsr(opensslEC);
  assert.deepEqual(ec.subject, { commonName: 'system:node:worker-1', organizations: ['system:nodes'] });
  assert.deepEqual(ec.dnsNames, ['worker-1']);
  assert.deepEqual(ec.ipAddresses, ['10.0.0.7', 'fd00::7']);
  const rsa = parseCsr(opensslRSA);
  assert.deepEqual(rsa.subject, { commonName: 'alice', organizations: ['devs', 'ops'] });
  assert.equal(rsa.publicKeyAlgorithm, 'rsa');
  assert.equal(rsa.signatureAlgorithm, '1.2.840.113549.1.1.11');
});

test('Ed25519 and RSA keys sign requests too', () => {
  for (const type of ['ed25519', 'rsa'] as const) {
    const { privateKey } =
      type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
    const csr = parseCsr(createCsr(privateKey, { commonName: `u-${type}` }));
    assert.equal(csr.publicKeyAlgorithm, type);
    assert.equal(csr.subject.commonName, `u-${type}`);
  }
});

test('parseCsr rejects tampered signatures, wrong PEM types and garbage with upstream messages', () => {
  const pem = createCsr(generateKey().privateKey, { commonName: 'system:node:n1', organizations: ['system:nodes'] });
  const der = Buffer.from(decodePEM(pem)[0]!.der);
  // Flip one byte of the subject: the signature no longer covers what is there.
  const at = der.indexOf(Buffer.from('system:node:n1'));
  der[at + 12] = 'x'.charCodeAt(0);
  const tampered = toPEM('CERTIFICATE REQUEST', der);
  assert.throws(() => parseCsr(tampered), { message: 'x509: ECDSA verification failure' });
  assert.equal(parseCsr(tampered, { verify: false }).subject.commonName, 'system:node:x1');
  assert.throws(() => parseCsr(pem.replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE')), {
    message: 'PEM block type must be CERTIFICATE REQUEST',
  });
  assert.throws(() => parseCsr('not pem at all'), { message: 'PEM block type must be CERTIFICATE REQUEST' });
  assert.throws(() => parseCsr(toPEM('CERTIFICATE REQUEST', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]))), /x509|asn1/);
});

test('a certificate signed from a CSR keeps its subject bytes and chains to the CA (checked by node:crypto)', () => {
  const ca = generateKey();
  const caPem = createCertificate({
    subject: { commonName: 'ca' },
    publicKey: ca.publicKey,
    selfSigningKey: ca.privateKey,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    isCA: true,
    keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
  });
  const csr = parseCsr(opensslRSA);
  const pem = createCertificate({
    subject: csr.subject,
    subjectDER: csr.subjectDER,
    publicKey: csr.publicKey,
    issuer: {
      subject: { commonName: 'ca' },
      subjectDER: certificateSubjectDER(caPem),
      privateKey: ca.privateKey,
      publicKey: ca.publicKey,
    },
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    keyUsage: ['digitalSignature', 'keyEncipherment', 'decipherOnly'],
    extKeyUsage: ['clientAuth', 'serverAuth'],
    emailAddresses: ['a@example.com'],
    uris: ['spiffe://cluster.local/ns/a'],
  });
  const cert = new X509Certificate(pem);
  assert.equal(cert.subject, 'C=US\nO=devs\nO=ops\nCN=alice');
  assert.ok(cert.checkIssued(new X509Certificate(caPem)));
  assert.ok(cert.verify(ca.publicKey));
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.match(cert.subjectAltName ?? '', /email:a@example.com/);
  assert.match(cert.subjectAltName ?? '', /URI:spiffe:\/\/cluster.local\/ns\/a/);
  assert.deepEqual(certificateSubjectDER(pem), csr.subjectDER);
});

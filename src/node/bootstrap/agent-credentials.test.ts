import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCertificate, generateKey } from '../../lib/pki/x509.js';
import { certificateState } from './agent-credentials.js';
import { caPEMHash, parseJoinToken } from './join-token.js';

const day = 24 * 3600_000;
const t0 = Date.UTC(2026, 0, 1);

function ca() {
  const k = generateKey();
  const certPEM = createCertificate({
    subject: { commonName: 'ca' },
    publicKey: k.publicKey,
    selfSigningKey: k.privateKey,
    notBefore: new Date(t0 - day),
    notAfter: new Date(t0 + 3650 * day),
    isCA: true,
    keyUsage: ['keyCertSign', 'digitalSignature'],
  });
  return { certPEM, issuer: { subject: { commonName: 'ca' }, privateKey: k.privateKey, publicKey: k.publicKey } };
}

function leaf(issuer: ReturnType<typeof ca>['issuer'], cn: string, sans: { dns?: string[]; ips?: string[] } = {}) {
  const k = generateKey();
  const certPEM = createCertificate({
    subject: { commonName: cn, organizations: ['system:nodes'] },
    publicKey: k.publicKey,
    issuer,
    notBefore: new Date(t0),
    notAfter: new Date(t0 + 100 * day),
    keyUsage: ['digitalSignature'],
    dnsNames: sans.dns,
    ipAddresses: sans.ips,
  });
  return { certPEM, keyPEM: k.privateKeyPEM };
}

test('certificateState: valid, renew past 80% of the lifetime, invalid for anything that does not match', () => {
  const c = ca();
  const other = ca();
  const good = leaf(c.issuer, 'system:node:n1', { dns: ['n1'], ips: ['10.0.0.5', 'fd00::5'] });
  const check = {
    caPEM: c.certPEM,
    commonName: 'system:node:n1',
    sans: ['n1', '10.0.0.5', 'fd00:0::5'],
    now: t0 + 10 * day,
  };
  const cases: [string, string | undefined, string | undefined, Partial<typeof check>, string][] = [
    ['fresh', good.certPEM, good.keyPEM, {}, 'valid'],
    ['79%', good.certPEM, good.keyPEM, { now: t0 + 79 * day }, 'valid'],
    ['81%', good.certPEM, good.keyPEM, { now: t0 + 81 * day }, 'renew'],
    ['expired', good.certPEM, good.keyPEM, { now: t0 + 101 * day }, 'invalid'],
    ['other CA', good.certPEM, good.keyPEM, { caPEM: other.certPEM }, 'invalid'],
    ['other key', good.certPEM, generateKey().privateKeyPEM, {}, 'invalid'],
    ['other node', good.certPEM, good.keyPEM, { commonName: 'system:node:n2' }, 'invalid'],
    ['missing SAN', good.certPEM, good.keyPEM, { sans: ['n1', '10.0.0.6'] }, 'invalid'],
    ['missing files', undefined, undefined, {}, 'invalid'],
    ['garbage', 'junk', 'junk', {}, 'invalid'],
  ];
  for (const [name, cert, key, over, want] of cases)
    assert.equal(certificateState(cert, key, { ...check, ...over }), want, name);
});

test('parseJoinToken: bootstrap tokens with an optional k3s-style CA pin', () => {
  assert.deepEqual(parseJoinToken('abcdef.0123456789abcdef\n'), { id: 'abcdef', secret: '0123456789abcdef' });
  const hash = caPEMHash('PEM');
  assert.deepEqual(parseJoinToken(`K10${hash}::abcdef.0123456789abcdef`), {
    id: 'abcdef',
    secret: '0123456789abcdef',
    caHash: hash,
  });
  // (`K10<hash>::server:<password>`, the server token, is accepted: join-token.test.ts.)
  for (const bad of ['', 'abcdef', 'ABCDEF.0123456789abcdef', 'abcdef.short'])
    assert.throws(() => parseJoinToken(bad), /malformed join token/, bad);
});

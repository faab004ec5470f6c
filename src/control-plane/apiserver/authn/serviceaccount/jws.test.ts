import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { base64url, keyIdOf, parseCompact, publicJwk, signCompact, verifyCompact } from './jws.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ec2 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

test('ES256 tokens: header {alg,kid}, kid = base64url(SHA-256(SPKI DER)), 64-byte signature', () => {
  const token = signCompact({ sub: 'x', aud: ['a'] }, ec.privateKey);
  const [h, p, s] = token.split('.');
  const kid = base64url(
    createHash('sha256')
      .update(ec.publicKey.export({ type: 'spki', format: 'der' }))
      .digest(),
  );
  assert.equal(Buffer.from(h!, 'base64url').toString(), JSON.stringify({ alg: 'ES256', kid }));
  assert.equal(keyIdOf(ec.privateKey), kid);
  assert.equal(keyIdOf(ec.publicKey), kid);
  assert.equal(Buffer.from(p!, 'base64url').toString(), '{"sub":"x","aud":["a"]}');
  assert.equal(Buffer.from(s!, 'base64url').length, 64);
  assert.ok(!token.includes('='));
  const parsed = parseCompact(token)!;
  assert.equal(verifyCompact(parsed, ec.publicKey), true);
  assert.equal(verifyCompact(parsed, ec2.publicKey), false);
  const rs = parseCompact(signCompact({ a: 1 }, rsa.privateKey))!;
  assert.equal(rs.header.alg, 'RS256');
  assert.equal(verifyCompact(rs, rsa.publicKey), true);
});

test('alg none, algorithm confusion, critical headers and tampering are refused', () => {
  const good = signCompact({ sub: 'x' }, ec.privateKey);
  const [, p, s] = good.split('.');
  const header = (h: object) => base64url(JSON.stringify(h));
  const kid = keyIdOf(ec.publicKey);
  const spki = ec.publicKey.export({ type: 'spki', format: 'pem' });
  const hmacInput = `${header({ alg: 'HS256', kid })}.${p}`;
  const forged = [
    `${header({ alg: 'none', kid })}.${p}.`,
    `${header({ alg: 'none' })}.${p}.${s}`,
    `${header({ alg: 'ES384', kid })}.${p}.${s}`,
    `${header({ alg: 'RS256', kid })}.${p}.${s}`,
    `${hmacInput}.${base64url(createHmac('sha256', spki).update(hmacInput).digest())}`,
    `${header({ alg: 'ES256', kid, crit: ['exp'] })}.${p}.${s}`,
    `${good.split('.')[0]}.${base64url('{"sub":"admin"}')}.${s}`,
  ];
  for (const t of forged) {
    const parsed = parseCompact(t);
    assert.ok(!parsed || !verifyCompact(parsed, ec.publicKey), t);
  }
  // An RSA-signed token never verifies with the EC key, nor the reverse.
  assert.equal(verifyCompact(parseCompact(signCompact({}, rsa.privateKey))!, ec.publicKey), false);
  assert.equal(verifyCompact(parseCompact(good)!, rsa.publicKey), false);
});

test('malformed compact serializations do not parse', () => {
  const good = signCompact({ sub: 'x' }, ec.privateKey);
  const [h, p, s] = good.split('.') as [string, string, string];
  for (const t of [
    '',
    'a',
    'a.b',
    'a.b.c.d',
    `${h}.${p}`,
    `${h}=.${p}.${s}`,
    `${h}.${p}.${s}+`,
    `${base64url('[1]')}.${p}.${s}`,
    `${base64url('{"alg":5}')}.${p}.${s}`,
    `${h}.${base64url('"str"')}.${s}`,
    `${h}.${base64url('{bad')}.${s}`,
    `${h}.${p}.A`,
  ]) {
    assert.equal(parseCompact(t), undefined, t);
  }
});

test('public JWKs are rendered in go-jose field order', () => {
  const jwk = publicJwk(ec.privateKey);
  assert.deepEqual(Object.keys(jwk), ['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
  assert.equal(jwk.kid, keyIdOf(ec.publicKey));
  assert.equal(jwk.crv, 'P-256');
  assert.equal(Buffer.from(jwk.x!, 'base64url').length, 32);
  assert.deepEqual(Object.keys(publicJwk(rsa.publicKey)), ['use', 'kty', 'kid', 'alg', 'n', 'e']);
});

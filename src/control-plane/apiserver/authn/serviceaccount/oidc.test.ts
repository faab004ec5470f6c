import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { keyIdOf } from './jws.js';
import { OpenIDMetadata } from './oidc.js';

const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

test('discovery document and JWKS render as upstream', () => {
  const md = new OpenIDMetadata({
    issuer: 'https://kubernetes.default.svc.cluster.local',
    externalAddress: '127.0.0.1:6443',
    keys: [key.privateKey],
  });
  const conf = md.serve('/.well-known/openid-configuration');
  assert.ok(conf && conf.type === 'bytes');
  assert.equal(conf.contentType, 'application/json');
  assert.deepEqual(conf.headers, { 'Cache-Control': 'public, max-age=3600' });
  assert.equal(
    conf.body,
    '{"issuer":"https://kubernetes.default.svc.cluster.local","jwks_uri":"https://127.0.0.1:6443/openid/v1/jwks",' +
      '"response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["ES256"]}',
  );
  const jwks = md.serve('/openid/v1/jwks');
  assert.ok(jwks && jwks.type === 'bytes');
  assert.equal(jwks.contentType, 'application/jwk-set+json');
  const body = JSON.parse(String(jwks.body));
  assert.equal(body.keys.length, 1);
  const k = body.keys[0];
  assert.deepEqual(Object.keys(k), ['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
  assert.equal(k.kid, keyIdOf(key.publicKey));
  // The JWK is the public half only and round-trips to the same key.
  assert.equal(k.d, undefined);
  assert.deepEqual(key.publicKey.export({ format: 'jwk' }), { kty: 'EC', crv: 'P-256', x: k.x, y: k.y });
  assert.equal(md.serve('/openid/v1/other'), undefined);
  assert.equal(
    new OpenIDMetadata({ issuer: 'https://x', jwksURI: 'https://keys.example/jwks', keys: [key.publicKey] })
      .configuration.jwks_uri,
    'https://keys.example/jwks',
  );
  assert.throws(
    () => new OpenIDMetadata({ issuer: 'http://insecure', externalAddress: 'a', keys: [] }),
    /https scheme/,
  );
  assert.throws(() => new OpenIDMetadata({ issuer: 'https://x', keys: [] }), /JWKS URI/);
});

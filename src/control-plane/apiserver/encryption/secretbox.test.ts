import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { poly1305 } from './poly1305.js';
import { hsalsa20, salsa20Xor, xsalsa20Xor } from './salsa20.js';
import { secretboxOpen, secretboxSeal } from './secretbox.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/[\s,]|0x/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// Published test vectors: NaCl tests/core1.c, tests/secretbox.c, tests/onetimeauth.c,
// the eSTREAM Salsa20 set 1 vector 0 (256-bit key) and RFC 8439 §2.5.2.
const firstkey = hex('1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389');
const nonce = hex('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37');
const message = hex(`
  be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc
  e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31
  0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde
  048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864
  5e0705`);
const box = hex(`
  f3ffc7703f9400e52a7dfb4b3d3305d9
  8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a
  c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738
  b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da
  99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74
  e355a5`);

test('Salsa20 eSTREAM set 1 vector 0', () => {
  const key = new Uint8Array(32);
  key[0] = 0x80;
  const stream = salsa20Xor(key, new Uint8Array(8), new Uint8Array(64));
  assert.equal(
    toHex(stream),
    'e3be8fdd8beca2e3ea8ef9475b29a6e7003951e1097a5c38d23b7a5fad9f6844b22c97559e2723c7cbbd3fe4fc8d9a0744652a83e72a9c461876af4d7ef1a117',
  );
});

test('HSalsa20 (NaCl core1) derives the secretbox test key', () => {
  const shared = hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  assert.equal(toHex(hsalsa20(shared, new Uint8Array(16))), toHex(firstkey));
});

test('XSalsa20 keystream starts with the NaCl one-time authenticator key', () => {
  assert.equal(
    toHex(xsalsa20Xor(firstkey, nonce, new Uint8Array(32))),
    'eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880',
  );
  // Encrypting twice with the same stream restores the input, across block boundaries.
  const data = randomBytes(200);
  assert.deepEqual(xsalsa20Xor(firstkey, nonce, xsalsa20Xor(firstkey, nonce, data)), Uint8Array.from(data));
});

test('Poly1305: NaCl onetimeauth, RFC 8439 and the wrap-around vector', () => {
  assert.equal(
    toHex(poly1305(hex('eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880'), box.subarray(16))),
    'f3ffc7703f9400e52a7dfb4b3d3305d9',
  );
  assert.equal(
    toHex(
      poly1305(
        hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b'),
        new TextEncoder().encode('Cryptographic Forum Research Group'),
      ),
    ),
    'a8061dc1305136c6c22b8baf0c0127a9',
  );
  const wrapKey = new Uint8Array(32);
  wrapKey[0] = 2;
  assert.equal(toHex(poly1305(wrapKey, new Uint8Array(16).fill(0xff))), '03000000000000000000000000000000');
  assert.equal(toHex(poly1305(firstkey, new Uint8Array(0))), toHex(firstkey.subarray(16)));
});

test('secretbox matches NaCl tests/secretbox.c and detects tampering', () => {
  assert.equal(toHex(secretboxSeal(message, nonce, firstkey)), toHex(box));
  assert.deepEqual(secretboxOpen(box, nonce, firstkey), message);
  for (const i of [0, 15, 16, box.length - 1]) {
    const bad = Uint8Array.from(box);
    bad[i]! ^= 1;
    assert.equal(secretboxOpen(bad, nonce, firstkey), undefined, `flipped byte ${i}`);
  }
  const otherKey = Uint8Array.from(firstkey);
  otherKey[0]! ^= 1;
  assert.equal(secretboxOpen(box, nonce, otherKey), undefined);
  assert.equal(secretboxOpen(box.subarray(0, 10), nonce, firstkey), undefined);
  assert.deepEqual(
    secretboxOpen(secretboxSeal(new Uint8Array(0), nonce, firstkey), nonce, firstkey),
    new Uint8Array(0),
  );
});

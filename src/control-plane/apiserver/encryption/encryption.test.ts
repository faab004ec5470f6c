import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import type { KeyValue, Storage } from '../../storage/interface.js';
import { EncryptionConfig } from './config.js';
import { EncryptedStorage } from './encrypted-storage.js';
import { isStaleRead } from './stale-reads.js';
import type { ValueTransformer } from './value-transformer.js';
import { secretboxOpen } from './secretbox.js';

const k16 = Buffer.alloc(16, 1).toString('base64');
const k32a = Buffer.alloc(32, 2).toString('base64');
const k32b = Buffer.alloc(32, 3).toString('base64');

function config(providers: string, resources = '["secrets"]'): EncryptionConfig {
  return EncryptionConfig.parse(`
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: ${resources}
    providers:
${providers}
`);
}

const aescbc = (name: string, secret: string) =>
  `      - aescbc:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`;
const aesgcm = (name: string, secret: string) =>
  `      - aesgcm:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`;
const secretbox = (name: string, secret: string) =>
  `      - secretbox:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`;
const identity = '      - identity: {}\n';

const key = '/registry/secrets/default/db';
const plaintext = new TextEncoder().encode('{"kind":"Secret","data":{"password":"aHVudGVyMg=="}}');
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
/** Decrypts and reports the text and staleness (Buffer vs Uint8Array does not matter to callers). */
const dec = (t: ReturnType<EncryptionConfig['transformerFor']>, k: string, v: Uint8Array) => {
  const r = t.decrypt(k, v);
  return { text: text(r.plaintext), stale: r.stale };
};
const want = (b: Uint8Array, stale: boolean) => ({ text: text(b), stale });

test('every provider round-trips with upstream prefixes and layouts', () => {
  const cases: [string, string, number][] = [
    [aescbc('key1', k32a), 'k8s:enc:aescbc:v1:key1:', 16],
    [aescbc('short', k16), 'k8s:enc:aescbc:v1:short:', 16],
    [aesgcm('g', k32a), 'k8s:enc:aesgcm:v1:g:', 12],
    [secretbox('box', k32b), 'k8s:enc:secretbox:v1:box:', 24],
  ];
  for (const [provider, prefix] of cases) {
    const t = config(provider).transformerFor('', 'secrets');
    const stored = t.encrypt(key, plaintext);
    assert.ok(text(stored).startsWith(prefix), prefix);
    assert.ok(!text(stored).includes('hunter'), 'ciphertext does not leak the value');
    const again = t.encrypt(key, plaintext);
    assert.notDeepEqual(stored, again, 'random IV/nonce per write');
    assert.deepEqual(dec(t, key, stored), want(plaintext, false));
  }
});

test('stored formats are readable by independent implementations (Go layout)', () => {
  const cbc = config(aescbc('k', k32a)).transformerFor('', 'secrets').encrypt(key, plaintext);
  const body = Buffer.from(cbc).subarray('k8s:enc:aescbc:v1:k:'.length);
  const d = createDecipheriv('aes-256-cbc', Buffer.from(k32a, 'base64'), body.subarray(0, 16));
  assert.equal(Buffer.concat([d.update(body.subarray(16)), d.final()]).toString(), text(plaintext));
  const box = Buffer.from(config(secretbox('b', k32b)).transformerFor('', 'secrets').encrypt(key, plaintext)).subarray(
    'k8s:enc:secretbox:v1:b:'.length,
  );
  assert.equal(
    text(secretboxOpen(box.subarray(24), box.subarray(0, 24), Buffer.from(k32b, 'base64'))!),
    text(plaintext),
  );
});

test('tampering, wrong keys and moved values are detected', () => {
  for (const provider of [aesgcm('k', k32a), secretbox('k', k32b)]) {
    const t = config(provider).transformerFor('', 'secrets');
    const stored = Buffer.from(t.encrypt(key, plaintext));
    stored[stored.length - 1]! ^= 1;
    assert.throws(
      () => t.decrypt(key, stored),
      /message authentication failed|output array was not large enough for encryption/,
    );
  }
  const gcm = config(aesgcm('k', k32a)).transformerFor('', 'secrets');
  // The storage key is authenticated: a value copied under another key does not decrypt.
  assert.throws(() => gcm.decrypt('/registry/secrets/default/other', gcm.encrypt(key, plaintext)), {
    message: 'cipher: message authentication failed',
  });
  const cbc = config(aescbc('k', k32a)).transformerFor('', 'secrets');
  const other = config(aescbc('k', k32b)).transformerFor('', 'secrets');
  assert.throws(() => other.decrypt(key, cbc.encrypt(key, new Uint8Array(5))), { message: 'invalid padding on input' });
  const truncated = Buffer.from(cbc.encrypt(key, plaintext)).subarray(0, 'k8s:enc:aescbc:v1:k:'.length + 20);
  assert.throws(() => cbc.decrypt(key, truncated), { message: 'the stored data is not a multiple of the block size' });
  assert.throws(() => cbc.decrypt(key, Buffer.from('k8s:enc:aescbc:v1:unknown:xxxx')), {
    message: 'no matching prefix found',
  });
});

test('identity: plaintext fallback, migration to and away from encryption, stale detection', () => {
  const plain = Buffer.from(plaintext);
  // Encrypting an existing cluster: new writes encrypted, old plaintext still readable but stale.
  const enable = config(aescbc('new', k32a) + identity).transformerFor('', 'secrets');
  assert.deepEqual(dec(enable, key, plain), want(plain, true));
  assert.equal(enable.decrypt(key, enable.encrypt(key, plaintext)).stale, false);
  // Key rotation: the old key second still reads, marked stale.
  const old = config(aescbc('old', k32b)).transformerFor('', 'secrets');
  const rotated = config(aescbc('new', k32a) + aescbc('old', k32b)).transformerFor('', 'secrets');
  const oldValue = old.encrypt(key, plaintext);
  assert.deepEqual(dec(rotated, key, oldValue), want(plaintext, true));
  // Decrypting everything: identity first writes plaintext, the cipher behind it reads old values.
  const disable = config(identity + aescbc('old', k32b)).transformerFor('', 'secrets');
  assert.equal(text(disable.encrypt(key, plaintext)), text(plaintext));
  assert.deepEqual(dec(disable, key, oldValue), want(plaintext, true));
  assert.deepEqual(dec(disable, key, plain), want(plain, false));
  // Identity alone cannot read encrypted data.
  const none = config(identity).transformerFor('', 'secrets');
  assert.throws(() => none.decrypt(key, oldValue), { message: 'identity transformer tried to read encrypted data' });
});

test('resource selection: exact, *.group, *. and *.*, with plaintext for the rest', () => {
  const cfg = EncryptionConfig.parse(`
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: ["secrets", "deployments.apps"]
    providers:
${aesgcm('a', k32a)}
  - resources: ["*.batch"]
    providers:
${secretbox('b', k32b)}
  - resources: ["*."]
    providers:
${aescbc('c', k32a)}
`);
  const prefixOf = (g: string, r: string) => cfg.transformerFor(g, r).writePrefix;
  assert.equal(prefixOf('', 'secrets'), 'k8s:enc:aesgcm:v1:a:');
  assert.equal(prefixOf('apps', 'deployments'), 'k8s:enc:aesgcm:v1:a:');
  assert.equal(prefixOf('batch', 'jobs'), 'k8s:enc:secretbox:v1:b:');
  assert.equal(prefixOf('', 'configmaps'), 'k8s:enc:aescbc:v1:c:');
  assert.equal(prefixOf('apps', 'statefulsets'), '');
  assert.equal(cfg.encrypts('apps', 'statefulsets'), false);
  assert.equal(
    config(aesgcm('x', k32a), '["*.*"]').transformerFor('example.com', 'widgets').writePrefix,
    'k8s:enc:aesgcm:v1:x:',
  );
});

test('configuration validation uses upstream messages', () => {
  const bad = (providers: string, resources?: string) => () => config(providers, resources);
  assert.throws(bad(aescbc('k', Buffer.alloc(8).toString('base64'))), {
    message:
      'error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]',
  });
  assert.throws(
    bad(secretbox('k', k16)),
    /secretbox\.keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of \[32\]/,
  );
  assert.throws(bad(aescbc('k', 'not base64!')), /secrets must be base64 encoded/);
  assert.throws(
    bad('      - aescbc:\n          keys: []\n'),
    /resources\[0\]\.providers\[0\]\.aescbc\.keys: Required value: at least one resources\[0\]\.providers\[0\]\.aescbc\.keys is required/,
  );
  assert.throws(
    bad(
      '      - aescbc:\n          keys:\n            - name: k\n              secret: ' +
        k32a +
        '\n        identity: {}\n',
    ),
    /more than one provider specified in a single element/,
  );
  assert.throws(
    bad(identity, '["*"]'),
    /use '\*\.' to encrypt all the resources from core API group or \*\.\* to encrypt all resources/,
  );
  assert.throws(
    bad(identity, '["secrets", "*."]'),
    /using overlapping resources such as 'secrets' and '\*\.' in the same resource list is not allowed/,
  );
  assert.throws(bad(identity, '["events.events.k8s.io"]'), /objects are stored using the 'events' API group in etcd/);
  assert.throws(bad(identity, '["Secrets"]'), /resource name should not contain capital letters/);
  assert.throws(bad('      - kms:\n          name: vault\n'), /KMS providers are not supported/);
  assert.throws(
    () =>
      EncryptionConfig.parse(`
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: ["*.apps"]
    providers: [{ identity: {} }]
  - resources: ["deployments.apps"]
    providers: [{ identity: {} }]
`),
    { message: 'error while building transformers: resource "deployments.apps" is masked by earlier rule "*.apps"' },
  );
});

test('EncryptedStorage marks reads that are not in the current write format as stale', async () => {
  const oldT = config(aescbc('old', k32b) + identity).transformerFor('', 'secrets');
  const newT = config(aesgcm('new', k32a) + aescbc('old', k32b) + identity).transformerFor('', 'secrets');
  const identityFirst = config(identity + aesgcm('new', k32a)).transformerFor('', 'secrets');
  const data = new Map<string, KeyValue>();
  let rev = 0;
  const put = (k: string, v: Uint8Array) => data.set(k, { key: k, value: v, createRevision: ++rev, modRevision: rev });
  put('/registry/secrets/a/old', oldT.encrypt('/registry/secrets/a/old', plaintext));
  put('/registry/secrets/a/plain', plaintext);
  put('/registry/secrets/a/new', newT.encrypt('/registry/secrets/a/new', plaintext));
  put('/registry/configmaps/a/cm', plaintext);
  const inner = {
    backend: 'fake',
    async get(k: string) {
      return data.get(k);
    },
    async list(prefix: string) {
      const items = [...data.keys()].filter((k) => k.startsWith(prefix)).map((k) => data.get(k)!);
      return { items, revision: rev, more: false };
    },
  } as unknown as Storage;
  const cases: [string, ValueTransformer, boolean][] = [
    ['/registry/secrets/a/old', newT, true],
    ['/registry/secrets/a/plain', newT, true],
    ['/registry/secrets/a/new', newT, false],
    ['/registry/secrets/a/new', identityFirst, true],
    ['/registry/secrets/a/plain', identityFirst, false],
    ['/registry/configmaps/a/cm', newT, false],
  ];
  for (const [k, t, stale] of cases) {
    const s = new EncryptedStorage(inner, [{ prefix: '/registry/secrets/', transformer: t }]);
    const kv = (await s.get(k))!;
    assert.equal(text(kv.value), text(plaintext), k);
    assert.equal(isStaleRead(kv), stale, `get ${k} with ${t.writePrefix || 'identity'} first`);
    const listed = (await s.list(k)).items[0]!;
    assert.equal(isStaleRead(listed), stale, `list ${k}`);
  }
});

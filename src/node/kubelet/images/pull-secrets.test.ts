import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import {
  DockerKeyring,
  decodeAuthField,
  failedPullSecretMessage,
  imageRepository,
  keyMatches,
  keyringFromSecrets,
  podPullSecrets,
  registryKey,
  type DockerConfig,
} from './pull-secrets.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('imageRepository normalizes references as the kubelet looks them up', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox'],
    ['busybox:1.36', 'docker.io/library/busybox'],
    ['user/app:v1', 'docker.io/user/app'],
    ['docker.io/busybox', 'docker.io/library/busybox'],
    ['index.docker.io/user/app', 'docker.io/user/app'],
    ['quay.io/coreos/etcd:v3', 'quay.io/coreos/etcd'],
    ['localhost/app', 'localhost/app'],
    ['localhost:5000/team/app:1', 'localhost:5000/team/app'],
    ['registry.example.com:443/a/b@sha256:abcd', 'registry.example.com:443/a/b'],
  ];
  for (const [image, want] of cases) assert.equal(imageRepository(image), want, image);
});

test('registryKey drops the scheme and a /v1/ or /v2/ prefix', () => {
  const cases: [string, string][] = [
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['http://registry.example.com', 'registry.example.com'],
    ['registry.example.com:5000', 'registry.example.com:5000'],
    ['https://quay.io/v2/coreos', 'quay.io/coreos'],
    ['quay.io/coreos/', 'quay.io/coreos/'],
    ['*.example.com', '*.example.com'],
  ];
  for (const [loc, want] of cases) assert.equal(registryKey(loc), want, loc);
});

test('keyMatches: ports, host segment globs and path prefixes', () => {
  const cases: [string, string, boolean][] = [
    ['quay.io', 'quay.io/coreos/etcd', true],
    ['quay.io/coreos', 'quay.io/coreos/etcd', true],
    ['quay.io/other', 'quay.io/coreos/etcd', false],
    ['*.example.com', 'registry.example.com/app', true],
    ['*.example.com', 'example.com/app', false],
    ['*.example.com', 'a.b.example.com/app', false],
    ['reg?.example.com', 'reg1.example.com/app', true],
    ['registry.example.com:5000', 'registry.example.com:5000/app', true],
    ['registry.example.com:5000', 'registry.example.com/app', false],
    ['registry.example.com', 'registry.example.com:5000/app', false],
    ['docker.io', 'docker.io/library/busybox', true],
    ['index.docker.io', 'docker.io/library/busybox', false],
  ];
  for (const [key, repo, want] of cases) assert.equal(keyMatches(key, repo), want, `${key} ~ ${repo}`);
});

test('lookup returns every matching credential, most specific key first', () => {
  const k = new DockerKeyring();
  const cfg: DockerConfig = {
    'quay.io': { username: 'q', password: 'qp' },
    'https://quay.io/v2/coreos': { auth: b64('core:os:pw') },
    '*.example.com': { identitytoken: 'id-tok' },
    'https://index.docker.io/v1/': { username: 'hub', password: 'hp', registrytoken: 'reg-tok' },
  };
  k.add(cfg);
  const cases: [string, object[]][] = [
    [
      'quay.io/coreos/etcd:v3',
      [
        { username: 'core', password: 'os:pw' },
        { username: 'q', password: 'qp' },
      ],
    ],
    ['quay.io/prometheus/node', [{ username: 'q', password: 'qp' }]],
    ['registry.example.com/app', [{ username: '', password: '', identityToken: 'id-tok' }]],
    ['busybox', [{ username: 'hub', password: 'hp', registryToken: 'reg-tok' }]],
    ['docker.io/user/app', [{ username: 'hub', password: 'hp', registryToken: 'reg-tok' }]],
    ['gcr.io/project/app', []],
  ];
  for (const [image, want] of cases) assert.deepEqual(k.lookup(image), want, image);
});

test('credentials for one key from several secrets are all kept, in order', () => {
  const k = new DockerKeyring();
  k.add({ 'reg.example.com': { username: 'a', password: '1' } });
  k.add({ 'https://reg.example.com': { username: 'b', password: '2' } });
  assert.deepEqual(
    k.lookup('reg.example.com/app').map((a) => a.username),
    ['a', 'b'],
  );
});

test('decodeAuthField splits at the first colon and rejects a value without one', () => {
  assert.deepEqual(decodeAuthField(b64('user:pa:ss')), ['user', 'pa:ss']);
  assert.throws(() => decodeAuthField(b64('nocolon')), /must be formatted as base64\(username:password\)/);
});

test('keyringFromSecrets reads dockerconfigjson and legacy dockercfg secrets, ignoring other types', () => {
  const secrets: Secret[] = [
    {
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'reg.example.com': { auth: b64('j:1') } } })) },
    },
    {
      type: 'kubernetes.io/dockercfg',
      data: { '.dockercfg': b64(JSON.stringify({ 'old.example.com': { username: 'c', password: '2' } })) },
    },
    { type: 'Opaque', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'x.io': {} } })) } },
    // The right type under the wrong key adds nothing.
    { type: 'kubernetes.io/dockercfg', data: { '.dockerconfigjson': b64('{}') } },
  ];
  const k = keyringFromSecrets(secrets);
  assert.equal(k.size, 2);
  assert.deepEqual(k.lookup('reg.example.com/a'), [{ username: 'j', password: '1' }]);
  assert.deepEqual(k.lookup('old.example.com/b:1'), [{ username: 'c', password: '2' }]);
  assert.deepEqual(k.lookup('x.io/c'), []);
  assert.throws(() =>
    keyringFromSecrets([{ type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64('{not json') } }]),
  );
});

test('podPullSecrets returns the secrets found and names the missing ones; empty names are skipped', async () => {
  const have: Record<string, Secret> = { one: { metadata: { name: 'one' } } };
  const r = await podPullSecrets('ns', [{ name: 'one' }, { name: '' }, { name: 'two' }, {}], async (ns, name) => {
    assert.equal(ns, 'ns');
    if (name === 'boom') throw new Error('boom');
    return have[name];
  });
  assert.deepEqual(
    r.secrets.map((s) => s.metadata?.name),
    ['one'],
  );
  assert.deepEqual(r.missing, ['two']);
  assert.equal(
    failedPullSecretMessage(r.missing),
    'Unable to retrieve some image pull secrets (two); attempting to pull the image may not succeed.',
  );
});

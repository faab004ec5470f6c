// The pod's imagePullSecrets reach the runtime's pull as CRI auth (fake runtime, real pod workers).
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { FakeKubelet } from '../testing/fake-context.js';

const image = 'registry.example.com/team/app:1';
const b64 = (s: string) => Buffer.from(s).toString('base64');
let k: FakeKubelet;

beforeEach(() => {
  k = new FakeKubelet();
});
afterEach(async () => {
  await k.dispose();
});

function dockerConfigSecret(name: string, auths: Record<string, object>): Secret {
  return {
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
  };
}

const podWith = (name: string, secrets: string[]) =>
  k.add({
    metadata: { name },
    spec: { imagePullSecrets: secrets.map((s) => ({ name: s })), containers: [{ name: 'app', image }] },
  });

test('every matching credential is tried in order until one pull succeeds', async () => {
  k.runtime.registry.set(image, { username: 'right', password: 'pw' });
  k.secrets.set(
    'default/wrong',
    dockerConfigSecret('wrong', { 'registry.example.com/team': { auth: b64('wrong:x') } }),
  );
  k.secrets.set(
    'default/right',
    dockerConfigSecret('right', { 'https://registry.example.com': { username: 'right', password: 'pw' } }),
  );
  k.secrets.set(
    'default/other',
    dockerConfigSecret('other', { 'other.example.com': { username: 'o', password: 'o' } }),
  );
  podWith('auth', ['right', 'other', 'wrong']);
  await k.settle();
  // The longer key (with the path) first, although its secret was listed last.
  assert.deepEqual(
    k.runtime.pulls.map((p) => [p.ref, p.auth?.username, p.auth?.password]),
    [
      [image, 'wrong', 'x'],
      [image, 'right', 'pw'],
    ],
  );
  assert.equal(k.podStatus('auth')!.phase, 'Running');
  assert.ok(!k.events.some((e) => e.reason === 'FailedToRetrieveImagePullSecret'));
});

test('all credentials failing: ErrImagePull with every error', async () => {
  k.runtime.registry.set(image, { username: 'right', password: 'pw' });
  k.secrets.set('default/a', dockerConfigSecret('a', { 'registry.example.com': { auth: b64('a:1') } }));
  k.secrets.set('default/b', dockerConfigSecret('b', { 'registry.example.com': { auth: b64('b:2') } }));
  podWith('denied', ['a', 'b']);
  await k.settle();
  assert.deepEqual(
    k.runtime.pulls.map((p) => p.auth?.username),
    ['a', 'b'],
  );
  assert.deepEqual(k.podStatus('denied')!.containerStatuses![0]!.state?.waiting, {
    reason: 'ErrImagePull',
    message: `Failed to pull image "${image}": [unauthorized, unauthorized]`,
  });
});

test('a missing pull secret: a warning event, and the pull goes on without it', async () => {
  k.runtime.addImage(image);
  podWith('missing', ['gone', '']);
  await k.advance(0);
  await k.settle();
  // Present image: no pull, so no secrets are needed.
  assert.ok(!k.events.some((e) => e.reason === 'FailedToRetrieveImagePullSecret'));

  k.add({
    metadata: { name: 'always' },
    spec: {
      imagePullSecrets: [{ name: 'gone' }],
      containers: [{ name: 'app', image, imagePullPolicy: 'Always' }],
    },
  });
  await k.settle();
  const warn = k.events.find((e) => e.pod === 'always' && e.reason === 'FailedToRetrieveImagePullSecret');
  assert.equal(warn?.type, 'Warning');
  assert.equal(
    warn?.message,
    'Unable to retrieve some image pull secrets (gone); attempting to pull the image may not succeed.',
  );
  assert.deepEqual(k.runtime.pulls, [{ ref: image, auth: undefined }]);
  assert.equal(k.podStatus('always')!.phase, 'Running');
});

test('a malformed dockercfg fails the pull with the parse error', async () => {
  k.secrets.set('default/bad', {
    metadata: { name: 'bad', namespace: 'default' },
    type: 'kubernetes.io/dockercfg',
    data: { '.dockercfg': b64(JSON.stringify({ 'registry.example.com': { auth: b64('nocolon') } })) },
  });
  podWith('bad', ['bad']);
  await k.settle();
  const w = k.podStatus('bad')!.containerStatuses![0]!.state?.waiting;
  assert.equal(w?.reason, 'ErrImagePull');
  assert.match(w?.message ?? '', /must be formatted as base64\(username:password\)/);
  assert.deepEqual(k.runtime.pulls, []);
});

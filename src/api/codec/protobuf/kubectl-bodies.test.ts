import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtobuf, encodeProtobuf } from './envelope.js';
import { kubectlBodies } from './testdata/kubectl-bodies.js';

const body = (name: string) => {
  const b = kubectlBodies.find((x) => x.name === name);
  assert.ok(b, name);
  return decodeProtobuf(Buffer.from(b.hex, 'hex'));
};

test('real kubectl protobuf bodies decode to the JSON kubectl itself prints for them', () => {
  const withTwin = kubectlBodies.filter((b) => b.dryRun);
  assert.ok(withTwin.length >= 18);
  for (const b of withTwin) {
    const decoded = decodeProtobuf(Buffer.from(b.hex, 'hex'));
    assert.deepEqual(decoded.object, b.dryRun, b.command);
  }
});

test('review bodies from kubectl create token / auth can-i / auth whoami', () => {
  assert.deepEqual(body('token').object, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: {},
    spec: { audiences: ['api'], expirationSeconds: 3600 },
    status: { token: '' },
  });
  assert.deepEqual(body('cani').object, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
    status: { allowed: false },
  });
  assert.deepEqual(body('canilist').object, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata: {},
    spec: { namespace: 'default' },
    status: { incomplete: false },
  });
  assert.deepEqual(body('whoami').object, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: {},
    status: { userInfo: {} },
  });
});

test('decoded kubectl bodies re-encode to an equivalent envelope', () => {
  for (const b of kubectlBodies) {
    const first = decodeProtobuf(Buffer.from(b.hex, 'hex'));
    assert.deepEqual(decodeProtobuf(encodeProtobuf(first.object)), first, b.name);
  }
});

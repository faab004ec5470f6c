import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../lib/clock.js';
import { formatTime } from '../../../../api/values/time.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { startControllerManager } from '../../controller-manager.js';
import { tokenCleanerController, tokenTTL } from './token-cleaner.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function token(name: string, expiration?: string, ns = 'kube-system', type = 'bootstrap.kubernetes.io/token') {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    type,
    data: { 'token-id': b64('abcdef'), ...(expiration !== undefined ? { expiration: b64(expiration) } : {}) },
  };
}

test('expired bootstrap tokens are deleted, the others when they expire', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const fake = new FakeApiServer(clock);
  const now = clock.now();
  fake.seed('', 'secrets', token('bootstrap-token-expired', formatTime(now - 1000)));
  fake.seed('', 'secrets', token('bootstrap-token-later', formatTime(now + 90_000)));
  fake.seed('', 'secrets', token('bootstrap-token-forever'));
  fake.seed('', 'secrets', token('bootstrap-token-garbage', 'not a time'));
  fake.seed('', 'secrets', token('other-namespace', formatTime(now - 1000), 'default'));
  fake.seed('', 'secrets', token('opaque', formatTime(now - 1000), 'kube-system', 'Opaque'));
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [tokenCleanerController],
    clock,
  });
  const names = () =>
    fake
      .list('', 'secrets')
      .map((s) => s.metadata.name as string)
      .sort();
  const settle = async () => {
    for (let i = 0; i < 20; i++) await clock.advance(0);
  };
  try {
    await settle();
    assert.deepEqual(names(), ['bootstrap-token-forever', 'bootstrap-token-later', 'opaque', 'other-namespace']);
    await clock.advance(89_000);
    await settle();
    assert.ok(names().includes('bootstrap-token-later'));
    await clock.advance(2_000);
    await settle();
    assert.deepEqual(names(), ['bootstrap-token-forever', 'opaque', 'other-namespace']);
    const del = fake.requests.find((r) => r.method === 'DELETE');
    assert.ok(
      (del?.object as { preconditions?: { uid?: string } }).preconditions?.uid,
      'deletes carry a UID precondition',
    );
  } finally {
    await cm.stop();
  }
});

test('tokenTTL reads data.expiration (RFC 3339), unparseable = expired', () => {
  const now = Date.UTC(2026, 0, 1);
  const s = (exp?: string) => token('t', exp) as never;
  assert.equal(tokenTTL(s(), now), undefined);
  assert.equal(tokenTTL(s('2026-01-01T00:01:00Z'), now), 60_000);
  assert.equal(tokenTTL(s('2025-12-31T23:59:00Z'), now), -60_000);
  assert.equal(tokenTTL(s('2026-01-01T01:00:00+01:00'), now), 0);
  assert.equal(tokenTTL(s('tomorrow'), now), 0);
});

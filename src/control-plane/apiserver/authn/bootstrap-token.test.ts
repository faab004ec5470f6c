import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../lib/clock.js';
import { BootstrapTokenAuthenticator, parseBootstrapToken } from './bootstrap-token.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(data: Record<string, string>, over: Partial<Secret> = {}): Secret {
  return {
    metadata: { namespace: 'kube-system', name: 'bootstrap-token-abcdef' },
    type: 'bootstrap.kubernetes.io/token',
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    ...over,
  };
}

const good = {
  'token-id': 'abcdef',
  'token-secret': '0123456789abcdef',
  'usage-bootstrap-authentication': 'true',
  expiration: '2026-01-02T00:00:00Z',
};

test('bootstrap token format', () => {
  assert.deepEqual(parseBootstrapToken('abcdef.0123456789abcdef'), { id: 'abcdef', secret: '0123456789abcdef' });
  for (const t of [
    'abcdef.0123456789abcde',
    'ABCDEF.0123456789abcdef',
    'abcdef0123456789abcdef',
    'abcdef.0123456789abcdef.x',
    ' abcdef.0123456789abcdef',
  ]) {
    assert.equal(parseBootstrapToken(t), undefined, t);
  }
});

test('bootstrap tokens authenticate only while valid, unexpired and marked for authentication', async () => {
  const cases: {
    name: string;
    secret: Secret | undefined;
    token?: string;
    now?: number;
    want: { username: string; groups: string[] } | undefined;
  }[] = [
    {
      name: 'valid',
      secret: secret(good),
      want: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] },
    },
    {
      name: 'extra groups sorted and deduplicated',
      secret: secret({
        ...good,
        'auth-extra-groups': 'system:bootstrappers:worker,system:bootstrappers:a,system:bootstrappers:worker',
      }),
      want: {
        username: 'system:bootstrap:abcdef',
        groups: ['system:bootstrappers', 'system:bootstrappers:a', 'system:bootstrappers:worker'],
      },
    },
    {
      name: 'invalid extra group',
      secret: secret({ ...good, 'auth-extra-groups': 'system:masters' }),
      want: undefined,
    },
    {
      name: 'no expiration never expires',
      secret: secret({ ...good, expiration: '' }),
      want: { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] },
    },
    { name: 'expired', secret: secret(good), now: Date.UTC(2026, 0, 2), want: undefined },
    { name: 'unparseable expiration', secret: secret({ ...good, expiration: 'tomorrow' }), want: undefined },
    {
      name: 'not for authentication',
      secret: secret({ ...good, 'usage-bootstrap-authentication': 'false' }),
      want: undefined,
    },
    { name: 'usage missing', secret: secret({ ...good, 'usage-bootstrap-authentication': '' }), want: undefined },
    { name: 'wrong secret', secret: secret(good), token: 'abcdef.0123456789abcdee', want: undefined },
    { name: 'id mismatch inside the secret', secret: secret({ ...good, 'token-id': 'zzzzzz' }), want: undefined },
    { name: 'wrong type', secret: secret(good, { type: 'Opaque' }), want: undefined },
    {
      name: 'being deleted',
      secret: secret(good, { metadata: { name: 'x', deletionTimestamp: '2025-12-31T00:00:00Z' } }),
      want: undefined,
    },
    { name: 'no secret', secret: undefined, want: undefined },
    { name: 'not a bootstrap token', secret: secret(good), token: 'hello', want: undefined },
  ];
  for (const c of cases) {
    const asked: string[] = [];
    const authn = new BootstrapTokenAuthenticator({
      getSecret: async (ns, name) => {
        asked.push(`${ns}/${name}`);
        return c.secret;
      },
      clock: new FakeClock(c.now ?? Date.UTC(2026, 0, 1)),
    });
    const r = await authn.authenticateToken(c.token ?? 'abcdef.0123456789abcdef');
    assert.deepEqual(r?.user, c.want, c.name);
    if (c.token !== 'hello') assert.deepEqual(asked, ['kube-system/bootstrap-token-abcdef'], c.name);
  }
});

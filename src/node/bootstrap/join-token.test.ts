import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caPEMHash, deriveBootstrapToken, parseJoinToken } from './join-token.js';

const hash = caPEMHash('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');

test('deriveBootstrapToken: deterministic, bootstrap-token shaped, different per password', () => {
  const a = deriveBootstrapToken('s3cret');
  assert.deepEqual(deriveBootstrapToken('s3cret'), a);
  assert.match(`${a.id}.${a.secret}`, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  // A pinned value guards against an accidental change of the derivation: servers and agents of
  // different versions must keep agreeing.
  assert.deepEqual(deriveBootstrapToken('0123456789abcdef0123456789abcdef'), {
    id: '6khh9p',
    secret: 'fm8w8im6dx890tns',
  });
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const t = deriveBootstrapToken(`password-${i}`);
    assert.match(t.id, /^[a-z0-9]{6}$/);
    assert.match(t.secret, /^[a-z0-9]{16}$/);
    seen.add(t.id);
  }
  assert.equal(seen.size, 200, 'ids collide');
  assert.notDeepEqual(deriveBootstrapToken('s3cret'), deriveBootstrapToken('s3cret '));
  assert.throws(() => deriveBootstrapToken(''), /empty password/);
});

test('parseJoinToken', () => {
  const derived = deriveBootstrapToken('pa:ss:word');
  const cases: { in: string; want?: ReturnType<typeof parseJoinToken>; error?: RegExp }[] = [
    { in: 'abcdef.0123456789abcdef\n', want: { id: 'abcdef', secret: '0123456789abcdef' } },
    { in: `K10${hash}::abcdef.0123456789abcdef`, want: { id: 'abcdef', secret: '0123456789abcdef', caHash: hash } },
    // The server token: the derived bootstrap token, keeping the CA pin.
    { in: ` K10${hash}::server:pa:ss:word\n`, want: { ...derived, caHash: hash, fromServerToken: true } },
    { in: '', error: /malformed join token/ },
    { in: 'abcdef', error: /malformed join token/ },
    { in: 'ABCDEF.0123456789abcdef', error: /malformed join token/ },
    { in: 'abcdef.short', error: /malformed join token/ },
    // Only pinned server tokens: a bare password or a server body without the K10 prefix is no token.
    { in: 'server:password', error: /malformed join token/ },
    { in: 'just-a-password', error: /malformed join token/ },
    { in: `K10${hash}::server:`, error: /malformed join token/ },
    { in: `K10${hash}::node:password`, error: /malformed join token/ },
    { in: 'K10abc::server:password', error: /malformed join token/ },
  ];
  for (const c of cases) {
    if (c.error) assert.throws(() => parseJoinToken(c.in), c.error, c.in);
    else assert.deepEqual(parseJoinToken(c.in), c.want, c.in);
  }
});

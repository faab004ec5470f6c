import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authProxyHeaders, escapeExtraKey } from './backend-client.js';

test('X-Remote-Extra keys are escaped so the receiving authenticator decodes them back', () => {
  const cases: [string, string][] = [
    ['scopes', 'scopes'],
    ['example.com/team', 'example.com%2Fteam'],
    ['100%', '100%25'],
    ['a b', 'a%20b'],
    ['ü', '%C3%BC'],
  ];
  for (const [key, want] of cases) {
    assert.equal(escapeExtraKey(key), want, key);
    assert.equal(decodeURIComponent(escapeExtraKey(key)), key);
  }
});

test('auth proxy headers carry user, every group and every extra value', () => {
  assert.deepEqual(
    authProxyHeaders({ username: 'alice', groups: ['dev', 'system:authenticated'], extra: { 'a/b': ['1', '2'] } }),
    { 'X-Remote-User': 'alice', 'X-Remote-Group': ['dev', 'system:authenticated'], 'X-Remote-Extra-a%2Fb': ['1', '2'] },
  );
  assert.deepEqual(authProxyHeaders({ username: 'bob', groups: [] }), { 'X-Remote-User': 'bob' });
});

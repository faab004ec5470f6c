import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentHash, openApiV3Root } from './v3-root.js';

test('documentHash is upper-case SHA-512 hex, stable, and changes with the content', () => {
  const a = documentHash('{"openapi":"3.0.0"}');
  assert.match(a, /^[0-9A-F]{128}$/);
  assert.equal(documentHash('{"openapi":"3.0.0"}'), a);
  assert.notEqual(documentHash('{"openapi":"3.0.1"}'), a);
  // Known vector: SHA-512 of the empty string.
  assert.equal(documentHash('').slice(0, 16), 'CF83E1357EEFB8BD');
});

test('openApiV3Root lists each document with its hashed URL, sorted', () => {
  const root = openApiV3Root(
    new Map([
      ['apis/apps/v1', { hash: 'AB' }],
      ['api/v1', { hash: 'CD' }],
    ]),
  );
  assert.deepEqual(root, {
    paths: {
      'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=CD' },
      'apis/apps/v1': { serverRelativeURL: '/openapi/v3/apis/apps/v1?hash=AB' },
    },
  });
  assert.deepEqual(Object.keys(root.paths), ['api/v1', 'apis/apps/v1']);
  assert.deepEqual(openApiV3Root(new Map()), { paths: {} });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapePath, splitProxyPath, splitSchemeNamePort } from './proxy-url.js';

test('splitSchemeNamePort accepts name, name:port and scheme:name:port', () => {
  const cases: [string, ReturnType<typeof splitSchemeNamePort>][] = [
    ['web', { scheme: '', name: 'web', port: '' }],
    ['web:8080', { scheme: '', name: 'web', port: '8080' }],
    ['web:http', { scheme: '', name: 'web', port: 'http' }],
    ['https:web:443', { scheme: 'https', name: 'web', port: '443' }],
    ['http:web:', { scheme: 'http', name: 'web', port: '' }],
    ['ftp:web:21', undefined],
    [':8080', undefined],
    ['a:b:c:d', undefined],
    ['', undefined],
  ];
  for (const [id, want] of cases) assert.deepEqual(splitSchemeNamePort(id), want, id);
});

test('splitProxyPath keeps the prefix and the trailing slash', () => {
  const cases: [string, string, string, ReturnType<typeof splitProxyPath>][] = [
    ['/api/v1/namespaces/ns/pods/p/proxy', 'pods', 'p', { prefix: '/api/v1/namespaces/ns/pods/p/proxy', path: '' }],
    ['/api/v1/namespaces/ns/pods/p/proxy/', 'pods', 'p', { prefix: '/api/v1/namespaces/ns/pods/p/proxy', path: '/' }],
    [
      '/api/v1/namespaces/ns/services/https:s:443/proxy/a/b/',
      'services',
      'https:s:443',
      { prefix: '/api/v1/namespaces/ns/services/https:s:443/proxy', path: '/a/b/' },
    ],
    [
      '/api/v1/nodes/n1/proxy/stats/summary',
      'nodes',
      'n1',
      { prefix: '/api/v1/nodes/n1/proxy', path: '/stats/summary' },
    ],
    // A path that itself contains "/proxy" splits at the subresource, not later.
    [
      '/api/v1/nodes/n1/proxy/x/nodes/n1/proxy',
      'nodes',
      'n1',
      { prefix: '/api/v1/nodes/n1/proxy', path: '/x/nodes/n1/proxy' },
    ],
    ['/api/v1/nodes/n1/proxyx', 'nodes', 'n1', undefined],
    ['/api/v1/nodes/n1.x/proxy', 'nodes', 'n1', undefined],
  ];
  for (const [path, res, id, want] of cases) assert.deepEqual(splitProxyPath(path, res, id), want, path);
});

test('escapePath escapes per segment like Go EscapedPath', () => {
  assert.equal(escapePath('/a b/c?d#e/'), '/a%20b/c%3Fd%23e/');
  assert.equal(escapePath('/x:y@z/$&=+,;'), '/x:y@z/$&=+,;');
  assert.equal(escapePath('/%/ü'), '/%25/%C3%BC');
  assert.equal(escapePath(''), '');
});

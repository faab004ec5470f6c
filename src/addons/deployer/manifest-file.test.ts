import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isManifestFileName, manifestChecksum, parseManifest, refKey, refOf } from './manifest-file.js';

test('isManifestFileName', () => {
  const cases: [string, boolean][] = [
    ['coredns.yaml', true],
    ['app.yml', true],
    ['list.json', true],
    ['UPPER.YAML', true],
    ['coredns.yaml.skip', false],
    ['notes.txt', false],
    ['.hidden.yaml', false],
    ['.coredns.yaml.tmp', false],
    ['.yaml', false],
    ['yaml', false],
  ];
  for (const [name, want] of cases) assert.equal(isManifestFileName(name), want, name);
});

test('manifestChecksum: sha256 of the bytes, sensitive to any change', () => {
  assert.equal(manifestChecksum(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(manifestChecksum('a: 1\n'), manifestChecksum(Buffer.from('a: 1\n')));
  assert.notEqual(manifestChecksum('a: 1\n'), manifestChecksum('a: 1 \n'));
});

test('parseManifest: multi-document YAML, Lists, JSON, empty documents', () => {
  const yaml = [
    '# a comment only',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: one, namespace: apps}',
    '---',
    '---',
    'apiVersion: v1',
    'kind: List',
    'items:',
    '- {apiVersion: v1, kind: Namespace, metadata: {name: apps}}',
    '- {apiVersion: v1, kind: Secret, metadata: {name: two}}',
    '',
  ].join('\n');
  assert.deepEqual(
    parseManifest('a.yaml', yaml).map((o) => refKey(refOf(o))),
    ['v1/ConfigMap/apps/one', 'v1/Namespace//apps', 'v1/Secret//two'],
  );
  const json = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } }],
  });
  assert.deepEqual(parseManifest('b.json', json), [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } },
  ]);
  assert.deepEqual(parseManifest('empty.yaml', '\n---\n# nothing\n'), []);
});

test('parseManifest: one-line errors naming the file and object', () => {
  const cases: [string, RegExp][] = [
    ['apiVersion: v1\nkind: [unclosed\n', /^bad\.yaml: error converting YAML to JSON: /],
    ['just a string\n', /^bad\.yaml: error unmarshaling JSON/],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: ConfigMap\nmetadata: {}\n',
      /^bad\.yaml: object 2: apiVersion not set, metadata\.name not set$/,
    ],
    ['apiVersion: v1\nmetadata: {name: x}\n', /^bad\.yaml: object 1: kind not set$/],
    ['apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: 3}\n', /metadata\.namespace must be a string/],
  ];
  for (const [text, want] of cases) {
    assert.throws(
      () => parseManifest('bad.yaml', text),
      (err: Error) => {
        assert.match(err.message, want);
        assert.ok(!err.message.includes('\n'), 'one line');
        return true;
      },
      text,
    );
  }
});

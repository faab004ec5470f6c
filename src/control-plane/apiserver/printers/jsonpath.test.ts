import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileJsonPath, JsonPathError } from './jsonpath.js';

const obj = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: {
    name: 'w1',
    labels: { app: 'shop', 'app.kubernetes.io/name': 'widget' },
    annotations: { 'example.com/owner': 'team-a' },
  },
  spec: { replicas: 3, ratio: 0.5, enabled: false, nothing: null, tags: ['a', 'b', 'c', 'd'] },
  status: {
    conditions: [
      { type: 'Ready', status: 'True', observedGeneration: 2 },
      { type: 'Synced', status: 'False', reason: 'Backoff', observedGeneration: 1 },
      { type: 'Ready', status: 'Unknown' },
    ],
    nodes: [{ name: 'n1', pods: 3 }, { name: 'n2', pods: 12 }, { name: 'n3' }],
  },
};

const find = (path: string) => compileJsonPath(path).find(obj);

test('fields, escaped dots and quoted keys', () => {
  const cases: [string, unknown[]][] = [
    ['.spec.replicas', [3]],
    ['{.spec.replicas}', [3]],
    ['$.spec.replicas', [3]],
    ['.metadata.labels.app', ['shop']],
    ['.metadata.labels.app\\.kubernetes\\.io/name', ['widget']],
    [".metadata.annotations['example.com/owner']", ['team-a']],
    ['.metadata.labels["app", "app.kubernetes.io/name"]', ['shop', 'widget']],
    ['.spec.nothing', [null]],
    ['.spec.enabled', [false]],
    ['.spec.missing', []],
    ['.spec.missing.deeper', []],
    ['.spec.replicas.deeper', []],
    ['.spec.nothing.deeper', []],
  ];
  for (const [path, want] of cases) assert.deepEqual(find(path), want, path);
});

test('indexes, slices and wildcards', () => {
  const cases: [string, unknown[]][] = [
    ['.spec.tags[0]', ['a']],
    ['.spec.tags[-1]', ['d']],
    ['.spec.tags[-2]', ['c']],
    ['.spec.tags[1:3]', ['b', 'c']],
    ['.spec.tags[::2]', ['a', 'c']],
    ['.spec.tags[2:]', ['c', 'd']],
    ['.spec.tags[*]', ['a', 'b', 'c', 'd']],
    ['.status.nodes[*].name', ['n1', 'n2', 'n3']],
    ['.status.nodes[*].pods', [3, 12]],
    ['.metadata.labels.*', ['shop', 'widget']],
    ['..observedGeneration', [2, 1]],
  ];
  for (const [path, want] of cases) assert.deepEqual(find(path), want, path);
  assert.throws(() => find('.spec.tags[4]'), JsonPathError);
  assert.throws(() => find('.spec.replicas[0]'), JsonPathError);
});

test('filters', () => {
  const cases: [string, unknown[]][] = [
    ['.status.conditions[?(@.type=="Ready")].status', ['True', 'Unknown']],
    [".status.conditions[?(@.type == 'Synced')].reason", ['Backoff']],
    ['.status.conditions[?(@.type!="Ready")].type', ['Synced']],
    ['.status.conditions[?(@.reason)].type', ['Synced']],
    ['.status.nodes[?(@.pods > 5)].name', ['n2']],
    ['.status.nodes[?(@.pods <= 3)].name', ['n1']],
    ['.status.conditions[?(@.observedGeneration>=2)].type', ['Ready']],
    ['.status.conditions[?(@.type=="Nope")].status', []],
  ];
  for (const [path, want] of cases) assert.deepEqual(find(path), want, path);
  // Comparing a string field with a number is an error, as in Go templates.
  assert.throws(() => find('.status.conditions[?(@.type==1)].status'), JsonPathError);
  assert.throws(() => find('.spec[?(@.x=="y")]'), JsonPathError);
});

test('syntax errors are reported at compile time', () => {
  for (const bad of ['.spec.tags[x]', '.status.conditions[?(@.type=="Ready"]', '.spec.tags[0', '{.a}{.b}', '.a,.b']) {
    assert.throws(() => compileJsonPath(bad), JsonPathError, bad);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors/status-error.js';
import { decodeYAMLDocuments, decodeYAMLObject, encodeYAML, findYAMLDuplicateKeys } from './yaml.js';
import { formatFloatKey, isYAMLTimestamp } from './yaml-scalar.js';

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('plain scalars resolve as go-yaml v2 (YAML 1.1) does', () => {
  const cases: [string, unknown][] = [
    ['yes', true],
    ['No', false],
    ['on', true],
    ['OFF', false],
    ['y', true],
    ['n', false],
    ['true', true],
    ['~', null],
    ['null', null],
    ['', null],
    ['0777', 511],
    ['0o17', 15],
    ['0x1F', 31],
    ['0b101', 5],
    ['-0b11', -3],
    ['1_000', 1000],
    ['+12', 12],
    ['08', 8], // not octal, so a float
    ['1e3', 1000],
    ['.5', 0.5],
    ['-1.25', -1.25],
    ['12345678901234567890', Number('12345678901234567890')],
    ['1e400', '1e400'], // overflows float64: stays a string
    ['2024-01-02', '2024-01-02'], // timestamps stay strings
    ['2024-01-02T10:00:00Z', '2024-01-02T10:00:00Z'],
    ['2024-13-02', '2024-13-02'],
    ['190:20:30', '190:20:30'], // no sexagesimal ints in go-yaml
    ['Yes please', 'Yes please'],
    ['nginx:1.27', 'nginx:1.27'],
  ];
  for (const [src, want] of cases) {
    assert.deepEqual(decodeYAMLObject(`v: ${src}\n`), src === '' ? { v: null } : { v: want }, src);
  }
});

test('quoted, block and !!str scalars are strings; explicit tags are enforced', () => {
  assert.deepEqual(decodeYAMLObject('a: "yes"\nb: \'0777\'\nc: !!str 12\nd: |\n  x\n  y\ne: >-\n  f\n  g\n'), {
    a: 'yes',
    b: '0777',
    c: '12',
    d: 'x\ny\n',
    e: 'f g',
  });
  assert.deepEqual(decodeYAMLObject('a: !!int "12"\nb: !!float 3\nc: !custom text\n'), { a: 12, b: 3, c: 'text' });
  assert.equal(
    failure(() => decodeYAMLObject('a: !!int abc\n')).message,
    'error converting YAML to JSON: yaml: cannot decode !!str `abc` as a !!int',
  );
  assert.equal(
    failure(() => decodeYAMLObject('a: .inf\n')).message,
    'error converting YAML to JSON: yaml: json: unsupported value: +Inf',
  );
});

test('non-string keys become strings the way sigs.k8s.io/yaml converts them', () => {
  assert.deepEqual(decodeYAMLObject('1: a\ntrue: b\n1.5: c\n1e7: d\non: e\n0x10: f\n'), {
    1: 'a',
    true: 'e', // `on` is true too, and the later key wins
    '1.5': 'c',
    '1e+07': 'd',
    16: 'f',
  });
  assert.match(failure(() => decodeYAMLObject('~: x\n')).message, /unsupported map key of type: <nil>/);
  assert.match(failure(() => decodeYAMLObject('? [a]\n: x\n')).message, /invalid map key/);
  assert.deepEqual([1, 1.5, 1e6, 123456, 1234567, 0.0001, 0.00001, -2.5, 3.14159].map(formatFloatKey), [
    '1',
    '1.5',
    '1e+06',
    '123456',
    '1.234567e+06',
    '0.0001',
    '1e-05',
    '-2.5',
    '3.14159',
  ]);
});

test('anchors, aliases and merge keys', () => {
  const doc =
    'base: &b {x: 1, z: 2}\nd:\n  <<: *b\n  z: 3\nl: &l [1, 2]\nm: *l\nmulti:\n  <<: [{p: 1}, {p: 2, q: 2}]\n';
  assert.deepEqual(decodeYAMLObject(doc), {
    base: { x: 1, z: 2 },
    d: { x: 1, z: 3 },
    l: [1, 2],
    m: [1, 2],
    multi: { p: 1, q: 2 }, // earlier maps in a merge sequence take precedence
  });
  assert.match(failure(() => decodeYAMLObject('a: *nope\n')).message, /unknown anchor 'nope' referenced/);
  assert.match(failure(() => decodeYAMLObject('a: &x [*x]\n')).message, /anchor 'x' value contains itself/);
  assert.match(failure(() => decodeYAMLObject('a: &x 1\nb:\n  <<: *x\n')).message, /map merge requires map/);
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    laughs.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(', ')}]`);
  }
  assert.match(failure(() => decodeYAMLObject(laughs.join('\n'))).message, /excessive aliasing/);
});

test('duplicate keys: last wins in the value, strict messages name the line', () => {
  const src = 'a: 1\nb: 2\na: 3\nm:\n  x: 1\n  x: 2\n';
  assert.deepEqual(decodeYAMLObject(src), { a: 3, b: 2, m: { x: 2 } });
  assert.deepEqual(findYAMLDuplicateKeys(src), [
    'line 3: key "a" already set in map',
    'line 6: key "x" already set in map',
  ]);
  assert.deepEqual(findYAMLDuplicateKeys('a: 1\nb: 2\n'), []);
});

test('syntax errors are BadRequest with line information', () => {
  const cases: [string, string][] = [
    ['a: b: c\n', 'yaml: line 1: mapping values are not allowed in this context'],
    ['a:\n\t- b\n', 'yaml: line 2: found character that cannot start any token'],
  ];
  for (const [src, msg] of cases) {
    const err = failure(() => decodeYAMLObject(src));
    assert.equal(err.code, 400);
    assert.equal(err.message, `error converting YAML to JSON: ${msg}`);
  }
  assert.match(
    failure(() => decodeYAMLDocuments('a: "open\n')).message,
    /^error converting YAML to JSON: yaml: line \d+: /,
  );
  assert.equal(
    failure(() => decodeYAMLObject('['.repeat(5000))).message,
    'error converting YAML to JSON: yaml: exceeded max depth of 1000',
  );
});

test('decodeYAMLObject takes the first document and requires an object', () => {
  assert.deepEqual(decodeYAMLObject('a: 1\n---\nb: 2\n'), { a: 1 });
  assert.deepEqual(decodeYAMLObject(''), {});
  assert.deepEqual(decodeYAMLObject('# nothing\n'), {});
  assert.deepEqual(decodeYAMLObject(Buffer.from('{"kind":"Pod","spec":{"x":[1]}}')), { kind: 'Pod', spec: { x: [1] } });
  assert.equal(
    failure(() => decodeYAMLObject('- a\n')).message,
    'error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}',
  );
});

test('decodeYAMLDocuments splits, skips empty documents and expands lists', () => {
  const src = [
    '---',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: a}',
    '---',
    '# only a comment',
    '---',
    'apiVersion: v1',
    'kind: PodList',
    'items:',
    '- metadata: {name: p}',
    '- apiVersion: v1',
    '  kind: Service',
    '  metadata: {name: s}',
    '---',
    'apiVersion: v1',
    'kind: List',
    'items:',
    '- {apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}',
    '- {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: nested}}]}',
  ].join('\n');
  assert.deepEqual(decodeYAMLDocuments(src), [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'nested' } },
  ]);
  assert.deepEqual(decodeYAMLDocuments(''), []);
  assert.match(failure(() => decodeYAMLDocuments('a: 1\n---\njust a string\n')).message, /cannot unmarshal string/);
});

test('isYAMLTimestamp accepts the formats go-yaml v2 tries', () => {
  for (const s of [
    '2024-1-2',
    '2024-02-29',
    '2024-01-02T03:04:05Z',
    '2024-01-02t03:04:05.5+01:00',
    '2024-01-02 03:04:05',
  ]) {
    assert.ok(isYAMLTimestamp(s), s);
  }
  for (const s of ['2023-02-29', '24-01-02', '2024-01-02T03:04:05', '2024-01-02T25:00:00Z', '2024/01/02']) {
    assert.ok(!isYAMLTimestamp(s), s);
  }
});

test('encodeYAML writes sigs.k8s.io/yaml style and round-trips', () => {
  const obj = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'x', labels: { b: 'yes', a: '0777', c: '2024-01-02', d: 'plain' } },
    spec: { containers: [{ name: 'c', args: ['a', 'b\nc'], image: 'nginx' }], empty: {}, list: [], n: null, f: 1.5 },
  };
  const text = encodeYAML(obj);
  assert.equal(
    text,
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  labels:',
      '    a: "0777"',
      '    b: "yes"',
      '    c: "2024-01-02"',
      '    d: plain',
      '  name: x',
      'spec:',
      '  containers:',
      '  - args:',
      '    - a',
      '    - |-',
      '      b',
      '      c',
      '    image: nginx',
      '    name: c',
      '  empty: {}',
      '  f: 1.5',
      '  list: []',
      '  "n": null',
      '',
    ].join('\n'),
  );
  assert.deepEqual(decodeYAMLObject(text), obj);
});

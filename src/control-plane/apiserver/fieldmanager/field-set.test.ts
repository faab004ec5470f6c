import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, FieldSetError } from './field-set.js';
import {
  comparePathElements,
  deserializePathElement,
  fieldElement as f,
  indexElement as i,
  keyElement as k,
  pathString,
  serializePathElement,
  valueElement as v,
  type Path,
  type PathElement,
} from './path-element.js';

test('path elements serialize in the fieldsV1 spelling and parse back', () => {
  const cases: [PathElement, string][] = [
    [f('spec'), 'f:spec'],
    [f('kubectl.kubernetes.io/last-applied-configuration'), 'f:kubectl.kubernetes.io/last-applied-configuration'],
    [k({ name: 'nginx' }), 'k:{"name":"nginx"}'],
    [k({ protocol: 'TCP', containerPort: 80 }), 'k:{"containerPort":80,"protocol":"TCP"}'],
    [k({ name: 'a<b&c>' }), 'k:{"name":"a\\u003cb\\u0026c\\u003e"}'],
    [v('example.com/finalizer'), 'v:"example.com/finalizer"'],
    [v(443), 'v:443'],
    [v(true), 'v:true'],
    [i(3), 'i:3'],
  ];
  for (const [pe, text] of cases) {
    assert.equal(serializePathElement(pe), text);
    const back = deserializePathElement(text);
    assert.ok(back);
    assert.equal(comparePathElements(back, pe), 0, text);
  }
});

test('malformed path elements are errors; unknown kinds are dropped', () => {
  assert.throws(() => deserializePathElement('x'), /2 characters/);
  assert.throws(() => deserializePathElement('fxspec'), /missing colon/);
  assert.throws(() => deserializePathElement('i:one'), /invalid syntax/);
  assert.throws(() => deserializePathElement('k:{"name"'));
  assert.equal(deserializePathElement('r:whatever'), undefined);
});

test('path elements order as upstream: fields, keys, values (numbers, strings, booleans), indexes', () => {
  const sorted = [
    f('a'),
    f('b'),
    k({ name: 'first' }),
    k({ name: 'second' }),
    k({ port: 443, protocol: 'tcp' }),
    k({ port: 443, protocol: 'udp' }),
    v(1),
    v(2),
    v('aa'),
    v('ab'),
    v(true),
    i(1),
    i(2),
  ];
  const shuffled = [...sorted].reverse();
  shuffled.sort(comparePathElements);
  assert.deepEqual(shuffled.map(serializePathElement), sorted.map(serializePathElement));
});

test('human-readable paths match upstream conflict fields', () => {
  const cases: [Path, string][] = [
    [[f('spec'), f('replicas')], '.spec.replicas'],
    [[f('spec'), f('containers'), k({ name: 'nginx' }), f('image')], '.spec.containers[name="nginx"].image'],
    [[f('ports'), k({ containerPort: 80, protocol: 'TCP' })], '.ports[containerPort=80,protocol="TCP"]'],
    [[f('metadata'), f('finalizers'), v('a/b')], '.metadata.finalizers[="a/b"]'],
    [[f('args'), i(0)], '.args[0]'],
  ];
  for (const [p, s] of cases) assert.equal(pathString(p), s);
});

// fieldsV1 documents in the order upstream serializes them (members and children
// interleaved in path element order; "." first, as clients show it).
const documents = [
  '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{}}}}}',
  '{"f:a":{},"f:b":{"f:c":{},"f:d":{"i:0":{},"i:1":{}}},"k:{\\"name\\":\\"x\\"}":{},"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{".":{},"f:port":{}},"v:2":{},"v:\\"s\\"":{},"v:false":{},"i:4":{"f:x":{}}}',
  '{"f:metadata":{"f:finalizers":{".":{},"v:\\"a\\"":{},"v:\\"b\\"":{}},"f:ownerReferences":{".":{},"k:{\\"uid\\":\\"u-1\\"}":{}}}}',
  '{}',
];

test('fieldsV1 documents round-trip byte for byte', () => {
  for (const doc of documents) {
    const set = FieldSet.fromFieldsV1(JSON.parse(doc));
    assert.equal(JSON.stringify(set.toFieldsV1()), doc);
  }
});

test('fieldsV1 parsing: "." and {} membership, unknown kinds dropped, errors', () => {
  const set = FieldSet.fromFieldsV1({
    'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {} } } },
    'r:future': {},
  });
  const c: Path = [f('spec'), f('containers'), k({ name: 'nginx' })];
  assert.ok(set.has(c));
  assert.ok(set.has([...c, f('image')]));
  assert.ok(!set.has([f('spec')]));
  assert.ok(!set.has([f('spec'), f('containers')]));
  assert.equal(set.size(), 2);

  assert.throws(() => FieldSet.fromFieldsV1({ spec: {} }), FieldSetError);
  assert.throws(() => FieldSet.fromFieldsV1({ 'f:spec': 'x' }), FieldSetError);
  assert.throws(() => FieldSet.fromFieldsV1([]), FieldSetError);
  assert.ok(FieldSet.fromFieldsV1(undefined).isEmpty());
});

test('serialization of a built set: "." marks a member that also has children', () => {
  const set = FieldSet.of(
    [f('spec'), f('replicas')],
    [f('metadata'), f('labels'), f('app')],
    [f('spec'), f('template'), f('spec'), f('containers'), k({ name: 'nginx' })],
    [f('spec'), f('template'), f('spec'), f('containers'), k({ name: 'nginx' }), f('name')],
  );
  assert.equal(
    JSON.stringify(set.toFieldsV1()),
    '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:name":{}}}}}}}',
  );
  assert.deepEqual(set.paths().map(pathString), [
    '.metadata.labels.app',
    '.spec.replicas',
    '.spec.template.spec.containers[name="nginx"]',
    '.spec.template.spec.containers[name="nginx"].name',
  ]);
});

const s = (...paths: string[]) => FieldSet.of(...paths.map((p) => p.split('.').map((n) => f(n))));
const show = (set: FieldSet) => set.paths().map(pathString);

test('set algebra', () => {
  const cases: { name: string; got: FieldSet; want: string[] }[] = [
    { name: 'union', got: s('a.b', 'c').union(s('a.d', 'c', 'e')), want: ['.c', '.e', '.a.b', '.a.d'] },
    { name: 'intersection', got: s('a.b', 'a.c', 'd').intersection(s('a.c', 'd', 'e')), want: ['.d', '.a.c'] },
    { name: 'intersection drops empty children', got: s('a.b').intersection(s('a.c')), want: [] },
    {
      name: 'difference keeps children of removed parents',
      got: s('a', 'a.b', 'c').difference(s('a')),
      want: ['.c', '.a.b'],
    },
    { name: 'difference does not remove parents', got: s('a', 'a.b').difference(s('a.b')), want: ['.a'] },
    {
      name: 'recursive difference removes subtrees',
      got: s('a', 'a.b', 'a.c.d', 'e').recursiveDifference(s('a')),
      want: ['.e'],
    },
    { name: 'recursive difference below', got: s('a.b.c', 'a.d').recursiveDifference(s('a.b')), want: ['.a.d'] },
  ];
  for (const c of cases) assert.deepEqual(show(c.got), c.want, c.name);
  assert.ok(s('a.b', 'c').equals(s('c', 'a.b')));
  assert.ok(!s('a.b').equals(s('a.c')));
  assert.ok(s('x').difference(s('x')).isEmpty());
});

test('set operations do not modify their inputs', () => {
  const a = s('a.b', 'c');
  const b = s('a.d');
  a.union(b);
  a.difference(s('c'));
  a.recursiveDifference(s('a'));
  assert.deepEqual(show(a), ['.c', '.a.b']);
  assert.deepEqual(show(b), ['.a.d']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validWidget, widgetSchema } from '../testdata/widget-schema.js';
import { prune } from './prune.js';
import type { SchemaProps } from './schema-props.js';

test('a valid Widget loses nothing', () => {
  const w = validWidget();
  assert.deepEqual(prune(w, widgetSchema, true), []);
  assert.deepEqual(w, validWidget());
});

test('prune removes unspecified fields and reports sorted paths', () => {
  const cases: {
    name: string;
    patch: (w: Record<string, any>) => void;
    pruned: string[];
    check: (w: Record<string, any>) => void;
  }[] = [
    {
      name: 'unknown fields at several levels, reported in sorted order',
      patch: (w) => {
        w.spec.unknownDupe = 1;
        w.spec.unknown1 = 'x';
        w.spec.ports[0].unknownNested = 'v';
        w.status.extra = { a: 1 };
      },
      pruned: ['spec.ports[0].unknownNested', 'spec.unknown1', 'spec.unknownDupe', 'status.extra'],
      check: (w) => {
        assert.equal('unknown1' in w.spec, false);
        assert.deepEqual(w.spec.ports[0], { containerPort: 80, protocol: 'TCP' });
        assert.deepEqual(w.status, { phase: 'Ready' });
      },
    },
    {
      name: 'unknown root fields go, apiVersion/kind/metadata stay untouched',
      patch: (w) => {
        w.extra = true;
        w.metadata.unknownMeta = 'kept for ObjectMeta coercion';
      },
      pruned: ['extra'],
      check: (w) => {
        assert.equal('extra' in w, false);
        assert.equal(w.metadata.unknownMeta, 'kept for ObjectMeta coercion');
        assert.equal(w.apiVersion, 'example.com/v1');
      },
    },
    {
      name: 'preserve-unknown-fields keeps unknown fields but prunes inside specified ones',
      patch: (w) => (w.spec.config = { mode: 'm', free: { form: [1, { x: 2 }] } }),
      pruned: [],
      check: (w) => assert.deepEqual(w.spec.config, { mode: 'm', free: { form: [1, { x: 2 }] } }),
    },
    {
      name: 'embedded resources keep their TypeMeta and metadata',
      patch: (w) => (w.spec.template = { apiVersion: 'v1', kind: 'X', metadata: { name: 'n', weird: 1 }, anything: 2 }),
      pruned: [],
      check: (w) =>
        assert.deepEqual(w.spec.template, {
          apiVersion: 'v1',
          kind: 'X',
          metadata: { name: 'n', weird: 1 },
          anything: 2,
        }),
    },
    {
      name: 'map values are pruned by the additionalProperties schema, keys stay',
      patch: (w) => (w.spec.labels = { 'app.kubernetes.io/name': 'x' }),
      pruned: [],
      check: (w) => assert.deepEqual(w.spec.labels, { 'app.kubernetes.io/name': 'x' }),
    },
  ];
  for (const c of cases) {
    const w = validWidget() as Record<string, any>;
    c.patch(w);
    assert.deepEqual(prune(w, widgetSchema, true), c.pruned, c.name);
    c.check(w);
  }
});

test('prune edge cases follow the upstream algorithm', () => {
  const mapOfObjects: SchemaProps = {
    type: 'object',
    properties: {
      m: { type: 'object', additionalProperties: { type: 'object', properties: { a: { type: 'string' } } } },
      free: { type: 'object', additionalProperties: true },
      list: {
        type: 'array',
        items: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { k: { type: 'object', properties: {} } },
        },
      },
      nested: {
        type: 'object',
        properties: {
          inner: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        },
      },
    },
  };
  const obj: Record<string, any> = {
    apiVersion: 'v1',
    m: { 'x.y': { a: 'ok', b: 'gone' } },
    free: { k: { deep: 1 }, scalar: 2 },
    list: [{ keep: 1, k: { drop: 2 } }],
    nested: { inner: { apiVersion: 'v1', kind: 'K', metadata: { x: 1 }, spec: { s: 1 }, other: 1 } },
  };
  assert.deepEqual(prune(obj, mapOfObjects, true), [
    'free.k.deep',
    'list[0].k.drop',
    'm.x.y.b',
    'nested.inner.other',
    'nested.inner.spec.s',
  ]);
  assert.deepEqual(obj, {
    apiVersion: 'v1',
    m: { 'x.y': { a: 'ok' } },
    // additionalProperties: true has no schema: values are kept, their contents pruned (upstream behaviour).
    free: { k: {}, scalar: 2 },
    list: [{ keep: 1, k: {} }],
    nested: { inner: { apiVersion: 'v1', kind: 'K', metadata: { x: 1 }, spec: {} } },
  });

  // Not a resource root: TypeMeta/metadata are pruned like anything else but not reported at the root.
  const notRoot: Record<string, unknown> = { apiVersion: 'v1', metadata: {}, a: 1, b: 2 };
  assert.deepEqual(prune(notRoot, { type: 'object', properties: { a: { type: 'integer' } } }, false), ['b']);
  assert.deepEqual(notRoot, { a: 1 });

  // No schema at all: a resource keeps only its TypeMeta and metadata.
  const schemaless: Record<string, unknown> = { apiVersion: 'v1', kind: 'K', metadata: { name: 'n' }, spec: { x: 1 } };
  assert.deepEqual(prune(schemaless, undefined, true), ['spec']);
  assert.deepEqual(schemaless, { apiVersion: 'v1', kind: 'K', metadata: { name: 'n' } });
});

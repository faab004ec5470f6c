import { test } from 'node:test';
import assert from 'node:assert/strict';
import { widgetSchema } from '../testdata/widget-schema.js';
import { applyDefaults, pruneNonNullableNullsWithoutDefaults } from './defaults.js';
import type { SchemaProps } from './schema-props.js';

test('applyDefaults fills absent fields recursively, including inside defaulted values', () => {
  const cases: { name: string; spec: Record<string, unknown>; want: Record<string, unknown> }[] = [
    {
      name: 'empty spec',
      spec: {},
      want: { size: 'M', replicas: 1, nested: { enabled: true } },
    },
    {
      name: 'present values win, nested objects are defaulted',
      spec: { size: 'L', replicas: 0, nested: { level: {} } },
      want: { size: 'L', replicas: 0, nested: { enabled: true, level: { deep: 3 } } },
    },
    {
      name: 'array items get their defaults',
      spec: { size: 'S', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] },
      want: {
        size: 'S',
        replicas: 1,
        nested: { enabled: true },
        ports: [
          { containerPort: 80, protocol: 'TCP' },
          { containerPort: 53, protocol: 'UDP' },
        ],
      },
    },
    {
      name: 'a null in a non-nullable field with a default is defaulted',
      spec: { size: null, replicas: null },
      want: { size: 'M', replicas: 1, nested: { enabled: true } },
    },
    {
      name: 'preserve-unknown-fields subtrees are defaulted by their specified fields',
      spec: { size: 'S', config: { other: 1 } },
      want: { size: 'S', replicas: 1, nested: { enabled: true }, config: { other: 1, mode: 'auto' } },
    },
  ];
  for (const c of cases) {
    const obj = { spec: c.spec };
    assert.equal(applyDefaults(obj, widgetSchema), obj, c.name);
    assert.deepEqual(obj.spec, c.want, c.name);
  }
});

test('defaults are copied, not shared with the schema', () => {
  const schema = structuredClone(widgetSchema);
  const a = applyDefaults({ spec: {} as Record<string, any> }, schema);
  const b = applyDefaults({ spec: {} as Record<string, any> }, schema);
  a.spec.nested.enabled = false;
  assert.equal(b.spec.nested.enabled, true);
  assert.deepEqual(schema.properties!.spec!.properties!.nested!.default, {});
});

test('additionalProperties values and array items: non-nullable nulls take the default', () => {
  const schema: SchemaProps = {
    type: 'object',
    properties: {
      m: { type: 'object', additionalProperties: { type: 'string', default: 'x' } },
      n: { type: 'object', additionalProperties: { type: 'string', nullable: true, default: 'y' } },
      l: {
        type: 'array',
        items: { type: 'object', default: { a: 1 }, properties: { b: { type: 'integer', default: 2 } } },
      },
    },
  };
  const obj = applyDefaults({ m: { k: null, j: 'set' }, n: { k: null }, l: [null, {}] }, schema);
  assert.deepEqual(obj, { m: { k: 'x', j: 'set' }, n: { k: null }, l: [{ a: 1, b: 2 }, { b: 2 }] });
});

test('pruneNonNullableNullsWithoutDefaults drops only nulls that nothing can fill', () => {
  const obj: Record<string, any> = {
    spec: { name: null, id: null, replicas: null, labels: { a: null }, ports: [{ containerPort: 1, name: null }] },
    unknownRoot: null,
  };
  pruneNonNullableNullsWithoutDefaults(obj, widgetSchema);
  assert.deepEqual(obj, {
    spec: { id: null, replicas: null, labels: {}, ports: [{ containerPort: 1 }] },
    unknownRoot: null,
  });
  applyDefaults(obj, widgetSchema);
  assert.equal(obj.spec.replicas, 1);
});

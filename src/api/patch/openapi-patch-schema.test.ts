import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Definitions } from '../openapi/schema-types.js';
import { openApiPatchSchema } from './openapi-patch-schema.js';
import { emptyPatchMeta, noPatchSchema, patchMeta } from './patch-schema.js';

const definitions: Definitions = {
  'x.Root': {
    type: 'object',
    properties: {
      list: {
        type: 'array',
        items: { $ref: '#/definitions/x.Item' },
        'x-kubernetes-patch-strategy': 'merge,retainKeys',
        'x-kubernetes-patch-merge-key': 'id',
      },
      strategy: { $ref: '#/definitions/x.Strategy', 'x-kubernetes-patch-strategy': 'retainKeys' },
      viaAlias: { $ref: '#/definitions/x.Alias' },
      byName: { type: 'object', additionalProperties: { $ref: '#/definitions/x.Item' } },
      self: { $ref: '#/definitions/x.Root' },
      dangling: { $ref: '#/definitions/x.Missing' },
    },
  },
  'x.Item': {
    type: 'object',
    properties: { id: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
  },
  'x.Strategy': { type: 'object', properties: { type: { type: 'string' } } },
  'x.Alias': { $ref: '#/definitions/x.Strategy', 'x-kubernetes-patch-strategy': 'replace' },
};

test('openapi patch schema: list fields give the element schema and the field metadata', () => {
  const root = openApiPatchSchema(definitions, 'x.Root');
  assert.equal(root.name, 'x.Root');
  const list = root.lookupSlice('list');
  assert.deepStrictEqual(list.meta, { strategies: ['merge', 'retainKeys'], mergeKey: 'id' });
  assert.equal(list.schema.name, 'x.Item');
  assert.deepStrictEqual(list.schema.lookupSlice('tags').meta, emptyPatchMeta);
});

test('openapi patch schema: $refs resolve; extensions on the property win over the target', () => {
  const root = openApiPatchSchema(definitions, 'x.Root');
  const strategy = root.lookupStruct('strategy');
  assert.equal(strategy.schema.name, 'x.Strategy');
  assert.deepStrictEqual(strategy.meta, { strategies: ['retainKeys'], mergeKey: '' });
  assert.deepStrictEqual(root.lookupStruct('viaAlias').meta, { strategies: ['replace'], mergeKey: '' });
  assert.equal(root.lookupStruct('viaAlias').schema.name, 'x.Strategy');
});

test('openapi patch schema: map values come from additionalProperties', () => {
  const root = openApiPatchSchema(definitions, 'x.Root');
  const item = root.lookupStruct('byName').schema.lookupStruct('anything');
  assert.equal(item.schema.name, 'x.Item');
});

test('openapi patch schema: recursive definitions are resolved lazily and cached', () => {
  const root = openApiPatchSchema(definitions, 'x.Root');
  const self = root.lookupStruct('self').schema;
  assert.equal(self, root.lookupStruct('self').schema.lookupStruct('self').schema);
  assert.equal(self.lookupSlice('list').schema.name, 'x.Item');
});

test('openapi patch schema: unknown fields, dangling refs and unknown roots know nothing', () => {
  const root = openApiPatchSchema(definitions, 'x.Root');
  assert.equal(root.lookupStruct('nope').schema, noPatchSchema);
  assert.equal(root.lookupSlice('constructor').schema, noPatchSchema);
  assert.equal(root.lookupStruct('dangling').schema, noPatchSchema);
  assert.equal(openApiPatchSchema(definitions, 'x.Nope'), noPatchSchema);
  assert.deepStrictEqual(noPatchSchema.lookupSlice('x').meta, emptyPatchMeta);
});

test('patchMeta: parses strategies', () => {
  assert.deepStrictEqual(patchMeta('merge, retainKeys', 'name'), {
    strategies: ['merge', 'retainKeys'],
    mergeKey: 'name',
  });
  assert.equal(patchMeta(undefined, undefined), emptyPatchMeta);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorString } from '../../validation/field-error.js';
import { validateListSetsAndMaps } from './list-type.js';
import type { SchemaProps } from './schema-props.js';

const schema: SchemaProps = {
  type: 'object',
  properties: {
    set: {
      type: 'array',
      'x-kubernetes-list-type': 'set',
      items: { type: 'object', 'x-kubernetes-map-type': 'atomic' },
    },
    byName: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          sub: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'integer' } },
        },
      },
    },
    groups: {
      type: 'object',
      additionalProperties: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    },
  },
};

const errs = (obj: unknown) => validateListSetsAndMaps(obj, schema).map(fieldErrorString);

test('sets: each value seen again is reported once, at its second index', () => {
  assert.deepEqual(errs({ set: [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 1, b: 2 }, { a: 2 }] }), [
    'set[1]: Duplicate value: map[string]interface {}{"a":1, "b":2}',
  ]);
  assert.deepEqual(errs({ groups: { g: ['a', 'b', 'b', 'a', 'a'] } }), [
    'groups[g][2]: Duplicate value: "b"',
    'groups[g][3]: Duplicate value: "a"',
  ]);
});

test('map lists: duplicate and unspecified keys, non-object items, nested lists', () => {
  assert.deepEqual(errs({ byName: [{ name: 'a' }, { name: 'b' }, { name: 'a', sub: [1] }] }), [
    'byName[2]: Duplicate value: map[string]interface {}{"name":"a"}',
  ]);
  assert.deepEqual(errs({ byName: [{}, null, { sub: [1, 1] }] }), [
    'byName[1]: Duplicate value: map[string]interface {}{}',
    'byName[2].sub[1]: Duplicate value: 1',
  ]);
  assert.deepEqual(errs({ byName: [{ name: 'a' }, 'x'] }), [
    'byName[1]: Invalid value: "x": must be an object for an array of list-type map',
  ]);
  assert.deepEqual(errs({ byName: [{ name: 'a' }] }), []);
  assert.deepEqual(errs('not an object'), []);
});

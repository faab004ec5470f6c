import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from './json-value.js';
import { openApiPatchSchema } from './openapi-patch-schema.js';
import { noPatchSchema } from './patch-schema.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { mergeItemDefinitions } from './testdata/fixture-definitions.js';
import { assertStatusError, deepFreeze, directiveKeys, type ExpectedError } from './testdata/helpers.js';

// Cases mirror upstream strategicpatch/patch_test.go over its MergeItem type:
// mergingList (merge by name), nonMergingList, mergingIntList (merge scalars),
// simpleMap, replacingItem (replace), retainKeysMap (retainKeys).
const schema = openApiPatchSchema(mergeItemDefinitions, 'test.MergeItem');

interface Case {
  name: string;
  original: JsonObject;
  patch: JsonObject;
  want?: JsonObject;
  error?: ExpectedError;
}

const n = (name: string, extra: JsonObject = {}): JsonObject => ({ name, ...extra });

const cases: Case[] = [
  // maps
  {
    name: 'adds and replaces scalar fields',
    original: { name: '1', value: '1' },
    patch: { value: '2', other: 'x' },
    want: { name: '1', value: '2', other: 'x' },
  },
  {
    name: 'null deletes a key; null for an absent key is dropped',
    original: { name: '1', value: '1' },
    patch: { value: null, other: null },
    want: { name: '1' },
  },
  {
    name: 'nested maps merge recursively',
    original: { simpleMap: { a: '1', b: '2' } },
    patch: { simpleMap: { b: null, c: '3' } },
    want: { simpleMap: { a: '1', c: '3' } },
  },
  {
    name: 'a new nested map loses its nulls',
    original: {},
    patch: { simpleMap: { a: '1', b: null } },
    want: { simpleMap: { a: '1' } },
  },
  {
    name: 'a value of another type replaces',
    original: { other: ['a'] },
    patch: { other: 'b' },
    want: { other: 'b' },
  },
  {
    name: '$patch: replace in a map replaces the map',
    original: { simpleMap: { a: '1' } },
    patch: { simpleMap: { $patch: 'replace', b: '2' } },
    want: { simpleMap: { b: '2' } },
  },
  {
    name: '$patch: delete in a map empties it',
    original: { simpleMap: { a: '1' }, value: 'v' },
    patch: { simpleMap: { $patch: 'delete' } },
    want: { simpleMap: {}, value: 'v' },
  },
  {
    name: '$patch: merge in a map is the default merge',
    original: { simpleMap: { a: '1' } },
    patch: { simpleMap: { $patch: 'merge', b: '2' } },
    want: { simpleMap: { a: '1', b: '2' } },
  },
  {
    name: 'a replace-strategy map is replaced, not merged',
    original: { replacingItem: { a: 1, b: 2 } },
    patch: { replacingItem: { b: 3 } },
    want: { replacingItem: { b: 3 } },
  },
  {
    name: 'a retainKeys map merges when the patch has no $retainKeys',
    original: { retainKeysMap: { name: 'n', value: 'v' } },
    patch: { retainKeysMap: { value: 'w' } },
    want: { retainKeysMap: { name: 'n', value: 'w' } },
  },
  {
    name: '$retainKeys clears the keys it does not list',
    original: { retainKeysMap: { name: 'n', value: 'v', other: 'o' } },
    patch: { retainKeysMap: { $retainKeys: ['name', 'other'], other: 'p' } },
    want: { retainKeysMap: { name: 'n', other: 'p' } },
  },
  {
    name: '$retainKeys allows null for keys it does not list',
    original: { retainKeysMap: { name: 'n', value: 'v' } },
    patch: { retainKeysMap: { $retainKeys: ['name'], value: null } },
    want: { retainKeysMap: { name: 'n' } },
  },
  // merging lists of maps
  {
    name: 'merge list: elements merge by key',
    original: { mergingList: [n('1', { value: '1' }), n('2', { value: '2' })] },
    patch: { mergingList: [n('2', { other: 'b' })] },
    want: { mergingList: [n('1', { value: '1' }), n('2', { value: '2', other: 'b' })] },
  },
  {
    name: 'merge list: without $setElementOrder new elements come before live-only ones (upstream order)',
    original: { mergingList: [n('1'), n('2')] },
    patch: { mergingList: [n('3', { value: '3' })] },
    want: { mergingList: [n('3', { value: '3' }), n('1'), n('2')] },
  },
  {
    name: 'merge list: changed and new elements keep their patch order after live ones they follow',
    original: { mergingList: [n('1'), n('2')] },
    patch: { mergingList: [n('2', { value: 'x' }), n('3')] },
    want: { mergingList: [n('1'), n('2', { value: 'x' }), n('3')] },
  },
  {
    name: 'merge list: $patch: delete removes the element with that key',
    original: { mergingList: [n('1'), n('2'), n('3')] },
    patch: { mergingList: [{ name: '2', $patch: 'delete' }] },
    want: { mergingList: [n('1'), n('3')] },
  },
  {
    name: 'merge list: deleting a missing element changes nothing',
    original: { mergingList: [n('1')] },
    patch: { mergingList: [{ name: '9', $patch: 'delete' }] },
    want: { mergingList: [n('1')] },
  },
  {
    name: 'merge list: a $patch: replace element replaces the list',
    original: { mergingList: [n('1'), n('2')] },
    patch: { mergingList: [{ $patch: 'replace' }, n('3', { value: '3' })] },
    want: { mergingList: [n('3', { value: '3' })] },
  },
  {
    name: 'merge list: element merges recurse into nested merge lists',
    original: { mergingList: [n('1', { mergingList: [n('a', { value: 'x' })] })] },
    patch: { mergingList: [n('1', { mergingList: [n('a', { other: 'y' })] })] },
    want: { mergingList: [n('1', { mergingList: [n('a', { value: 'x', other: 'y' })] })] },
  },
  {
    name: 'a merge list in a field with a merge strategy on a struct pointer merges the struct',
    original: { mergeItemPtr: { name: 'p', value: 'v' } },
    patch: { mergeItemPtr: { other: 'o' } },
    want: { mergeItemPtr: { name: 'p', value: 'v', other: 'o' } },
  },
  {
    name: 'a list without strategy is replaced',
    original: { nonMergingList: [n('1'), n('2')] },
    patch: { nonMergingList: [n('3')] },
    want: { nonMergingList: [n('3')] },
  },
  {
    name: 'a list without strategy ignores $patch: delete semantics (replaced wholesale)',
    original: { nonMergingIntList: [1, 2] },
    patch: { nonMergingIntList: [3] },
    want: { nonMergingIntList: [3] },
  },
  // merging lists of scalars
  {
    name: 'scalar merge list: union',
    original: { mergingIntList: [1, 2] },
    patch: { mergingIntList: [2, 3] },
    want: { mergingIntList: [1, 2, 3] },
  },
  {
    name: 'scalar merge list: new values come first (upstream order)',
    original: { mergingIntList: [1, 2] },
    patch: { mergingIntList: [3] },
    want: { mergingIntList: [3, 1, 2] },
  },
  {
    name: '$deleteFromPrimitiveList removes values',
    original: { mergingIntList: [1, 2, 3] },
    patch: { '$deleteFromPrimitiveList/mergingIntList': [1, 3] },
    want: { mergingIntList: [2] },
  },
  {
    name: '$deleteFromPrimitiveList on an absent list does nothing',
    original: { value: 'v' },
    patch: { '$deleteFromPrimitiveList/mergingIntList': [1] },
    want: { value: 'v' },
  },
  // $setElementOrder
  {
    name: '$setElementOrder alone reorders the live list',
    original: { mergingList: [n('1', { value: 'a' }), n('2'), n('3')] },
    patch: { '$setElementOrder/mergingList': [n('3'), n('2'), n('1')] },
    want: { mergingList: [n('3'), n('2'), n('1', { value: 'a' })] },
  },
  {
    name: '$setElementOrder places additions',
    original: { mergingList: [n('1'), n('2')] },
    patch: { '$setElementOrder/mergingList': [n('1'), n('3'), n('2')], mergingList: [n('3', { value: '3' })] },
    want: { mergingList: [n('1'), n('3', { value: '3' }), n('2')] },
  },
  {
    name: '$setElementOrder keeps live-only elements where the live list had them',
    original: { mergingList: [n('1'), n('s'), n('2')] },
    patch: { '$setElementOrder/mergingList': [n('2'), n('1')] },
    want: { mergingList: [n('s'), n('2'), n('1')] },
  },
  {
    name: '$setElementOrder with a deletion',
    original: { mergingList: [n('1'), n('2'), n('3')] },
    patch: {
      '$setElementOrder/mergingList': [n('3'), n('1')],
      mergingList: [{ name: '2', $patch: 'delete' }],
    },
    want: { mergingList: [n('3'), n('1')] },
  },
  {
    name: '$setElementOrder for a list the object does not have yet',
    original: {},
    patch: { '$setElementOrder/mergingList': [n('b'), n('a')], mergingList: [n('b', { value: '2' }), n('a')] },
    want: { mergingList: [n('b', { value: '2' }), n('a')] },
  },
  {
    name: '$setElementOrder of scalars',
    original: { mergingIntList: [1, 2] },
    patch: { '$setElementOrder/mergingIntList': [2, 1, 3], mergingIntList: [3] },
    want: { mergingIntList: [2, 1, 3] },
  },
  // errors
  {
    name: 'a merge-list element without its merge key is rejected',
    original: { mergingList: [n('1')] },
    patch: { mergingList: [{ value: 'x' }] },
    error: { code: 400, reason: 'BadRequest', message: 'map: map[value:x] does not contain declared merge key: name' },
  },
  {
    name: 'a $patch: delete element without the merge key is rejected',
    original: { mergingList: [n('1')] },
    patch: { mergingList: [{ $patch: 'delete' }] },
    error: { code: 400, message: 'map: map[$patch:delete] does not contain declared merge key: name' },
  },
  {
    name: 'an unknown $patch in a map is rejected',
    original: { simpleMap: { a: '1' } },
    patch: { simpleMap: { $patch: 'bogus' } },
    error: { code: 400, message: 'unknown patch type: bogus in map: map[$patch:bogus]' },
  },
  {
    name: 'an unknown $patch in a list element is rejected',
    original: { mergingList: [n('1')] },
    patch: { mergingList: [{ name: '1', $patch: 'bogus' }] },
    error: { code: 400, message: 'unknown patch type: bogus in map: map[$patch:bogus name:1]' },
  },
  {
    name: 'a $setElementOrder list that misses a patched element is rejected',
    original: { mergingList: [n('1')] },
    patch: { '$setElementOrder/mergingList': [n('1')], mergingList: [n('2')] },
    error: {
      code: 400,
      message: "The order in patch list:\n[map[name:2]]\n doesn't match $setElementOrder list:\n[map[name:1]]\n",
    },
  },
  {
    name: 'a $setElementOrder that is not a list is rejected',
    original: {},
    patch: { '$setElementOrder/mergingList': 'x' },
    error: { code: 400, message: 'expected a []interface {}, but received a string' },
  },
  {
    name: 'a $setElementOrder key without a field is rejected',
    original: {},
    patch: { $setElementOrder: [] },
    error: { code: 400, message: 'invalid patch format of setElementOrder list' },
  },
  {
    name: 'a $deleteFromPrimitiveList key without a field is rejected',
    original: {},
    patch: { $deleteFromPrimitiveList: [1] },
    error: { code: 400, message: 'invalid patch format of primitive list' },
  },
  {
    name: '$retainKeys must be a list',
    original: { retainKeysMap: { name: 'n' } },
    patch: { retainKeysMap: { $retainKeys: 'name' } },
    error: { code: 400, message: 'invalid patch format of retainKeys' },
  },
  {
    name: '$retainKeys must list every key the patch sets',
    original: { retainKeysMap: { name: 'n' } },
    patch: { retainKeysMap: { $retainKeys: ['name'], value: 'v' } },
    error: { code: 400, message: 'invalid patch format of retainKeys' },
  },
  {
    name: 'lists of lists are not supported',
    original: { mergingIntList: [[1]] },
    patch: { mergingIntList: [[2]] },
    error: { code: 422, reason: 'Invalid', cause: 'lists of lists are not supported' },
  },
  {
    name: 'merge-list elements of different types are rejected',
    original: { mergingIntList: [1] },
    patch: { mergingIntList: ['a'] },
    error: { code: 400, message: /^list element types are not identical/ },
  },
  {
    name: 'a merge list of maps without a merge key is rejected',
    original: { mergingIntList: [{ a: 1 }] },
    patch: { mergingIntList: [{ a: 2 }] },
    error: { code: 400, message: /^cannot merge lists without merge key/ },
  },
];

for (const c of cases) {
  test(`strategic merge: ${c.name}`, () => {
    const original = deepFreeze(structuredClone(c.original));
    const patch = deepFreeze(structuredClone(c.patch));
    if (c.error) {
      assertStatusError(() => applyStrategicMergePatch(original, patch, schema), c.error);
      return;
    }
    const got = applyStrategicMergePatch(original, patch, schema);
    assert.deepStrictEqual(got, c.want);
    assert.deepStrictEqual(directiveKeys(got), []);
  });
}

test('strategic merge: directives inside values with nothing to merge into are resolved, never stored', () => {
  const patch: JsonObject = {
    mergeItemPtr: {
      name: 'x',
      '$setElementOrder/mergingList': [n('b'), n('a')],
      mergingList: [n('b', { value: null }), n('a'), { name: 'c', $patch: 'delete' }],
      simpleMap: { $patch: 'replace', k: 'v' },
      '$deleteFromPrimitiveList/mergingIntList': [1],
      retainKeysMap: { $retainKeys: ['name'], name: 'r' },
    },
    mergingList: [
      n('n', {
        retainKeysMap: { $retainKeys: ['value'], value: 'v' },
        nonMergingList: [n('z', { simpleMap: { a: null } })],
      }),
    ],
  };
  const got = applyStrategicMergePatch({}, deepFreeze(patch), schema);
  assert.deepStrictEqual(directiveKeys(got), []);
  assert.deepStrictEqual(got, {
    mergeItemPtr: {
      name: 'x',
      mergingList: [n('b'), n('a')],
      simpleMap: { k: 'v' },
      retainKeysMap: { name: 'r' },
    },
    mergingList: [n('n', { retainKeysMap: { value: 'v' }, nonMergingList: [n('z', { simpleMap: {} })] })],
  });
});

test('strategic merge: the result shares no structure with the inputs', () => {
  const original: JsonObject = { simpleMap: { a: '1' }, mergingList: [n('1', { simpleMap: { x: 'y' } })] };
  const patch: JsonObject = { nonMergingList: [n('z')], mergingList: [n('2', { simpleMap: { k: 'v' } })] };
  const got = applyStrategicMergePatch(original, patch, schema);
  (got.simpleMap as JsonObject).a = 'changed';
  ((got.nonMergingList as JsonObject[])[0] as JsonObject).name = 'changed';
  ((got.mergingList as JsonObject[])[0]!.simpleMap as JsonObject).k = 'changed';
  assert.deepStrictEqual(original, { simpleMap: { a: '1' }, mergingList: [n('1', { simpleMap: { x: 'y' } })] });
  assert.deepStrictEqual(patch, { nonMergingList: [n('z')], mergingList: [n('2', { simpleMap: { k: 'v' } })] });
});

test('strategic merge: without a schema maps merge and lists are replaced', () => {
  const got = applyStrategicMergePatch(
    { spec: { a: 1, list: [{ name: 'x' }], m: { k: 'v' } } },
    { spec: { list: [{ name: 'y' }], m: { j: 'w' } } },
    noPatchSchema,
  );
  assert.deepStrictEqual(got, { spec: { a: 1, list: [{ name: 'y' }], m: { k: 'v', j: 'w' } } });
});

test('strategic merge: keys named like Object.prototype members are ordinary fields', () => {
  const got = applyStrategicMergePatch(
    { simpleMap: { constructor: 'a' } },
    JSON.parse('{"simpleMap":{"__proto__":{"polluted":true},"toString":"x"}}') as JsonObject,
    schema,
  );
  assert.deepStrictEqual(Object.keys(got.simpleMap as JsonObject).sort(), ['__proto__', 'constructor', 'toString']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(got.simpleMap), Object.prototype);
});

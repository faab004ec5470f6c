import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from './json-value.js';
import { applyMergePatch, createMergePatch } from './merge-patch.js';
import { deepFreeze } from './testdata/helpers.js';

// RFC 7386 Appendix A: [original, patch, result].
const rfcExamples: [JsonValue, JsonValue, JsonValue][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [
    ['a', 'b'],
    ['c', 'd'],
    ['c', 'd'],
  ],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

for (const [i, [original, patch, want]] of rfcExamples.entries()) {
  test(`merge patch: RFC 7386 example ${i + 1}`, () => {
    assert.deepStrictEqual(applyMergePatch(deepFreeze(structuredClone(original)), deepFreeze(patch)), want);
  });
}

test('merge patch: kubectl scale / label bodies', () => {
  const obj = { metadata: { name: 'w', labels: { a: '1', b: '2' } }, spec: { replicas: 1, template: { x: 1 } } };
  assert.deepStrictEqual(applyMergePatch(obj, { spec: { replicas: 3 }, metadata: { labels: { b: null, c: '3' } } }), {
    metadata: { name: 'w', labels: { a: '1', c: '3' } },
    spec: { replicas: 3, template: { x: 1 } },
  });
});

test('merge patch: the result shares nothing with the inputs', () => {
  const original = { a: { b: [1] } };
  const patch = { c: { d: [2] } };
  const got = applyMergePatch(original, patch) as { a: { b: number[] }; c: { d: number[] } };
  got.a.b.push(9);
  got.c.d.push(9);
  assert.deepStrictEqual(original, { a: { b: [1] } });
  assert.deepStrictEqual(patch, { c: { d: [2] } });
});

const createCases: { name: string; original: JsonValue; modified: JsonValue; want: JsonValue }[] = [
  { name: 'equal documents', original: { a: 1, b: { c: [1] } }, modified: { a: 1, b: { c: [1] } }, want: {} },
  { name: 'changed scalar', original: { a: 1 }, modified: { a: 2 }, want: { a: 2 } },
  { name: 'removed key is null', original: { a: 1, b: 2 }, modified: { a: 1 }, want: { b: null } },
  { name: 'added key', original: { a: 1 }, modified: { a: 1, b: { c: 1 } }, want: { b: { c: 1 } } },
  {
    name: 'nested objects diff recursively',
    original: { a: { b: 1, c: 2 } },
    modified: { a: { b: 1, d: 3 } },
    want: { a: { c: null, d: 3 } },
  },
  { name: 'arrays are replaced whole', original: { a: [1, 2] }, modified: { a: [1] }, want: { a: [1] } },
  { name: 'object replaced by scalar', original: { a: { b: 1 } }, modified: { a: 'x' }, want: { a: 'x' } },
  { name: 'non-object documents', original: [1], modified: [2], want: [2] },
];

for (const c of createCases) {
  test(`create merge patch: ${c.name}`, () => {
    const patch = createMergePatch(deepFreeze(c.original), deepFreeze(c.modified));
    assert.deepStrictEqual(patch, c.want);
    assert.deepStrictEqual(applyMergePatch(c.original, patch), c.modified);
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, maxJsonPatchOperations } from './json-patch.js';
import { escapeJsonPointerToken, formatJsonPointer, parseJsonPointer } from './json-pointer.js';
import type { JsonValue } from './json-value.js';
import { genericInvalidMessage } from './patch-errors.js';
import { assertStatusError, deepFreeze } from './testdata/helpers.js';

interface Case {
  name: string;
  doc: JsonValue;
  patch: JsonValue;
  want?: JsonValue;
  /** The detail upstream puts in the 422's cause. */
  error?: string;
}

// RFC 6902 Appendix A, then the error paths and the details upstream reports.
const cases: Case[] = [
  {
    name: 'A.1 adding an object member',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux' }],
    want: { baz: 'qux', foo: 'bar' },
  },
  {
    name: 'A.2 adding an array element',
    doc: { foo: ['bar', 'baz'] },
    patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
    want: { foo: ['bar', 'qux', 'baz'] },
  },
  {
    name: 'A.3 removing an object member',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'remove', path: '/baz' }],
    want: { foo: 'bar' },
  },
  {
    name: 'A.4 removing an array element',
    doc: { foo: ['bar', 'qux', 'baz'] },
    patch: [{ op: 'remove', path: '/foo/1' }],
    want: { foo: ['bar', 'baz'] },
  },
  {
    name: 'A.5 replacing a value',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'replace', path: '/baz', value: 'boo' }],
    want: { baz: 'boo', foo: 'bar' },
  },
  {
    name: 'A.6 moving a value',
    doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    want: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  },
  {
    name: 'A.7 moving an array element',
    doc: { foo: ['all', 'grass', 'cows', 'eat'] },
    patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    want: { foo: ['all', 'cows', 'eat', 'grass'] },
  },
  {
    name: 'A.8 testing a value: success',
    doc: { baz: 'qux', foo: ['a', 2, 'c'] },
    patch: [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    want: { baz: 'qux', foo: ['a', 2, 'c'] },
  },
  {
    name: 'A.9 testing a value: error',
    doc: { baz: 'qux' },
    patch: [{ op: 'test', path: '/baz', value: 'bar' }],
    error: 'testing value /baz failed: test failed',
  },
  {
    name: 'A.10 adding a nested member object',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    want: { foo: 'bar', child: { grandchild: {} } },
  },
  {
    name: 'A.11 ignoring unrecognized elements',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
    want: { foo: 'bar', baz: 'qux' },
  },
  {
    name: 'A.12 adding to a nonexistent target',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz/bat', value: 'qux' }],
    error: 'add operation does not apply: doc is missing path: "/baz/bat": missing value',
  },
  {
    name: 'A.14 ~ escape ordering',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: 10 }],
    want: { '/': 9, '~1': 10 },
  },
  {
    name: 'A.15 comparing strings and numbers',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: '10' }],
    error: 'testing value /~01 failed: test failed',
  },
  {
    name: 'A.16 adding an array value',
    doc: { foo: ['bar'] },
    patch: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    want: { foo: ['bar', ['abc', 'def']] },
  },
  {
    name: 'copy duplicates a subtree (independently of the source)',
    doc: { a: { b: [1] } },
    patch: [
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'add', path: '/c/b/-', value: 2 },
    ],
    want: { a: { b: [1] }, c: { b: [1, 2] } },
  },
  {
    name: 'the empty path names the whole document',
    doc: { a: 1 },
    patch: [{ op: 'replace', path: '', value: { b: 2 } }],
    want: { b: 2 },
  },
  {
    name: 'add replaces an existing member',
    doc: { a: 1 },
    patch: [{ op: 'add', path: '/a', value: 2 }],
    want: { a: 2 },
  },
  {
    name: 'operations apply in order (kubectl rollout undo style)',
    doc: { metadata: { annotations: { x: '1' } }, spec: { replicas: 1 } },
    patch: [
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'remove', path: '/metadata/annotations/x' },
      { op: 'add', path: '/metadata/annotations/deployment.kubernetes.io~1revision', value: '2' },
    ],
    want: { metadata: { annotations: { 'deployment.kubernetes.io/revision': '2' } }, spec: { replicas: 3 } },
  },
  {
    name: 'removing a missing member fails',
    doc: { a: 1 },
    patch: [{ op: 'remove', path: '/b' }],
    error: 'Unable to remove nonexistent key: b: missing value',
  },
  {
    name: 'replacing a missing member fails',
    doc: { a: 1 },
    patch: [{ op: 'replace', path: '/b', value: 2 }],
    error: 'replace operation does not apply: doc is missing key: /b: missing value',
  },
  {
    name: 'an index past the end fails',
    doc: { a: [1] },
    patch: [{ op: 'add', path: '/a/2', value: 2 }],
    error: 'Unable to access invalid index: 2: invalid index referenced',
  },
  {
    name: '"-" cannot be removed',
    doc: { a: [1] },
    patch: [{ op: 'remove', path: '/a/-' }],
    error: 'Unable to access invalid index: -: invalid index referenced',
  },
  {
    name: 'an index with a leading zero is not an index',
    doc: { a: [1, 2] },
    patch: [{ op: 'replace', path: '/a/01', value: 3 }],
    error: 'Unable to access invalid index: 01: invalid index referenced',
  },
  {
    name: 'moving a value into its own child fails',
    doc: { a: { b: {} } },
    patch: [{ op: 'move', from: '/a', path: '/a/b/c' }],
    error: 'move operation does not apply: "from" /a is a prefix of "path" /a/b/c',
  },
  {
    name: 'moving from a missing path fails',
    doc: {},
    patch: [{ op: 'move', from: '/x', path: '/y' }],
    error: 'move operation does not apply: doc is missing from path: /x: missing value',
  },
  {
    name: 'testing a missing path fails',
    doc: {},
    patch: [{ op: 'test', path: '/x', value: null }],
    error: 'test operation does not apply: is missing path: /x: missing value',
  },
  {
    name: 'an unknown op fails',
    doc: {},
    patch: [{ op: 'bogus', path: '/x' }],
    error: 'Unexpected kind: bogus',
  },
  {
    name: 'an op without path fails',
    doc: {},
    patch: [{ op: 'add', value: 1 }],
    error: 'operation missing path field: missing value',
  },
  {
    name: 'add without a value fails',
    doc: {},
    patch: [{ op: 'add', path: '/x' }],
    error: 'add operation, missing value field: missing value',
  },
  {
    name: 'a pointer without a leading slash fails',
    doc: { a: 1 },
    patch: [{ op: 'remove', path: 'a' }],
    error: 'JSON pointer must be empty or start with a "/": a',
  },
  {
    name: 'a failing operation leaves nothing half-applied (the whole patch fails)',
    doc: { a: 1 },
    patch: [
      { op: 'add', path: '/b', value: 2 },
      { op: 'test', path: '/a', value: 2 },
    ],
    error: 'testing value /a failed: test failed',
  },
];

for (const c of cases) {
  test(`json patch: ${c.name}`, () => {
    const doc = deepFreeze(structuredClone(c.doc));
    const patch = deepFreeze(structuredClone(c.patch));
    if (c.error !== undefined) {
      assertStatusError(() => applyJsonPatch(doc, patch), {
        code: 422,
        reason: 'Invalid',
        message: genericInvalidMessage,
        cause: c.error,
      });
      return;
    }
    assert.deepStrictEqual(applyJsonPatch(doc, patch), c.want);
  });
}

test('json patch: RFC 6901 pointer examples resolve', () => {
  const doc: JsonValue = {
    foo: ['bar', 'baz'],
    '': 0,
    'a/b': 1,
    'c%d': 2,
    'e^f': 3,
    'g|h': 4,
    'i\\j': 5,
    'k"l': 6,
    ' ': 7,
    'm~n': 8,
  };
  const expectations: [string, JsonValue][] = [
    ['', doc],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ];
  for (const [path, value] of expectations) {
    assert.deepStrictEqual(applyJsonPatch(doc, [{ op: 'test', path, value }]), doc, path);
  }
  assert.deepStrictEqual(parseJsonPointer('/a~1b/m~0n/~01'), ['a/b', 'm~n', '~1']);
  assert.equal(formatJsonPointer(['a/b', 'm~n', '~1']), '/a~1b/m~0n/~01');
  assert.equal(escapeJsonPointerToken('~/'), '~0~1');
  assert.throws(() => parseJsonPointer('/a~2'), /invalid escape/);
});

test('json patch: a body that is not an array of objects is a 400', () => {
  assertStatusError(() => applyJsonPatch({}, { op: 'add' }), {
    code: 400,
    message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  });
  assertStatusError(() => applyJsonPatch({}, ['x']), { code: 400, reason: 'BadRequest' });
});

test('json patch: more operations than upstream allows is a 413', () => {
  const ops = Array.from({ length: maxJsonPatchOperations + 1 }, () => ({ op: 'test', path: '', value: {} }));
  assertStatusError(() => applyJsonPatch({}, ops), {
    code: 413,
    reason: 'RequestEntityTooLarge',
    message: `Request entity too large: The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${maxJsonPatchOperations + 1}`,
  });
});

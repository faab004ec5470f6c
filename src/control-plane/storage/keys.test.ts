import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isStorageError } from './interface.js';
import { checkKey, compareKeys, prefixEnd } from './keys.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const sign = (n: number) => Math.sign(n);
// Well-formed strings mixing ASCII, BMP (incl. U+E000..U+FFFF) and astral characters.
const keyChar = fc.oneof(
  fc.constantFrom('/', 'a', 'z', '\u0000', '\u007f', 'é', '日', '\uE000', '\uFFFD', '\uFFFF', '😀', '\u{10FFFF}'),
  fc.string({ unit: 'grapheme', maxLength: 1 }),
);
const key = fc.array(keyChar, { maxLength: 8 }).map((a) => a.join(''));

test('compareKeys orders like the UTF-8 bytes (etcd and SQLite order)', () => {
  fc.assert(
    fc.property(key, key, (a, b) => sign(compareKeys(a, b)) === sign(Buffer.compare(bytes(a), bytes(b)))),
    { numRuns: 2000 },
  );
  assert.ok(compareKeys('\uFFFF', '😀') < 0); // JS `<` says the opposite
  assert.ok('\uFFFF' > '😀');
});

test('prefixEnd bounds exactly the keys with the prefix', () => {
  fc.assert(
    fc.property(key, key, key, (p, s, q) => {
      const end = prefixEnd(p);
      const withPrefix = p + s;
      if (end === undefined) return [...p].every((c) => c === '\u{10FFFF}');
      const inRange = compareKeys(q, p) >= 0 && compareKeys(q, end) < 0;
      return compareKeys(withPrefix, end) < 0 && inRange === q.startsWith(p);
    }),
    { numRuns: 3000 },
  );
  const cases: [string, string | undefined][] = [
    ['/registry/pods/', '/registry/pods0'],
    ['', undefined],
    ['a\u{10FFFF}', 'b'],
    ['\u{10FFFF}', undefined],
    ['x\uD7FF', 'x\uE000'],
    ['😀', '😁'],
  ];
  for (const [p, want] of cases) assert.equal(prefixEnd(p), want, JSON.stringify(p));
});

test('checkKey rejects keys no backend can store', () => {
  for (const bad of ['', 'a\uD800', '\uDC00b', 'x\uD83D']) {
    assert.throws(
      () => checkKey(bad),
      (err: unknown) => isStorageError(err, 'InvalidArgument'),
    );
  }
  for (const ok of ['/a', '😀', '\u0000', '/registry/pods/ns/p']) checkKey(ok);
});

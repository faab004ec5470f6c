import { StorageError } from './interface.js';

/**
 * Key helpers shared by the backends. Keys are compared the way etcd compares
 * them: as UTF-8 bytes. UTF-8 preserves code point order, so comparing code
 * points is the same as comparing the encoded bytes; JavaScript's `<` compares
 * UTF-16 code units instead, which disagrees for characters above U+FFFF versus
 * U+E000..U+FFFF.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Rejects keys no backend can store faithfully (empty, or not encodable as UTF-8). */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StorageError('InvalidArgument', 'key must be a non-empty string');
  }
  if (LONE_SURROGATE.test(key)) {
    throw new StorageError('InvalidArgument', `key ${JSON.stringify(key)} is not valid UTF-8 (lone surrogate)`);
  }
}

/** Maps a UTF-16 code unit so that code-unit order equals code-point order for well-formed strings. */
function rank(cu: number): number {
  if (cu >= 0xe000) return cu - 0x800;
  if (cu >= 0xd800) return cu + 0x2000;
  return cu;
}

/** Orders keys by their UTF-8 bytes (etcd's and SQLite's BINARY order). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/**
 * The smallest string greater (in UTF-8 byte order) than every string that
 * starts with `prefix`, or undefined when there is none (empty prefix, or a
 * prefix made only of U+10FFFF). Used as the exclusive upper bound of a prefix
 * range, so range scans can use an index.
 */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const last = cps.pop()!.codePointAt(0)!;
    if (last >= 0x10ffff) continue;
    // U+D800..U+DFFF are not characters; the code point after U+D7FF is U+E000.
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return cps.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/** The first key strictly after `key` in byte order (`key` followed by U+0000). */
export function keyAfter(key: string): string {
  return key + '\u0000';
}

/** True when `key` lies in the half-open range [from, to) (to undefined = unbounded). */
export function inRange(key: string, from: string, to: string | undefined): boolean {
  return compareKeys(key, from) >= 0 && (to === undefined || compareKeys(key, to) < 0);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWrite, invalidPayloadPath, type Payload } from './atomic-writer.js';

const file = (s: string, mode = 0o644) => ({ data: Buffer.from(s), mode });

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbt-aw-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('invalid payload paths are refused with upstream messages', () => {
  const cases: [string, string | undefined][] = [
    ['a', undefined],
    ['a/b/c', undefined],
    ['..a/b', "invalid path: must not start with '..': ..a/b"],
    ['', 'invalid path: must not be empty: ""'],
    ['/abs', 'invalid path: must be relative path: /abs'],
    ['a/../b', "invalid path: must not contain '..': a/../b"],
    ['..', "invalid path: must not contain '..': .."],
    ['x'.repeat(256), 'invalid path: filenames must be less than or equal to 255 characters'],
  ];
  for (const [p, want] of cases) assert.equal(invalidPayloadPath(p), want, p);
});

test(
  'first write: timestamped dir, ..data link and per-name links',
  withDir(async (dir) => {
    const payload: Payload = { a: file('A'), 'sub/b': file('B', 0o400) };
    assert.equal(await atomicWrite(dir, payload, () => Date.UTC(2026, 0, 2, 3, 4, 5)), true);
    const ts = readlinkSync(join(dir, '..data'));
    assert.match(ts, /^\.\.2026_01_02_03_04_05\./);
    assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
    assert.equal(readlinkSync(join(dir, 'sub')), '..data/sub');
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'A');
    assert.equal(readFileSync(join(dir, 'sub', 'b'), 'utf8'), 'B');
    assert.equal(statSync(join(dir, 'sub', 'b')).mode & 0o777, 0o400);
    assert.equal(statSync(join(dir, ts)).mode & 0o777, 0o755);
    assert.deepEqual(readdirSync(dir).sort(), ['..data', ts, 'a', 'sub'].sort());
  }),
);

test(
  'an identical payload writes nothing; a change swaps ..data and prunes what went away',
  withDir(async (dir) => {
    await atomicWrite(dir, { a: file('A'), b: file('B') });
    const first = readlinkSync(join(dir, '..data'));
    assert.equal(await atomicWrite(dir, { a: file('A'), b: file('B') }), false);
    assert.equal(readlinkSync(join(dir, '..data')), first);

    assert.equal(await atomicWrite(dir, { a: file('A2'), c: file('C') }), true);
    const second = readlinkSync(join(dir, '..data'));
    assert.notEqual(second, first);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'A2');
    assert.equal(readFileSync(join(dir, 'c'), 'utf8'), 'C');
    assert.throws(() => lstatSync(join(dir, 'b')), /ENOENT/, 'the link of a removed key is gone');
    assert.deepEqual(readdirSync(dir).sort(), ['..data', second, 'a', 'c'].sort(), 'old data dir removed');
  }),
);

test(
  'a mode change alone is a change',
  withDir(async (dir) => {
    await atomicWrite(dir, { a: file('A', 0o644) });
    assert.equal(await atomicWrite(dir, { a: file('A', 0o600) }), true);
    assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o600);
  }),
);

test(
  'an empty payload after content removes every visible name',
  withDir(async (dir) => {
    await atomicWrite(dir, { a: file('A'), 'd/e': file('E') });
    assert.equal(await atomicWrite(dir, {}), true);
    const ts = readlinkSync(join(dir, '..data'));
    assert.deepEqual(readdirSync(dir).sort(), ['..data', ts].sort());
  }),
);

test(
  'an invalid path fails before anything is written',
  withDir(async (dir) => {
    await assert.rejects(atomicWrite(dir, { '../escape': file('x') }), /must not contain '\.\.'/);
    assert.deepEqual(readdirSync(dir), []);
  }),
);

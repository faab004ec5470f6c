import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JsonMemo } from './json-memo.js';
import type { CacheEntry } from './types.js';

const entry = (name: string, pad = 0): CacheEntry => ({
  key: `/registry/pods/default/${name}`,
  rv: 1,
  object: { kind: 'Pod', metadata: { name }, data: 'x'.repeat(pad) },
});

test('the JSON of an entry is computed once while remembered', () => {
  const memo = new JsonMemo(1024);
  const e = entry('a');
  const first = memo.get(e);
  assert.equal(first, JSON.stringify(e.object));
  // Changing the object behind the memo's back shows the remembered text is reused.
  e.object.data = 'changed';
  assert.equal(memo.get(e), first);
  assert.equal(memo.size, first.length);
});

test('the oldest texts are dropped once the budget is exceeded, and recomputed on demand', () => {
  const one = JSON.stringify(entry('a', 100).object).length;
  const memo = new JsonMemo(one * 3);
  const es = ['a', 'b', 'c', 'd', 'e'].map((n) => entry(n, 100));
  for (const e of es) memo.get(e);
  assert.deepEqual(
    es.map((e) => e.json !== undefined),
    [false, false, true, true, true],
  );
  assert.equal(memo.size, one * 3);
  // A dropped entry is serialized again, correctly, and becomes the newest.
  assert.equal(memo.get(es[0]!), JSON.stringify(es[0]!.object));
  assert.deepEqual(
    es.map((e) => e.json !== undefined),
    [true, false, false, true, true],
  );
  assert.equal(memo.size, one * 3);
});

test('a text larger than the whole budget is returned but not kept', () => {
  const memo = new JsonMemo(10);
  const e = entry('big', 100);
  assert.equal(memo.get(e), JSON.stringify(e.object));
  assert.equal(e.json, undefined);
  assert.equal(memo.size, 0);
});

test('memory stays within the budget over many entries (queue prefix reclaimed)', () => {
  const memo = new JsonMemo(50_000);
  const es = Array.from({ length: 20_000 }, (_, i) => entry(`p-${i}`, 10));
  for (const e of es) memo.get(e);
  assert.ok(memo.size <= 50_000 && memo.size > 40_000, `size ${memo.size}`);
  const kept = es.filter((e) => e.json !== undefined);
  // Exactly the newest entries are remembered, and their texts add up to the size.
  assert.equal(kept[0], es[es.length - kept.length]);
  assert.equal(
    kept.reduce((n, e) => n + e.json!.length, 0),
    memo.size,
  );
});

test('a negative budget is refused', () => {
  assert.throws(() => new JsonMemo(-1), RangeError);
});

test('the memo does not keep entries alive that the cache let go of', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const memo = new JsonMemo(1 << 20);
  let e: CacheEntry | undefined = entry('gone', 1000);
  memo.get(e);
  const ref = new WeakRef(e);
  e = undefined;
  // WeakRef targets stay alive until the current job ends.
  await new Promise((r) => setImmediate(r));
  gc();
  assert.equal(ref.deref(), undefined);
  // Its length still counts until it reaches the front; later entries are served normally.
  const next = entry('next', 10);
  assert.equal(memo.get(next), JSON.stringify(next.object));
});

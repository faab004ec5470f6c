import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FakeClock } from '../../../lib/clock.js';
import { dec, describeEvent, enc, Recorder, rejectsWith, watchWith } from '../conformance/helpers.js';
import { isStorageError } from '../interface.js';
import { SqliteStorage, type SqliteStorageOptions } from './backend.js';

/** Waits (bounded) for background work such as chunked compaction. */
async function eventually(cond: () => Promise<boolean>, what = 'condition'): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`${what} never held`);
}

const rows = (s: SqliteStorage): number => s.database.prepare('SELECT COUNT(*) FROM kv').pluck().get() as number;

describe('sqlite backend', () => {
  let dir: string;
  let clock: FakeClock;
  let open: SqliteStorage[];
  const make = (o: Partial<SqliteStorageOptions> = {}) => {
    const s = SqliteStorage.open({ path: join(dir, 'state.db'), clock, ...o });
    open.push(s);
    return s;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubets-sqlite-'));
    clock = new FakeClock();
    open = [];
  });
  afterEach(async () => {
    for (const s of open) await s.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('concurrent writes are group-committed: 64 writers, few transactions', async () => {
    const s = make();
    const before = s.batchStats;
    const kvs = await Promise.all(Array.from({ length: 64 }, (_, i) => s.create(`/g/${i}`, enc(`${i}`))));
    const after = s.batchStats;
    assert.equal(after.ops - before.ops, 64);
    assert.equal(after.batches - before.batches, 1);
    assert.equal(new Set(kvs.map((k) => k.modRevision)).size, 64);
    assert.equal(await s.count('/g/'), 64);
  });

  test('compare-and-swap inside one batch sees earlier writes of the same batch', async () => {
    const s = make();
    const cur = await s.currentRevision();
    const batches = s.batchStats.batches;
    // All submitted in the same tick, so they share one transaction.
    const results = await Promise.allSettled([
      s.create('/b/a', enc('1')), // cur+1
      s.update('/b/a', enc('2'), cur + 1), // cur+2
      s.update('/b/a', enc('stale'), cur + 1), // Conflict: now at cur+2
      s.create('/b/a', enc('dup')), // KeyExists
      s.delete('/b/a', cur + 2), // cur+3
      s.update('/b/a', enc('gone'), cur + 3), // KeyNotFound
      s.create('/b/a', enc('3')), // cur+4
    ]);
    assert.equal(s.batchStats.batches, batches + 1);
    const view = results.map((r) => (r.status === 'fulfilled' ? r.value.modRevision : r.reason.code));
    assert.deepEqual(view, [cur + 1, cur + 2, 'Conflict', 'KeyExists', cur + 3, 'KeyNotFound', cur + 4]);
    const conflict = (results[2] as PromiseRejectedResult).reason;
    assert.equal(dec(conflict.current.value), '2');
    const kv = await s.get('/b/a');
    assert.equal(dec(kv?.value), '3');
    assert.equal(kv?.createRevision, cur + 4);
  });

  test('TTL keys expire on the injected clock, with a DELETE event; rewrites keep their own TTL', async () => {
    const s = make({ ttlSweepIntervalMs: 1000 });
    const w = watchWith(s, '/ev/', { startRevision: (await s.currentRevision()) + 1 });
    await s.create('/ev/a', enc('a'), { ttlSeconds: 10 });
    const b = await s.create('/ev/b', enc('b'), { ttlSeconds: 10 });
    await s.create('/ev/keep', enc('k'));
    await clock.advance(5_000);
    await s.update('/ev/b', enc('b2'), b.modRevision, { ttlSeconds: 60 });
    await clock.advance(4_000);
    assert.equal(await s.sweepExpired(), 0);
    assert.ok(await s.get('/ev/a'));
    await clock.advance(2_000); // a: 11 s old; b was rewritten at 5 s with 60 s
    await s.sweepExpired();
    assert.equal(await s.get('/ev/a'), undefined);
    assert.equal(dec((await s.get('/ev/b'))?.value), 'b2');
    assert.ok(await s.get('/ev/keep'));
    await clock.advance(60_000);
    await s.sweepExpired();
    assert.equal(await s.get('/ev/b'), undefined);
    assert.ok(await s.get('/ev/keep'));
    await w.untilEvents(6);
    await w.stop();
    assert.deepEqual(w.events.filter((e) => e.type === 'DELETE').map(describeEvent), [
      `DELETE /ev/a= prev=a@${b.modRevision - 1}`,
      `DELETE /ev/b= prev=b2@${b.modRevision + 2}`,
    ]);
  });

  test('auto-compaction keeps one interval of history and removes superseded rows', async () => {
    const s = make({ compactionIntervalMs: 300_000 });
    const a = await s.create('/c/a', enc('1'));
    let last = a;
    for (let i = 2; i <= 10; i++) last = await s.update('/c/a', enc(`${i}`), last.modRevision);
    const gone = await s.create('/c/gone', enc('x'));
    await s.delete('/c/gone');
    const seen = await s.currentRevision();
    assert.equal(rows(s), 12);
    await clock.advance(300_000); // first tick only records the revision
    assert.equal(await s.compactedRevision(), 0);
    const after = await s.update('/c/a', enc('11'), last.modRevision);
    await clock.advance(300_000); // compacts to what the first tick saw
    await eventually(async () => (await s.compactedRevision()) === seen && rows(s) === 2);
    // Left: /c/a@10 (the value at `seen`, also prevKv of the update above) and /c/a@11.
    assert.equal(rows(s), 2);
    await rejectsWith(s.get('/c/a', { revision: a.modRevision }), 'Compacted');
    assert.equal(dec((await s.get('/c/a', { revision: seen }))?.value), '10');
    assert.equal(await s.get('/c/gone', { revision: seen }), undefined);
    assert.ok(gone.modRevision < seen);
    const w = watchWith(s, '/c/', { startRevision: seen + 1 });
    await w.untilEvents(1);
    await w.stop();
    assert.deepEqual(w.events.map(describeEvent), [`PUT /c/a=11 prev=10@${last.modRevision}`]);
    assert.equal(w.events[0].revision, after.modRevision);
  });

  test('an interrupted compaction is finished on the next open', async () => {
    const path = join(dir, 'state.db');
    let s = make({ path, compactionIntervalMs: 0 });
    let kv = await s.create('/i/a', enc('0'));
    for (let i = 1; i < 20; i++) kv = await s.update('/i/a', enc(`${i}`), kv.modRevision);
    await s.dispose();
    // Simulate a crash after the compact revision was recorded but before any row was removed.
    const raw = new Database(path);
    raw.prepare("UPDATE meta SET value = ? WHERE name = 'compact_revision'").run(kv.modRevision);
    raw.close();
    s = make({ path, compactionIntervalMs: 0 });
    await eventually(async () => rows(s) === 1);
    assert.equal(dec((await s.get('/i/a'))?.value), '19');
  });

  test('a watcher that falls too far behind is ended instead of buffering without bound', async () => {
    const s = make({ maxPendingWatchEvents: 10 });
    const start = (await s.currentRevision()) + 1;
    const slow = new Recorder();
    s.watch('/o/', { startRevision: start }, slow);
    const fine = watchWith(s, '/p/', { startRevision: start });
    await Promise.all(Array.from({ length: 30 }, (_, i) => s.create(`/o/${i}`, enc('x'))));
    await s.create('/p/1', enc('y'));
    await slow.until(() => slow.error !== undefined, 'overflow error');
    assert.ok(isStorageError(slow.error, 'Unavailable'));
    assert.match(slow.error.message, /fell behind/);
    assert.equal(slow.events.length, 0);
    await fine.untilEvents(1);
    await fine.stop();
    assert.equal(fine.error, undefined);
  });

  test('progress notifications follow the injected clock and are withheld while events flow', async () => {
    const s = make();
    const kv = await s.create('/pr/a', enc('a'));
    const rec = new Recorder();
    const h = s.watch('/pr/', { startRevision: kv.modRevision + 1, progressIntervalMs: 1000 }, rec);
    await clock.advance(999);
    assert.deepEqual(rec.progress, []);
    await clock.advance(1);
    assert.deepEqual(rec.progress, [kv.modRevision]);
    const b = await s.create('/pr/b', enc('b'));
    await rec.untilEvents(1);
    await clock.advance(1000); // busy since the last tick: skipped
    assert.deepEqual(rec.progress, [kv.modRevision]);
    await clock.advance(1000);
    assert.deepEqual(rec.progress, [kv.modRevision, b.modRevision]);
    await h.dispose();
    await clock.advance(5000);
    assert.equal(rec.progress.length, 2);
  });
});

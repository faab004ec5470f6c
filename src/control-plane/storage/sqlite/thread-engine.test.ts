import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { assertNoLeaks, startLeakTracking } from '../../../lib/disposable.js';
import { dec, enc, Recorder } from '../conformance/helpers.js';
import { isStorageError, type KeyValue } from '../interface.js';
import { SqliteStorage, type SqliteStorageOptions } from './backend.js';
import { inspectSqliteSnapshot } from './backup.js';
import type { ThreadEngine } from './thread-engine.js';

const thread = (s: SqliteStorage) => (s.writer as ThreadEngine).thread;

describe('sqlite writer thread', () => {
  let dir: string;
  let open: SqliteStorage[];
  const make = (o: Partial<SqliteStorageOptions> = {}) => {
    const s = SqliteStorage.open({ path: join(dir, 'state.db'), compactionIntervalMs: 0, ...o });
    open.push(s);
    return s;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubets-sqlite-thread-'));
    open = [];
    startLeakTracking();
  });
  afterEach(async () => {
    for (const s of open) await s.dispose();
    rmSync(dir, { recursive: true, force: true });
    assertNoLeaks();
  });

  test('a file store commits in a writer thread; its main-thread connection cannot write', async () => {
    const s = make();
    assert.equal(s.writer.kind, 'thread');
    await s.create('/a', enc('1'));
    assert.throws(
      () => s.database.prepare("INSERT INTO meta(name, value) VALUES ('x', 1)").run(),
      /readonly|read-only|query_only/i,
    );
    assert.equal(make({ path: ':memory:' }).writer.kind, 'inline');
    assert.equal(make({ path: join(dir, 'inline.db'), inlineWrites: true }).writer.kind, 'inline');
  });

  for (const inlineWrites of [false, true]) {
    test(`an acknowledged write is already readable and already delivered to watchers (${inlineWrites ? 'inline' : 'thread'})`, async () => {
      const s = make({ inlineWrites });
      const rec = new Recorder();
      const h = s.watch('/rw/', { startRevision: (await s.currentRevision()) + 1 }, rec);
      const check = async (kv: KeyValue, deleted: boolean) => {
        // Synchronously at acknowledgement: the event is there.
        assert.ok(
          rec.events.some((e) => e.revision === kv.modRevision),
          `event ${kv.modRevision} not delivered before the ack`,
        );
        assert.ok((await s.currentRevision()) >= kv.modRevision);
        const got = await s.get(kv.key);
        if (deleted) assert.equal(got, undefined);
        else assert.equal(got?.modRevision, kv.modRevision);
        const listed = await s.list(kv.key);
        assert.equal(listed.items.length, deleted ? 0 : 1);
        assert.ok(listed.revision >= kv.modRevision);
      };
      await Promise.all(
        Array.from({ length: 40 }, async (_, w) => {
          for (let i = 0; i < 5; i++) {
            const key = `/rw/${w}/${i}`;
            let kv = await s.create(key, enc('v0'));
            await check(kv, false);
            kv = await s.update(key, enc('v1'), kv.modRevision);
            await check(kv, false);
            if (i % 2 === 0) await check(await s.delete(key, kv.modRevision), true);
          }
        }),
      );
      assert.equal(await s.count('/rw/'), 40 * 2);
      await h.dispose();
      assert.equal(rec.error, undefined);
    });
  }

  test('writes submitted in one turn share one transaction; later ones do not wait for the acks of earlier ones', async () => {
    const s = make();
    await s.create('/warm', enc('w')); // the thread is up
    const before = s.batchStats;
    const first = s.create('/first', enc('1'));
    await new Promise((r) => setImmediate(r)); // the first batch has been handed to the thread
    const rest = Array.from({ length: 50 }, (_, i) => s.create(`/rest/${i}`, enc(`${i}`)));
    const kvs = await Promise.all([first, ...rest]);
    const txns = s.batchStats.batches - before.batches;
    assert.ok(txns >= 1 && txns <= 2, `${txns} transactions`);
    assert.equal(s.batchStats.ops - before.ops, 51);
    assert.deepEqual(
      kvs.map((k) => k.modRevision),
      kvs.map((_, i) => kvs[0].modRevision + i),
    );
  });

  test('batches that arrive while the thread is committing are merged into its next transaction', async () => {
    const s = make();
    await s.create('/warm', enc('w'));
    const before = s.batchStats;
    // A slow commit (16 MB), then 20 single writes, each handed over in its own event-loop turn.
    const big = Array.from({ length: 1000 }, (_, i) => s.create(`/big/${i}`, Buffer.alloc(16_000, i)));
    await new Promise((r) => setImmediate(r));
    const singles: Promise<KeyValue>[] = [];
    for (let i = 0; i < 20; i++) {
      singles.push(s.create(`/single/${i}`, enc(`${i}`)));
      await new Promise((r) => setImmediate(r));
    }
    const kvs = await Promise.all([...big, ...singles]);
    const txns = s.batchStats.batches - before.batches;
    assert.ok(txns <= 4, `21 batches took ${txns} transactions`);
    assert.equal(s.batchStats.ops - before.ops, 1020);
    // Still one revision per write, in submission order.
    assert.deepEqual(
      kvs.map((k) => k.modRevision),
      kvs.map((_, i) => kvs[0].modRevision + i),
    );
    assert.equal(await s.count('/single/'), 20);
  });

  test('if the writer thread dies, outstanding and later writes fail Unavailable and no acknowledged write is lost', async () => {
    const path = join(dir, 'state.db');
    const s = make({ path });
    const acked: KeyValue[] = [];
    const errors: unknown[] = [];
    let killed = false;
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        // Each writer goes on until its second failure (bounded in case the kill never lands).
        for (let i = 0, failed = 0; failed < 2 && i < 100_000; i++) {
          try {
            acked.push(await s.create(`/k/${w}/${i}`, enc(`${w}-${i}`)));
          } catch (err) {
            errors.push(err);
            failed++;
          }
          if (acked.length >= 300 && !killed) {
            killed = true;
            void thread(s).terminate();
          }
        }
      }),
    );
    assert.ok(killed);
    assert.equal(errors.length, 32);
    for (const err of errors) {
      assert.ok(isStorageError(err, 'Unavailable'), String(err));
      assert.match(err.message, /writer thread exited unexpectedly/);
      assert.ok(err.message.includes(path));
    }
    await assert.rejects(s.update('/k/0/0', enc('x'), acked[0].modRevision), /writer thread exited/);
    // Reads go on at the last acknowledged revision.
    const last = acked.reduce((m, kv) => Math.max(m, kv.modRevision), 0);
    assert.equal(await s.currentRevision(), last);
    assert.equal(dec((await s.get(acked[0].key))?.value), dec(acked[0].value));
    await s.dispose();

    const again = make({ path });
    for (const kv of acked) {
      const got = await again.get(kv.key);
      assert.equal(got?.modRevision, kv.modRevision, `acknowledged ${kv.key}@${kv.modRevision} lost`);
      assert.equal(dec(got?.value), dec(kv.value));
    }
    assert.ok((await again.create('/after', enc('x'))).modRevision > last);
  });

  test('an uncaught error in the writer thread is reported as Unavailable with its message', async () => {
    const s = make();
    await s.create('/a', enc('1'));
    thread(s).postMessage({ t: 'bogus', id: 0 });
    await assert.rejects(
      async () => {
        for (let i = 0; i < 1000; i++) await s.create(`/b/${i}`, enc('x'));
      },
      (err: unknown) => {
        assert.ok(isStorageError(err, 'Unavailable'));
        assert.match(err.message, /writer thread failed: .*unknown request/);
        return true;
      },
    );
  });

  test('an online backup completes while writes keep committing', async () => {
    const s = make();
    for (let i = 0; i < 200; i++) await s.create(`/pre/${i}`, Buffer.alloc(4000, i));
    const before = await s.currentRevision();
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) await s.create(`/during/${i}`, Buffer.alloc(4000, i));
    })();
    const dest = join(dir, 'snap.db');
    await s.backupTo(dest);
    stop = true;
    await writer;
    const info = inspectSqliteSnapshot(dest);
    assert.ok(info.revision >= before && info.revision <= (await s.currentRevision()));
  });

  test('dispose stops the thread and closes both connections', async () => {
    const s = make();
    await s.create('/a', enc('1'));
    const db = s.database;
    const exited = new Promise<number>((resolve) => thread(s).once('exit', resolve));
    await s.dispose();
    await exited;
    assert.equal(db.open, false);
    await assert.rejects(s.create('/b', enc('2')), (err: unknown) => isStorageError(err, 'Closed'));
  });
});

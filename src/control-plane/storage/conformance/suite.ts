import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertNoLeaks, startLeakTracking } from '../../../lib/disposable.js';
import type { KeyValue, Storage } from '../interface.js';
import { compareKeys } from '../keys.js';
import { assertOrdered, dec, describeEvent, enc, kvView, Recorder, rejectsWith, watchWith } from './helpers.js';
import { registerWatchConformance } from './watch-suite.js';
import type { ConformanceCase } from './helpers.js';

export interface StorageUnderTest {
  storage: Storage;
  /** Closes the storage and removes whatever the factory created. */
  cleanup(): Promise<void>;
}

export type StorageFactory = () => Promise<StorageUnderTest>;

export interface ConformanceOptions {
  /** Upper bound for a 1-second TTL key to disappear (default 20 s). */
  ttlTimeoutMs?: number;
}

/**
 * The storage contract every backend must pass (DESIGN.md convention 6).
 * Registers node:test tests; each gets a fresh, empty storage from
 * `makeStorage` (backends sharing a server isolate tests by key prefix) and
 * must leave no tracked handle behind. Revisions are only compared, never
 * assumed to start anywhere, because an etcd cluster's revision is global.
 */
export function runConformance(name: string, makeStorage: StorageFactory, opts: ConformanceOptions = {}): void {
  describe(`storage conformance: ${name}`, () => {
    const it: ConformanceCase = (title, fn) =>
      test(title, async () => {
        startLeakTracking();
        const { storage, cleanup } = await makeStorage();
        let ok = false;
        try {
          await fn(storage);
          ok = true;
        } finally {
          await cleanup();
          if (ok) assertNoLeaks();
        }
      });

    it('create, get and KeyExists', async (s) => {
      const a = await s.create('/r/a', enc('one'));
      assert.equal(a.key, '/r/a');
      assert.equal(dec(a.value), 'one');
      assert.ok(a.modRevision > 0);
      assert.equal(a.createRevision, a.modRevision);
      const got = await s.get('/r/a');
      assert.deepEqual(kvView(got), { key: '/r/a', value: 'one' });
      assert.equal(got!.modRevision, a.modRevision);
      assert.equal(got!.createRevision, a.createRevision);
      assert.equal(await s.get('/r/missing'), undefined);
      const err = await rejectsWith(s.create('/r/a', enc('two')), 'KeyExists');
      assert.equal(dec(err.current?.value), 'one');
      assert.equal(err.current?.modRevision, a.modRevision);
      assert.equal(dec((await s.get('/r/a'))!.value), 'one');
    });

    it('every write gets a new, strictly increasing revision', async (s) => {
      let last = await s.currentRevision();
      const seen: number[] = [];
      const check = (kv: KeyValue): KeyValue => {
        assert.ok(kv.modRevision > last, `revision ${kv.modRevision} after ${last}`);
        last = kv.modRevision;
        seen.push(kv.modRevision);
        return kv;
      };
      const one = check(await s.create('/r/1', enc('a')));
      check(await s.create('/r/2', enc('b')));
      check(await s.update('/r/1', enc('c'), one.modRevision));
      check(await s.delete('/r/2'));
      check(await s.create('/r/2', enc('d')));
      assert.equal(new Set(seen).size, 5);
      assert.ok((await s.currentRevision()) >= last);
    });

    it('update is a compare-and-swap on modRevision', async (s) => {
      const c = await s.create('/r/k', enc('v1'));
      const u = await s.update('/r/k', enc('v2'), c.modRevision);
      assert.ok(u.modRevision > c.modRevision);
      assert.equal(u.createRevision, c.createRevision);
      assert.equal(dec(u.value), 'v2');
      const err = await rejectsWith(s.update('/r/k', enc('v3'), c.modRevision), 'Conflict');
      assert.equal(err.current?.modRevision, u.modRevision);
      assert.equal(dec(err.current?.value), 'v2');
      await rejectsWith(s.update('/r/none', enc('x'), c.modRevision), 'KeyNotFound');
      await rejectsWith(s.update('/r/none', enc('x'), 0), 'KeyNotFound');
      assert.equal(await s.get('/r/none'), undefined);
      assert.equal(dec((await s.get('/r/k'))!.value), 'v2');
    });

    it('delete returns the previous value and honours an expected revision', async (s) => {
      const c = await s.create('/r/k', enc('v1'));
      const u = await s.update('/r/k', enc('v2'), c.modRevision);
      const conflict = await rejectsWith(s.delete('/r/k', c.modRevision), 'Conflict');
      assert.equal(dec(conflict.current?.value), 'v2');
      const d = await s.delete('/r/k', u.modRevision);
      assert.equal(dec(d.value), 'v2');
      assert.equal(d.createRevision, c.createRevision);
      assert.ok(d.modRevision > u.modRevision);
      assert.equal(await s.get('/r/k'), undefined);
      await rejectsWith(s.delete('/r/k'), 'KeyNotFound');
      const again = await s.create('/r/k', enc('v3'));
      assert.ok(again.createRevision > d.modRevision);
      assert.equal(again.createRevision, again.modRevision);
      const plain = await s.delete('/r/k');
      assert.equal(dec(plain.value), 'v3');
    });

    it('reads at a past revision see the state of that revision', async (s) => {
      const c = await s.create('/r/k', enc('v1'));
      const u = await s.update('/r/k', enc('v2'), c.modRevision);
      const d = await s.delete('/r/k');
      assert.equal(dec((await s.get('/r/k', { revision: c.modRevision }))?.value), 'v1');
      assert.equal(dec((await s.get('/r/k', { revision: u.modRevision }))?.value), 'v2');
      assert.equal(await s.get('/r/k', { revision: d.modRevision }), undefined);
      const listed = await s.list('/r/', { revision: u.modRevision });
      assert.deepEqual(listed.items.map(kvView), [{ key: '/r/k', value: 'v2' }]);
      assert.equal(listed.revision, u.modRevision);
      const future = (await s.currentRevision()) + 1000;
      await rejectsWith(s.get('/r/k', { revision: future }), 'FutureRevision');
      await rejectsWith(s.list('/r/', { revision: future }), 'FutureRevision');
    });

    it('list: prefix bounds, key order, limit/continue and count', async (s) => {
      for (const k of ['/p/b', '/p/a', '/p/c/x', '/pa', '/p0', '/o', '/p/']) await s.create(k, enc(k));
      const all = await s.list('/p/');
      assert.deepEqual(
        all.items.map((i) => i.key),
        ['/p/', '/p/a', '/p/b', '/p/c/x'],
      );
      assert.equal(all.more, false);
      assert.equal(await s.count('/p/'), 4);
      assert.equal(all.revision, await s.currentRevision());
      const p1 = await s.list('/p/', { limit: 3 });
      assert.deepEqual(
        p1.items.map((i) => i.key),
        ['/p/', '/p/a', '/p/b'],
      );
      assert.equal(p1.more, true);
      if (p1.remaining !== undefined) assert.equal(p1.remaining, 1);
      const p2 = await s.list('/p/', { limit: 3, startAfter: '/p/b', revision: p1.revision });
      assert.deepEqual(
        p2.items.map((i) => i.key),
        ['/p/c/x'],
      );
      assert.equal(p2.more, false);
      const exact = await s.list('/p/', { limit: 4 });
      assert.equal(exact.items.length, 4);
      assert.equal(exact.more, false);
      await s.delete('/p/b');
      assert.equal(await s.count('/p/'), 3);
      assert.deepEqual((await s.list('/nothing/')).items, []);
      assert.equal(await s.count('/nothing/'), 0);
    });

    it('list at a revision is a consistent snapshot', async (s) => {
      for (let i = 0; i < 5; i++) await s.create(`/c/${i}`, enc(`v${i}`));
      const before = await s.list('/c/');
      const at = before.revision;
      const k1 = (await s.get('/c/1'))!;
      await s.update('/c/1', enc('changed'), k1.modRevision);
      await s.delete('/c/2');
      await s.create('/c/5', enc('new'));
      await s.create('/c/00', enc('new'));
      const snap = await s.list('/c/', { revision: at });
      assert.equal(snap.revision, at);
      assert.deepEqual(snap.items.map(kvView), before.items.map(kvView));
      assert.deepEqual(
        (await s.list('/c/')).items.map((i) => i.key),
        ['/c/0', '/c/00', '/c/1', '/c/3', '/c/4', '/c/5'],
      );
    });

    it('pagination at a fixed revision is unaffected by concurrent writes', async (s) => {
      const names = Array.from({ length: 60 }, (_, i) => `/pg/${String(i * 2).padStart(3, '0')}`);
      for (const n of names) await s.create(n, enc(`orig-${n}`));
      const first = await s.list('/pg/', { limit: 7 });
      const rev = first.revision;
      const seen = [...first.items];
      let more = first.more;
      let round = 0;
      while (more) {
        // Interleave writes that would change the answer if pages were read at the latest revision.
        const r = round++;
        await Promise.all([
          s.create(`/pg/${String(r * 4 + 1).padStart(3, '0')}`, enc('inserted')),
          s.delete(names[(r * 5 + 3) % names.length]).catch(() => undefined),
          s
            .get(names[(r * 7 + 11) % names.length])
            .then((kv) => (kv ? s.update(kv.key, enc('updated'), kv.modRevision).catch(() => undefined) : undefined)),
        ]);
        const page = await s.list('/pg/', { limit: 7, revision: rev, startAfter: seen.at(-1)!.key });
        assert.equal(page.revision, rev);
        seen.push(...page.items);
        more = page.more;
      }
      assert.deepEqual(
        seen.map((i) => i.key),
        names,
      );
      assert.ok(seen.every((i) => dec(i.value) === `orig-${i.key}`));
      assert.ok(seen.every((i) => i.modRevision <= rev));
    });

    it('concurrent compare-and-swap: exactly one writer wins', async (s) => {
      const c = await s.create('/cas/k', enc('0'));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => s.update('/cas/k', enc(`w${i}`), c.modRevision)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal(r.reason.code, 'Conflict');
      const winner = (won[0] as PromiseFulfilledResult<KeyValue>).value;
      assert.equal(dec((await s.get('/cas/k'))!.value), dec(winner.value));
      const creates = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => s.create('/cas/new', enc(`${i}`))));
      assert.equal(creates.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of creates) if (r.status === 'rejected') assert.equal(r.reason.code, 'KeyExists');
    });

    it('concurrent writes get distinct revisions and are watched in order', async (s) => {
      const start = (await s.currentRevision()) + 1;
      const w = watchWith(s, '/ord/', { startRevision: start });
      const kvs = await Promise.all(Array.from({ length: 100 }, (_, i) => s.create(`/ord/${i}`, enc(`${i}`))));
      const revs = new Set(kvs.map((k) => k.modRevision));
      assert.equal(revs.size, 100);
      await w.untilEvents(100);
      await w.stop();
      assert.equal(w.error, undefined);
      assert.equal(w.events.length, 100);
      assertOrdered(w.events);
      assert.deepEqual(
        w.events.map((e) => e.revision),
        [...revs].sort((a, b) => a - b),
      );
      for (const ev of w.events) assert.equal(dec(ev.kv.value), ev.kv.key.slice('/ord/'.length));
    });

    it('prefix order follows UTF-8 bytes for unicode keys', async (s) => {
      const keys = ['/u/z', '/u/Z', '/u/é', '/u/日本', '/u/日本/x', '/u/😀', '/u/\uE000', '/u/\uFFFD', '/u/ä/ü'];
      for (const k of keys) await s.create(k, enc(`v:${k}`));
      const listed = await s.list('/u/');
      const expected = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.deepEqual(
        listed.items.map((i) => i.key),
        expected,
      );
      assert.deepEqual([...keys].sort(compareKeys), expected);
      for (const k of keys) assert.equal(dec((await s.get(k))?.value), `v:${k}`);
      assert.deepEqual(
        (await s.list('/u/日本')).items.map((i) => i.key),
        ['/u/日本', '/u/日本/x'],
      );
      const paged = await s.list('/u/', { startAfter: '/u/\uFFFD', limit: 10 });
      assert.deepEqual(
        paged.items.map((i) => i.key),
        expected.slice(expected.indexOf('/u/\uFFFD') + 1),
      );
      const w = watchWith(s, '/u/日', { startRevision: (await s.currentRevision()) + 1 });
      await s.create('/u/日本/y', enc('y'));
      await s.create('/u/z2', enc('z'));
      await s.create('/u/日/z', enc('z'));
      await w.untilEvents(2);
      await w.stop();
      assert.deepEqual(
        w.events.map((e) => e.kv.key),
        ['/u/日本/y', '/u/日/z'],
      );
    });

    it('large values (1.5 MiB) round-trip through get, list and watch', async (s) => {
      const big = Buffer.alloc(1.5 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
      const big2 = Buffer.from(big).reverse();
      const w = watchWith(s, '/big/', { startRevision: (await s.currentRevision()) + 1 });
      const c = await s.create('/big/obj', big);
      const u = await s.update('/big/obj', big2, c.modRevision);
      assert.ok(Buffer.from((await s.get('/big/obj'))!.value).equals(big2));
      assert.ok(Buffer.from((await s.get('/big/obj', { revision: c.modRevision }))!.value).equals(big));
      const listed = await s.list('/big/');
      assert.ok(Buffer.from(listed.items[0].value).equals(big2));
      await w.untilEvents(2);
      await w.stop();
      assert.ok(Buffer.from(w.events[0].kv.value).equals(big));
      assert.ok(Buffer.from(w.events[1].kv.value).equals(big2));
      assert.ok(Buffer.from(w.events[1].prevKv!.value).equals(big));
      assert.equal(w.events[1].revision, u.modRevision);
    });

    it('compaction: older revisions answer Compacted, newer history stays', async (s) => {
      const c = await s.create('/cp/k', enc('v1'));
      const u1 = await s.update('/cp/k', enc('v2'), c.modRevision);
      const u2 = await s.update('/cp/k', enc('v3'), u1.modRevision);
      const gone = await s.create('/cp/gone', enc('x'));
      await s.delete('/cp/gone');
      const after = await s.create('/cp/after', enc('y'));
      await s.compact(u2.modRevision);
      assert.equal(await s.compactedRevision(), u2.modRevision);
      const err = await rejectsWith(s.get('/cp/k', { revision: u1.modRevision }), 'Compacted');
      assert.equal(err.revision, u2.modRevision);
      await rejectsWith(s.list('/cp/', { revision: c.modRevision }), 'Compacted');
      assert.equal(dec((await s.get('/cp/k', { revision: u2.modRevision }))?.value), 'v3');
      assert.deepEqual((await s.list('/cp/', { revision: u2.modRevision })).items.map(kvView), [
        { key: '/cp/k', value: 'v3' },
      ]);
      assert.equal(dec((await s.get('/cp/k'))?.value), 'v3');

      const old = new Recorder();
      const h1 = s.watch('/cp/', { startRevision: u1.modRevision }, old);
      await old.until(() => old.error !== undefined, 'Compacted error');
      assert.equal(old.error?.code, 'Compacted');
      assert.equal(old.error?.revision, u2.modRevision);
      assert.equal(old.events.length, 0);
      const atCompact = new Recorder();
      const h2 = s.watch('/cp/', { startRevision: u2.modRevision }, atCompact);
      await atCompact.until(() => atCompact.error !== undefined, 'Compacted error at the compact revision');
      assert.equal(atCompact.error?.code, 'Compacted');
      await h1.dispose();
      await h2.dispose();

      const w = watchWith(s, '/cp/', { startRevision: u2.modRevision + 1 });
      await w.untilEvents(3);
      await w.stop();
      assert.equal(w.error, undefined);
      assert.deepEqual(w.events.map(describeEvent), [
        'PUT /cp/gone=x',
        `DELETE /cp/gone= prev=x@${gone.modRevision}`,
        'PUT /cp/after=y',
      ]);
      assert.equal(w.events[2].revision, after.modRevision);
      await s.compact(u2.modRevision);
      await s.compact(u1.modRevision);
      assert.equal(await s.compactedRevision(), u2.modRevision);
      await rejectsWith(s.compact((await s.currentRevision()) + 100), 'FutureRevision');
    });

    it('closing ends watches and rejects later calls', async (s) => {
      const w = watchWith(s, '/x/', { startRevision: (await s.currentRevision()) + 1 });
      await s.create('/x/a', enc('a'));
      await w.untilEvents(1);
      await s.dispose();
      await w.until(() => w.error !== undefined, 'Closed error');
      assert.equal(w.error?.code, 'Closed');
      await rejectsWith(s.get('/x/a'), 'Closed');
      await rejectsWith(s.create('/x/b', enc('b')), 'Closed');
      await rejectsWith(s.currentRevision(), 'Closed');
      const late = new Recorder();
      s.watch('/x/', { startRevision: 1 }, late);
      await late.until(() => late.error !== undefined, 'Closed error for a late watch');
      assert.equal(late.error?.code, 'Closed');
    });

    it('keys written with a TTL disappear with a DELETE event', async (s) => {
      const w = watchWith(s, '/ttl/', { startRevision: (await s.currentRevision()) + 1 });
      await s.create('/ttl/short', enc('e'), { ttlSeconds: 1 });
      await s.create('/ttl/keep', enc('k'));
      await w.until(() => w.events.some((e) => e.type === 'DELETE'), 'TTL expiry', opts.ttlTimeoutMs ?? 20_000);
      await w.stop();
      const del = w.events.find((e) => e.type === 'DELETE')!;
      assert.equal(del.kv.key, '/ttl/short');
      assert.equal(dec(del.prevKv?.value), 'e');
      assert.equal(await s.get('/ttl/short'), undefined);
      assert.equal(dec((await s.get('/ttl/keep'))?.value), 'k');
    });

    registerWatchConformance(it);
  });
}

import assert from 'node:assert/strict';
import type { KeyValue } from '../interface.js';
import { assertOrdered, type ConformanceCase, dec, describeEvent, enc, Recorder, watchWith } from './helpers.js';

/** Watch semantics of the conformance suite (registered by runConformance). */
export function registerWatchConformance(it: ConformanceCase): void {
  it('watch from the current revision: puts, updates and deletes with prevKv', async (s) => {
    const w = watchWith(s, '/w/', { startRevision: (await s.currentRevision()) + 1 });
    const c = await s.create('/w/k', enc('v1'));
    const u = await s.update('/w/k', enc('v2'), c.modRevision);
    const d = await s.delete('/w/k');
    await w.untilEvents(3);
    await w.stop();
    assert.deepEqual(w.events.map(describeEvent), [
      'PUT /w/k=v1',
      `PUT /w/k=v2 prev=v1@${c.modRevision}`,
      `DELETE /w/k= prev=v2@${u.modRevision}`,
    ]);
    const [e1, e2, e3] = w.events;
    assert.equal(e1.prevKv, undefined);
    assert.equal(e1.revision, c.modRevision);
    assert.equal(e1.kv.createRevision, c.createRevision);
    assert.equal(e2.revision, u.modRevision);
    assert.equal(e2.kv.createRevision, c.createRevision);
    assert.equal(e2.prevKv?.createRevision, c.createRevision);
    assert.equal(e3.revision, d.modRevision);
    assert.equal(e3.kv.modRevision, d.modRevision);
    assert.equal(e3.kv.value.length, 0);
    assert.equal(e3.prevKv?.modRevision, u.modRevision);
  });

  it('watch from an old revision replays history, then continues live without gaps', async (s) => {
    const writes: KeyValue[] = [];
    writes.push(await s.create('/h/a', enc('1')));
    writes.push(await s.update('/h/a', enc('2'), writes[0].modRevision));
    writes.push(await s.create('/h/b', enc('3')));
    writes.push(await s.delete('/h/a'));
    writes.push(await s.create('/h/c', enc('4')));
    await s.create('/other/x', enc('not mine'));
    const w = watchWith(s, '/h/', { startRevision: writes[1].modRevision });
    await w.untilEvents(4);
    writes.push(await s.create('/h/d', enc('5')));
    await w.untilEvents(5);
    await w.stop();
    assert.equal(w.error, undefined);
    assert.deepEqual(w.events.map(describeEvent), [
      `PUT /h/a=2 prev=1@${writes[0].modRevision}`,
      'PUT /h/b=3',
      `DELETE /h/a= prev=2@${writes[1].modRevision}`,
      'PUT /h/c=4',
      'PUT /h/d=5',
    ]);
    assert.deepEqual(
      w.events.map((e) => e.revision),
      writes.slice(1).map((k) => k.modRevision),
    );
  });

  it('a long history replays in order while new writes keep arriving', async (s) => {
    const first = await s.create('/long/0000', enc('0'));
    const written: KeyValue[] = [first];
    for (let i = 1; i < 1500; i += 100) {
      const batch = Array.from({ length: Math.min(100, 1500 - i) }, (_, j) => i + j);
      written.push(
        ...(await Promise.all(batch.map((n) => s.create(`/long/${String(n).padStart(4, '0')}`, enc(`${n}`))))),
      );
    }
    const w = watchWith(s, '/long/', { startRevision: first.modRevision });
    // Writes racing with the replay must follow it exactly once.
    for (let i = 0; i < 50; i++) written.push(await s.create(`/long/live${i}`, enc('live')));
    await w.untilEvents(written.length, 60_000);
    const tail = await s.create('/long/tail', enc('t'));
    await w.untilEvents(written.length + 1);
    await w.stop();
    assert.equal(w.error, undefined);
    assertOrdered(w.events);
    assert.deepEqual(
      w.events.map((e) => e.revision),
      [...written, tail].map((k) => k.modRevision).sort((a, b) => a - b),
    );
  });

  it('watch from a future revision starts there', async (s) => {
    const cur = await s.currentRevision();
    const w = watchWith(s, '/f/', { startRevision: cur + 3 });
    const kvs: KeyValue[] = [];
    for (let i = 0; i < 5; i++) kvs.push(await s.create(`/f/${i}`, enc(`${i}`)));
    const expected = kvs.filter((k) => k.modRevision >= cur + 3);
    await w.untilEvents(expected.length);
    // A further write proves nothing earlier is still on its way.
    const last = await s.create('/f/last', enc('x'));
    await w.untilEvents(expected.length + 1);
    await w.stop();
    assert.deepEqual(
      w.events.map((e) => e.revision),
      [...expected, last].map((k) => k.modRevision),
    );
  });

  it('a watch sees only its prefix', async (s) => {
    const w = watchWith(s, '/iso/a/', { startRevision: (await s.currentRevision()) + 1 });
    await s.create('/iso/ab', enc('no'));
    await s.create('/iso/a', enc('no'));
    await s.create('/iso/a/1', enc('yes'));
    await s.create('/iso/b/1', enc('no'));
    await s.create('/iso/a/2', enc('yes'));
    await w.untilEvents(2);
    const end = await s.create('/iso/a/3', enc('yes'));
    await w.untilEvents(3);
    await w.stop();
    assert.deepEqual(
      w.events.map((e) => e.kv.key),
      ['/iso/a/1', '/iso/a/2', '/iso/a/3'],
    );
    assert.equal(w.events[2].revision, end.modRevision);
  });

  it('many concurrent watchers each get every event exactly once, in order', async (s) => {
    const start = (await s.currentRevision()) + 1;
    const watchers = Array.from({ length: 100 }, (_, i) =>
      watchWith(s, i % 2 === 0 ? '/many/' : '/many/k', { startRevision: start }),
    );
    const kvs = await Promise.all(Array.from({ length: 30 }, (_, i) => s.create(`/many/k${i}`, enc(`${i}`))));
    const updates = await Promise.all(kvs.slice(0, 10).map((kv) => s.update(kv.key, enc('u'), kv.modRevision)));
    // A last write after everything else: a duplicate or late event would show up before it.
    const tail = await s.create('/many/k-tail', enc('t'));
    const want = [...kvs, ...updates, tail].map((k) => k.modRevision).sort((a, b) => a - b);
    for (const w of watchers) await w.untilEvents(want.length);
    for (const [i, w] of watchers.entries()) {
      await w.stop();
      assert.equal(w.error, undefined);
      assertOrdered(w.events);
      assert.deepEqual(
        w.events.map((e) => e.revision),
        want,
        `watcher ${i}`,
      );
    }
  });

  it('a disposed watch receives nothing more', async (s) => {
    const start = (await s.currentRevision()) + 1;
    const stopped = watchWith(s, '/d/', { startRevision: start });
    const control = watchWith(s, '/d/', { startRevision: start });
    await s.create('/d/a', enc('a'));
    await stopped.untilEvents(1);
    await stopped.stop();
    await s.create('/d/b', enc('b'));
    await control.untilEvents(2);
    await control.stop();
    assert.deepEqual(
      stopped.events.map((e) => e.kv.key),
      ['/d/a'],
    );
    assert.equal(stopped.error, undefined);
  });

  it('idle watches get progress notifications at or after the current revision', async (s) => {
    const kv = await s.create('/pn/a', enc('a'));
    const rec = new Recorder();
    const h = s.watch('/pn/', { startRevision: kv.modRevision + 1, progressIntervalMs: 100 }, rec);
    await rec.until(() => rec.progress.some((r) => r >= kv.modRevision), 'a progress notification', 30_000);
    const later = await s.create('/pn/b', enc('b'));
    await rec.until(() => rec.events.length === 1, 'the event after progress');
    await rec.until(() => rec.progress.some((r) => r >= later.modRevision), 'progress after the event', 30_000);
    await h.dispose();
    assert.equal(rec.error, undefined);
    assert.equal(dec(rec.events[0].kv.value), 'b');
    // A progress notification at R promises every event up to R was delivered before it.
    for (const [i, entry] of rec.timeline.entries()) {
      if (entry.kind !== 'progress') continue;
      const delivered = rec.timeline.slice(0, i).filter((e) => e.kind === 'event').length;
      const due = rec.events.filter((e) => e.revision <= entry.revision).length;
      assert.equal(delivered, due, `progress at ${entry.revision} ran ahead of events`);
    }
  });
}

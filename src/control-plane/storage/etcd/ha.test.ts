import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertNoLeaks, startLeakTracking } from '../../../lib/disposable.js';
import { assertOrdered, dec, enc, rejectsWith, watchWith } from '../conformance/helpers.js';
import type { KeyValue } from '../interface.js';
import { EtcdStorage } from './backend.js';
import { makeDevCertificates } from './dev-certs.js';
import { LocalEtcdCluster } from './launcher.js';

/** Writes `${prefix}<n>` one after another until stopped; keeps every acknowledged write. */
function startWriter(storage: EtcdStorage, prefix: string) {
  const acked: KeyValue[] = [];
  let stop = false;
  let failure: unknown;
  const done = (async () => {
    for (let n = 0; !stop; n++) {
      try {
        acked.push(await storage.create(`${prefix}${String(n).padStart(6, '0')}`, enc(`v${n}`)));
      } catch (err) {
        failure = err;
        return;
      }
    }
  })();
  return {
    acked,
    /** Resolves when `count` more writes than now have been acknowledged. */
    async progress(count: number, timeoutMs = 60_000) {
      const target = acked.length + count;
      const deadline = Date.now() + timeoutMs;
      while (acked.length < target) {
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`writer stalled at ${acked.length} (wanted ${target})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      stop = true;
      await done;
      if (failure) throw failure;
    },
  };
}

describe('etcd backend with a 3-member cluster', () => {
  let cluster: LocalEtcdCluster;
  before(async () => {
    cluster = await LocalEtcdCluster.start({ members: 3 });
  });
  after(async () => {
    await cluster?.dispose();
  });

  test('stopping any one member keeps reads, writes and watches working', async () => {
    startLeakTracking();
    const storage = new EtcdStorage({ endpoints: cluster.endpoints, prefix: '/ha1', compactionIntervalMs: 0 });
    try {
      const w = watchWith(storage, '/w/', { startRevision: (await storage.currentRevision()) + 1 });
      const writer = startWriter(storage, '/w/');
      await writer.progress(20);
      // One of the three is the member our watch stream is attached to.
      for (let i = 0; i < 3; i++) {
        await cluster.stop(i, { signal: i === 1 ? 'SIGKILL' : 'SIGTERM' });
        await writer.progress(30);
        const last = writer.acked.at(-1)!;
        assert.equal(dec((await storage.get(last.key))?.value), dec(last.value));
        const acknowledged = writer.acked.length;
        assert.ok((await storage.count('/w/')) >= acknowledged);
        await cluster.start(i);
        await writer.progress(10);
      }
      await writer.stop();
      assert.ok(storage.watchStats.reconnects >= 1, 'the watch stream never failed over');
      const want = writer.acked.map((k) => k.modRevision);
      await w.until(() => w.events.length >= want.length || w.error !== undefined, 'all acknowledged writes', 60_000);
      await w.stop();
      assert.equal(w.error, undefined);
      assertOrdered(w.events);
      assert.deepEqual(
        w.events.map((e) => e.revision),
        want,
      );
    } finally {
      await storage.dispose();
    }
    assertNoLeaks();
  });

  test('a broken watch stream resumes from the last delivered revision, without gaps or duplicates', async () => {
    startLeakTracking();
    const storage = new EtcdStorage({ endpoints: cluster.endpoints, prefix: '/ha2', compactionIntervalMs: 0 });
    try {
      // History first, so one watcher is still catching up when the stream breaks.
      const history: KeyValue[] = [];
      for (let i = 0; i < 300; i++) history.push(await storage.create(`/r/h${String(i).padStart(4, '0')}`, enc('h')));
      const fromOld = watchWith(storage, '/r/', { startRevision: history[0].modRevision });
      const live = watchWith(storage, '/r/', { startRevision: (await storage.currentRevision()) + 1 });
      const writer = startWriter(storage, '/r/x');
      await live.untilEvents(1); // the stream is up before the first break
      for (let i = 0; i < 8; i++) {
        storage.breakWatchStream();
        await writer.progress(15);
        // Wait until the new stream delivers, so every break hits a live stream.
        const target = writer.acked.at(-1)!.modRevision;
        await live.until(() => (live.events.at(-1)?.revision ?? 0) >= target || !!live.error, 'resumed stream');
      }
      await writer.stop();
      assert.equal(storage.watchStats.reconnects, 8);
      const all = [...history, ...writer.acked].map((k) => k.modRevision);
      const liveWant = writer.acked.map((k) => k.modRevision);
      await fromOld.until(() => fromOld.events.length >= all.length || !!fromOld.error, 'replay + live', 60_000);
      await live.until(() => live.events.length >= liveWant.length || !!live.error, 'live events', 60_000);
      await fromOld.stop();
      await live.stop();
      assert.equal(fromOld.error, undefined);
      assert.equal(live.error, undefined);
      assert.deepEqual(
        fromOld.events.map((e) => e.revision),
        all,
      );
      assert.deepEqual(
        live.events.map((e) => e.revision),
        liveWant,
      );
    } finally {
      await storage.dispose();
    }
    assertNoLeaks();
  });
});

describe('etcd watch sharing', () => {
  let cluster: LocalEtcdCluster;
  before(async () => {
    cluster = await LocalEtcdCluster.start();
  });
  after(async () => {
    await cluster?.dispose();
  });

  test('watchers of one range from the same revision share one etcd watch; history needs its own', async () => {
    startLeakTracking();
    const storage = new EtcdStorage({ endpoints: cluster.endpoints, prefix: '/share', compactionIntervalMs: 0 });
    try {
      const old = await storage.create('/s/old', enc('old'));
      const start = (await storage.currentRevision()) + 1;
      const live = Array.from({ length: 50 }, () => watchWith(storage, '/s/', { startRevision: start }));
      const replay = watchWith(storage, '/s/', { startRevision: old.modRevision });
      const other = watchWith(storage, '/t/', { startRevision: start });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(storage.watchStats.etcdWatches, 3);
      const kv = await storage.create('/s/new', enc('new'));
      for (const w of live) await w.untilEvents(1);
      await replay.untilEvents(2);
      for (const w of [...live, replay, other]) await w.stop();
      assert.equal(storage.watchStats.etcdWatches, 0);
      for (const w of live)
        assert.deepEqual(
          w.events.map((e) => e.revision),
          [kv.modRevision],
        );
      assert.deepEqual(
        replay.events.map((e) => e.revision),
        [old.modRevision, kv.modRevision],
      );
    } finally {
      await storage.dispose();
    }
    assertNoLeaks();
  });
});

describe('etcd backend over TLS', () => {
  let cluster: LocalEtcdCluster | undefined;
  let dir: string;
  let certs: ReturnType<typeof makeDevCertificates>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubets-etcd-tls-'));
    certs = makeDevCertificates(dir);
    cluster = await LocalEtcdCluster.start({ dir: join(dir, 'etcd'), tls: certs });
  });
  after(async () => {
    await cluster?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('client certificates authenticate; without one the server refuses', async () => {
    assert.ok(cluster!.endpoints[0].startsWith('https://127.0.0.1:'));
    const storage = new EtcdStorage({ endpoints: cluster!.endpoints, tls: certs.client, compactionIntervalMs: 0 });
    try {
      const w = watchWith(storage, '/tls/', { startRevision: (await storage.currentRevision()) + 1 });
      const kv = await storage.create('/tls/a', enc('secret'));
      assert.equal(dec((await storage.get('/tls/a'))?.value), 'secret');
      await w.untilEvents(1);
      await w.stop();
      assert.equal(w.events[0].revision, kv.modRevision);
    } finally {
      await storage.dispose();
    }
    const anonymous = new EtcdStorage({
      endpoints: cluster!.endpoints,
      tls: { ca: certs.client.ca },
      compactionIntervalMs: 0,
      retryTimeoutMs: 500,
    });
    try {
      await rejectsWith(anonymous.get('/tls/a'), 'Unavailable');
    } finally {
      await anonymous.dispose();
    }
  });
});

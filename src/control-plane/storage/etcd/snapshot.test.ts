import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listSnapshots, restoreSnapshot, saveSnapshot } from '../backup.js';
import { dec, enc, kvView, rejectsWith, watchWith } from '../conformance/helpers.js';
import { StorageError } from '../interface.js';
import { compareKeys } from '../keys.js';
import { SqliteStorage } from '../sqlite/backend.js';
import { EtcdStorage } from './backend.js';
import { LocalEtcdCluster } from './launcher.js';
import { readEtcdSnapshot } from './snapshot.js';

describe('etcd snapshots', () => {
  let cluster: LocalEtcdCluster;
  let dataDir: string;
  before(async () => {
    cluster = await LocalEtcdCluster.start();
    dataDir = mkdtempSync(join(tmpdir(), 'kubets-etcd-snap-'));
  });
  after(async () => {
    await cluster?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('save reads back the exact keyspace, including history-compacted, deleted, large and TTL keys', async () => {
    const s = new EtcdStorage({ endpoints: cluster.endpoints, prefix: '/t1', compactionIntervalMs: 0 });
    try {
      const big = Buffer.alloc(1024 * 1024, 7);
      for (let i = 0; i < 500; i++) await s.create(`/k/${String(i).padStart(3, '0')}`, enc(`v${i}`));
      const k1 = (await s.get('/k/001'))!;
      await s.update('/k/001', enc('updated'), k1.modRevision);
      await s.delete('/k/002');
      await s.create('/k/big', big);
      await s.create('/k/ttl', enc('short-lived'), { ttlSeconds: 600 });
      await s.compact((await s.currentRevision()) - 3);
      const snap = await saveSnapshot(s, { dataDir, nodeName: 'n1', now: () => 1_718_000_000_000 });
      assert.equal(snap.backend, 'etcd');
      assert.deepEqual(
        listSnapshots({ dataDir }).map((x) => [x.name, x.backend]),
        [['on-demand-n1-1718000000', 'etcd']],
      );
      const contents = readEtcdSnapshot(snap.path);
      const mine = [...contents.entries].filter(([k]) => k.startsWith('/t1/')).sort(([a], [b]) => compareKeys(a, b));
      const listed = (await s.list('/')).items;
      assert.deepEqual(
        mine.map(([k, e]) => [k.slice(3), e.value.toString('base64'), e.modRevision]),
        listed.map((kv) => [kv.key, Buffer.from(kv.value).toString('base64'), kv.modRevision]),
      );
      assert.equal(contents.entries.get('/t1/k/001')?.value.toString(), 'updated');
      assert.equal(contents.entries.has('/t1/k/002'), false);
      assert.ok(contents.entries.get('/t1/k/big')!.value.equals(big));
      assert.ok((contents.entries.get('/t1/k/ttl')!.ttlSeconds ?? 0) >= 600);
      assert.ok(contents.revision >= listed.at(-1)!.modRevision);
    } finally {
      await s.dispose();
    }
  });

  test('restore puts the namespace back as ordinary writes, with revisions moving forward', async () => {
    const s = new EtcdStorage({ endpoints: cluster.endpoints, prefix: '/t2', compactionIntervalMs: 0 });
    const other = new EtcdStorage({ endpoints: cluster.endpoints, prefix: '/t2-other', compactionIntervalMs: 0 });
    try {
      await s.create('/a', enc('a1'));
      await s.create('/b', enc('b1'));
      await s.create('/c', enc('c1'));
      await other.create('/untouched', enc('x'));
      const snap = await saveSnapshot(s, { dataDir, name: 'etcd-snapshot', nodeName: 'n2', retention: 0 });
      const wanted = (await s.list('/')).items.map(kvView);
      const a = (await s.get('/a'))!;
      await s.update('/a', enc('a2'), a.modRevision);
      await s.delete('/b');
      await s.create('/d', enc('d1'));
      await other.delete('/untouched');
      await other.create('/untouched', enc('y'));
      const before = await s.currentRevision();
      const w = watchWith(s, '/', { startRevision: before + 1 });
      const res = await restoreSnapshot(snap.path, s);
      assert.deepEqual(res, { mode: 'keyspace', created: 1, updated: 1, deleted: 1, unchanged: 1 });
      assert.deepEqual((await s.list('/')).items.map(kvView), wanted);
      assert.equal(dec((await other.get('/untouched'))?.value), 'y');
      await w.untilEvents(3);
      await w.stop();
      assert.ok(w.events.every((e) => e.revision > before));
      assert.deepEqual(w.events.map((e) => `${e.type} ${e.kv.key}`).sort(), ['DELETE /d', 'PUT /a', 'PUT /b']);
    } finally {
      await s.dispose();
      await other.dispose();
    }
  });

  test('an etcd snapshot restores into sqlite (moving a cluster between backends)', async () => {
    const s = new EtcdStorage({ endpoints: cluster.endpoints, prefix: '/t3', compactionIntervalMs: 0 });
    try {
      for (let i = 0; i < 50; i++) await s.create(`/registry/configmaps/ns/c${i}`, enc(`data-${i}`));
      const snap = await saveSnapshot(s, { dataDir, name: 'move', nodeName: 'n3', retention: 0 });
      const path = join(dataDir, 'moved.db');
      // The sqlite store has no namespace, so it receives the raw etcd keys.
      const target = SqliteStorage.open({ path, compactionIntervalMs: 0 });
      try {
        const entries = [...readEtcdSnapshot(snap.path).entries].filter(([k]) => k.startsWith('/t3/'));
        assert.equal(entries.length, 50);
        const res = await restoreSnapshot(snap.path, target);
        assert.equal(res.mode, 'keyspace');
        assert.equal(await target.count('/t3/registry/configmaps/'), 50);
        assert.equal(dec((await target.get('/t3/registry/configmaps/ns/c7'))?.value), 'data-7');
      } finally {
        await target.dispose();
      }
    } finally {
      await s.dispose();
    }
  });

  test('a damaged snapshot is refused (SHA-256 mismatch)', async () => {
    const s = new EtcdStorage({ endpoints: cluster.endpoints, prefix: '/t4', compactionIntervalMs: 0 });
    try {
      await s.create('/x', enc('x'));
      const snap = await saveSnapshot(s, { dataDir, name: 'damaged', nodeName: 'n4', retention: 0 });
      const buf = readFileSync(snap.path);
      buf[Math.floor(buf.length / 2)] ^= 0xff;
      const bad = join(dataDir, 'damaged-copy');
      writeFileSync(bad, buf);
      assert.throws(
        () => readEtcdSnapshot(bad),
        (err: unknown) => err instanceof StorageError && err.code === 'Corrupt' && /SHA-256/.test(err.message),
      );
      await rejectsWith(restoreSnapshot(bad, s), 'Corrupt');
      assert.equal(dec((await s.get('/x'))?.value), 'x');
    } finally {
      await s.dispose();
    }
  });
});

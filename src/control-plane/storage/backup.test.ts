import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { listSnapshots, pruneSnapshots, restoreSnapshot, saveSnapshot, snapshotDir } from './backup.js';
import { dec, enc, kvView, rejectsWith } from './conformance/helpers.js';
import type { Storage } from './interface.js';
import { SqliteStorage } from './sqlite/backend.js';

async function dump(s: Storage, prefix = '/', revision?: number) {
  return (await s.list(prefix, revision ? { revision } : {})).items.map(kvView);
}

describe('snapshots (sqlite)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'kubets-snap-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('online save while writes continue, then offline restore keeps revisions monotonic', async () => {
    const path = join(dataDir, 'db', 'state.db');
    let s = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    for (let i = 0; i < 200; i++) await s.create(`/registry/pods/ns/p${i}`, enc(`pod-${i}`));
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) await s.create(`/registry/events/ns/e${i}`, enc(`event-${i}`));
    })();
    const snap = await saveSnapshot(s, { dataDir, nodeName: 'node1', now: () => 1_718_000_000_000 });
    stop = true;
    await writer;
    assert.equal(snap.name, 'on-demand-node1-1718000000');
    assert.equal(snap.path, join(dataDir, 'db', 'snapshots', snap.name));
    assert.equal(snap.backend, 'sqlite');
    assert.ok(snap.size > 0);

    // The snapshot is a consistent image: some revision's exact state.
    const restoredCopy = join(dataDir, 'copy.db');
    const r1 = await restoreSnapshot(snap.path, { type: 'sqlite', path: restoredCopy });
    assert.equal(r1.mode, 'file');
    const copy = SqliteStorage.open({ path: restoredCopy, compactionIntervalMs: 0 });
    const at = await copy.currentRevision();
    assert.deepEqual(await dump(copy), await dump(s, '/', at));
    assert.equal(await copy.count('/registry/pods/'), 200);
    await copy.dispose();

    // Diverge after the snapshot, then restore over the original file.
    const p0 = (await s.get('/registry/pods/ns/p0'))!;
    await s.update(p0.key, enc('changed'), p0.modRevision);
    await s.create('/registry/pods/ns/late', enc('late'));
    const before = await s.currentRevision();
    await s.dispose();
    const r2 = await restoreSnapshot(snap.path, { type: 'sqlite', path });
    assert.deepEqual(r2, { mode: 'file', snapshotRevision: at, revision: before });
    s = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    try {
      assert.equal(dec((await s.get('/registry/pods/ns/p0'))?.value), 'pod-0');
      assert.equal(await s.get('/registry/pods/ns/late'), undefined);
      assert.equal(await s.currentRevision(), before);
      // The old timeline is "too old" for clients that remember it.
      assert.equal(await s.compactedRevision(), before);
      await rejectsWith(s.get('/registry/pods/ns/p0', { revision: before - 1 }), 'Compacted');
      const next = await s.create('/registry/pods/ns/new', enc('new'));
      assert.equal(next.modRevision, before + 1);
    } finally {
      await s.dispose();
    }
  });

  test('save from a config reads the file of a store open elsewhere (the CLI next to a running server)', async () => {
    const path = join(dataDir, 'db', 'state.db');
    const server = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    try {
      await server.create('/a', enc('1'));
      await server.create('/b', enc('2'));
      const snap = await saveSnapshot({ type: 'sqlite', path }, { dataDir, nodeName: 'n', retention: 0 });
      const copy = join(dataDir, 'copy.db');
      await restoreSnapshot(snap.path, { type: 'sqlite', path: copy });
      const c = SqliteStorage.open({ path: copy, compactionIntervalMs: 0 });
      assert.deepEqual(await dump(c), await dump(server));
      await c.dispose();
    } finally {
      await server.dispose();
    }
  });

  test('a sqlite snapshot restores into another backend through the storage API', async () => {
    const src = SqliteStorage.open({ path: join(dataDir, 'src.db'), compactionIntervalMs: 0 });
    const dst = SqliteStorage.open({ path: ':memory:', compactionIntervalMs: 0 });
    try {
      await src.create('/k/keep', enc('new-value'));
      await src.create('/k/add', enc('added'));
      const snap = await saveSnapshot(src, { dataDir, nodeName: 'n', retention: 0 });
      await dst.create('/k/keep', enc('old-value'));
      await dst.create('/k/stale', enc('stale'));
      const before = await dst.currentRevision();
      const res = await restoreSnapshot(snap.path, dst);
      assert.deepEqual(res, { mode: 'keyspace', created: 1, updated: 1, deleted: 1, unchanged: 0 });
      assert.deepEqual(await dump(dst), await dump(src));
      assert.ok((await dst.currentRevision()) > before);
    } finally {
      await src.dispose();
      await dst.dispose();
    }
  });

  test('retention keeps the newest snapshots of one name and node; ls lists newest first', async () => {
    const s = SqliteStorage.open({ path: ':memory:', compactionIntervalMs: 0 });
    try {
      await s.create('/x', enc('x'));
      const saved = [];
      for (let i = 0; i < 7; i++) {
        saved.push(
          await saveSnapshot(s, {
            dataDir,
            name: 'etcd-snapshot',
            nodeName: 'node-a',
            retention: 3,
            now: () => (1_700_000_000 + i * 60) * 1000,
          }),
        );
      }
      await saveSnapshot(s, {
        dataDir,
        name: 'on-demand',
        nodeName: 'node-a',
        retention: 3,
        now: () => 1_600_000_000_000,
      });
      await saveSnapshot(s, { dataDir, name: 'etcd-snapshot', nodeName: 'node-b', retention: 3, now: () => 1 });
      writeFileSync(join(snapshotDir({ dataDir }), 'notes.txt'), 'not a snapshot');
      writeFileSync(join(snapshotDir({ dataDir }), 'etcd-snapshot-node-a-1000000000'), 'garbage');
      assert.deepEqual(
        saved.at(-1)!.pruned.map((p) => p.split('/').at(-1)),
        ['etcd-snapshot-node-a-1700000180'],
      );
      const names = listSnapshots({ dataDir }).map((x) => x.name);
      assert.deepEqual(names, [
        'etcd-snapshot-node-a-1700000360',
        'etcd-snapshot-node-a-1700000300',
        'etcd-snapshot-node-a-1700000240',
        'on-demand-node-a-1600000000',
      ]);
      // The file with the 1-second timestamp has too few digits to be a k3s snapshot name.
      assert.ok(readdirSync(snapshotDir({ dataDir })).includes('etcd-snapshot-node-b-0'));
      assert.deepEqual(pruneSnapshots({ dataDir, name: 'etcd-snapshot', nodeName: 'node-a', retention: 1 }).length, 2);
      assert.equal(listSnapshots({ dataDir }).length, 2);
      await rejectsWith(saveSnapshot(s, { dataDir, nodeName: 'bad/name' }), 'InvalidArgument');
    } finally {
      await s.dispose();
    }
  });

  test('restore refuses files that are not snapshots and leaves the target alone', async () => {
    const bogus = join(dataDir, 'bogus');
    writeFileSync(bogus, 'hello');
    const target = join(dataDir, 'db', 'state.db');
    mkdirSync(join(dataDir, 'db'));
    await rejectsWith(restoreSnapshot(bogus, { type: 'sqlite', path: target }), 'Corrupt');
    await rejectsWith(restoreSnapshot(join(dataDir, 'missing'), { type: 'sqlite', path: target }), 'Corrupt');
    assert.equal(existsSync(target), false);
  });
});

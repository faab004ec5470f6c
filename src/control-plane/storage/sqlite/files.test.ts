import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { isStorageError, type StorageError } from '../interface.js';
import { SqliteStorage } from './backend.js';
import { APPLICATION_ID, FORMAT_VERSION } from './schema.js';

const digest = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

function openFails(path: string, verify = true): StorageError {
  try {
    SqliteStorage.open({ path, verify, compactionIntervalMs: 0 });
  } catch (err) {
    assert.ok(isStorageError(err, 'Corrupt'), `expected Corrupt, got ${String(err)}`);
    return err;
  }
  assert.fail(`opening ${path} should have failed`);
}

describe('sqlite datastore files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubets-sqlite-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const refused: { name: string; make: (p: string) => void; message: RegExp }[] = [
    {
      name: 'garbage bytes',
      make: (p) => writeFileSync(p, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) & 0xff))),
      message: /not an SQLite database/,
    },
    {
      name: 'a short text file',
      make: (p) => writeFileSync(p, 'hello, I am not a database\n'),
      message: /not an SQLite/,
    },
    {
      name: "another program's SQLite database",
      make: (p) => {
        const db = new Database(p);
        db.exec("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users(name) VALUES ('ann')");
        db.close();
      },
      message: /foreign SQLite database .*users/,
    },
    {
      name: 'a datastore written by a newer kubets',
      make: (p) => {
        const db = new Database(p);
        db.exec('CREATE TABLE kv(id INTEGER PRIMARY KEY); CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER)');
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${FORMAT_VERSION + 1}`);
        db.close();
      },
      message: /newer than this kubets supports/,
    },
  ];
  for (const c of refused) {
    test(`refuses ${c.name}, naming the file and leaving it untouched`, () => {
      const path = join(dir, 'state.db');
      c.make(path);
      const before = digest(path);
      const err = openFails(path);
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, c.message);
      assert.equal(digest(path), before);
      assert.equal(existsSync(`${path}-wal`), false);
    });
  }

  test('a damaged page in a kubets datastore is reported at open', async () => {
    const path = join(dir, 'state.db');
    const s = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    const big = Buffer.alloc(3000, 'v');
    for (let i = 0; i < 300; i++) await s.create(`/registry/pods/ns/p${i}`, big);
    await s.dispose();
    // Checkpointed on close; overwrite a run of interior pages (B-tree pages, not free space).
    const buf = readFileSync(path);
    assert.ok(statSync(path).size > 200 * 4096);
    for (let i = 20 * 4096; i < 60 * 4096; i++) buf[i] = (i * 31) & 0xff;
    writeFileSync(path, buf);
    const err = openFails(path);
    assert.ok(err.message.includes(path));
    assert.match(err.message, /integrity check failed|malformed|SQLITE_CORRUPT/);
  });

  test('data, revision and compact revision persist across reopen', async () => {
    const path = join(dir, 'nested', 'db', 'state.db');
    let s = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    const a = await s.create('/a', Buffer.from('1'));
    const b = await s.update('/a', Buffer.from('2'), a.modRevision);
    await s.create('/b', Buffer.from('3'));
    await s.compact(b.modRevision);
    const rev = await s.currentRevision();
    await s.dispose();
    s = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    try {
      assert.equal(await s.currentRevision(), rev);
      assert.equal(await s.compactedRevision(), b.modRevision);
      assert.equal((await s.get('/a'))?.value.toString(), '2');
      const next = await s.create('/c', Buffer.from('4'));
      assert.equal(next.modRevision, rev + 1);
    } finally {
      await s.dispose();
    }
  });

  test('a new datastore starts at revision 1 (never 0, which Kubernetes reads as "any")', async () => {
    const s = SqliteStorage.open({ path: join(dir, 'new.db'), compactionIntervalMs: 0 });
    try {
      assert.equal(await s.currentRevision(), 1);
      assert.equal((await s.list('/')).revision, 1);
      assert.equal((await s.create('/x', Buffer.from('x'))).modRevision, 2);
    } finally {
      await s.dispose();
    }
  });

  test('a second writer on the same file is detected instead of corrupting revisions', async () => {
    const path = join(dir, 'state.db');
    const a = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    const b = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    try {
      await a.create('/one', Buffer.from('1'));
      await assert.rejects(b.create('/two', Buffer.from('2')), (err: unknown) => {
        assert.ok(isStorageError(err, 'Unavailable'));
        assert.match(err.message, /another process is writing/);
        return true;
      });
      assert.equal(await a.get('/two'), undefined);
      assert.equal((await a.create('/three', Buffer.from('3'))).modRevision, 3);
    } finally {
      await b.dispose();
      await a.dispose();
    }
  });

  test('close commits writes that were still queued', async () => {
    const path = join(dir, 'state.db');
    const s = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    const writes = Array.from({ length: 50 }, (_, i) => s.create(`/q/${i}`, Buffer.from(`${i}`)));
    await s.dispose();
    const done = await Promise.all(writes);
    assert.equal(new Set(done.map((d) => d.modRevision)).size, 50);
    const again = SqliteStorage.open({ path, compactionIntervalMs: 0 });
    try {
      assert.equal(await again.count('/q/'), 50);
    } finally {
      await again.dispose();
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStorageError } from '../interface.js';
import { applyBatches, type BatchInput } from './batch.js';
import { openDatabase } from './schema.js';
import { settleBatch } from './settle.js';
import { KvStatements } from './statements.js';

const b = (s: string) => Buffer.from(s);

function setup() {
  const db = openDatabase(':memory:');
  return { db, stmts: new KvStatements(db) };
}

test('batches merged into one transaction: CAS sees earlier batches, each batch reports its own end revision', () => {
  const { db, stmts } = setup();
  try {
    const start = stmts.getMeta('revision');
    const batches: BatchInput[] = [
      { now: 1000, ops: [{ kind: 'create', key: '/a', value: b('1'), ttlSeconds: 5 }] },
      { now: 2000, ops: [] },
      {
        now: 3000,
        ops: [
          { kind: 'create', key: '/a', value: b('dup') }, // KeyExists: created by the first batch
          { kind: 'update', key: '/a', value: b('2'), expected: start + 1, ttlSeconds: 5 },
        ],
      },
      { now: 4000, ops: [{ kind: 'delete', key: '/missing' }] },
      { now: 5000, ops: [{ kind: 'delete', key: '/a', expected: start + 1 }] }, // Conflict: now at start+2
    ];
    const results = applyBatches(db, stmts, ':memory:', batches, start);
    assert.deepEqual(
      results.map((r) => r.revision),
      [start + 1, start + 1, start + 2, start + 2, start + 2],
    );
    const view = results.map((r, i) =>
      settleBatch(batches[i].ops, r).outcomes.map((o) =>
        isStorageError(o) ? `${o.code}:${o.current?.value.toString() ?? '-'}` : `${o.modRevision}`,
      ),
    );
    assert.deepEqual(view, [[`${start + 1}`], [], ['KeyExists:1', `${start + 2}`], ['KeyNotFound:-'], ['Conflict:2']]);
    assert.equal(stmts.getMeta('revision'), start + 2);
    // Each batch's TTL is dated by its own clock reading.
    const expires = db.prepare('SELECT id, expires_at FROM kv ORDER BY id').raw().all();
    assert.deepEqual(expires, [
      [start + 1, 1000 + 5000],
      [start + 2, 3000 + 5000],
    ]);
  } finally {
    db.close();
  }
});

test('a stale revision (another writer on the file) fails the whole transaction and commits nothing', () => {
  const { db, stmts } = setup();
  try {
    const start = stmts.getMeta('revision');
    applyBatches(db, stmts, 'state.db', [{ now: 0, ops: [{ kind: 'create', key: '/x', value: b('x') }] }], start);
    assert.throws(
      () =>
        applyBatches(db, stmts, 'state.db', [{ now: 0, ops: [{ kind: 'create', key: '/y', value: b('y') }] }], start),
      (err: unknown) => isStorageError(err, 'Unavailable') && /another process is writing/.test(err.message),
    );
    assert.equal(stmts.latest('/y'), undefined);
    assert.equal(stmts.getMeta('revision'), start + 1);
  } finally {
    db.close();
  }
});

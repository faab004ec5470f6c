import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BatchResult, CONFLICT, KEY_EXISTS, KEY_NOT_FOUND, OK, type WriteOp } from './batch.js';
import { settleBatch } from './settle.js';
import { decodeBatch, decodeResult, encodeBatch, encodeResult } from './wire.js';

/** A value that is a view into the middle of a larger buffer (as Node's pooled Buffers are). */
function view(text: string): Buffer {
  const big = Buffer.from(`<<<<${text}>>>>`);
  return big.subarray(4, 4 + Buffer.byteLength(text));
}

const plain = (ops: WriteOp[]) =>
  ops.map((op) => ({ ...op, ...(op.kind === 'delete' ? {} : { value: op.value.toString('latin1') }) }));

test('a batch request round-trips: kinds, keys, values (exact view bytes), expected revisions, TTLs', () => {
  const cases: { name: string; ops: WriteOp[] }[] = [
    { name: 'empty batch', ops: [] },
    {
      name: 'mixed',
      ops: [
        { kind: 'create', key: '/a', value: view('one') },
        { kind: 'create', key: '/ttl', value: view('e'), ttlSeconds: 3600 },
        { kind: 'update', key: '/a', value: view(''), expected: 7 },
        { kind: 'update', key: '/b', value: view('x'.repeat(70_000)), expected: 2 ** 40, ttlSeconds: 5 },
        { kind: 'delete', key: '/a' },
        { kind: 'delete', key: '/b', expected: 9 },
        { kind: 'create', key: '/ünïcode/ключ', value: Buffer.from([0, 255, 1, 254]) },
      ],
    },
  ];
  for (const c of cases) {
    const { msg, transfer } = encodeBatch(4, 1234, c.ops);
    assert.equal(msg.id, 4, c.name);
    assert.equal(msg.now, 1234, c.name);
    assert.ok(transfer.includes(msg.bytes), `${c.name}: values buffer is transferred`);
    const expectedBytes = c.ops.reduce((n, op) => n + (op.kind === 'delete' ? 0 : op.value.length), 0);
    assert.equal(msg.bytes.byteLength, expectedBytes, `${c.name}: only the views' bytes are sent`);
    const back = structuredClone(msg, { transfer });
    assert.deepEqual(plain(decodeBatch(back)), plain(c.ops), c.name);
  }
});

test('a batch result round-trips through one transferred buffer and settles into values, errors and events', () => {
  const ops: WriteOp[] = [
    { kind: 'create', key: '/new', value: Buffer.from('n') },
    { kind: 'create', key: '/dup', value: Buffer.from('d') },
    { kind: 'update', key: '/u', value: Buffer.from('u2'), expected: 3 },
    { kind: 'update', key: '/stale', value: Buffer.from('s2'), expected: 4 },
    { kind: 'delete', key: '/gone' },
    { kind: 'delete', key: '/d' },
  ];
  const result: BatchResult = {
    revision: 12,
    codes: Uint8Array.from([OK, KEY_EXISTS, OK, CONFLICT, KEY_NOT_FOUND, OK]),
    nums: Float64Array.from([10, 0, 0, 0, 5, 5, 11, 3, 2, 0, 6, 1, 0, 0, 0, 12, 8, 8]),
    values: [undefined, Buffer.from('dup'), Buffer.from('u1'), Buffer.from('s1'), undefined, Buffer.from('dv')],
  };
  const { msg, transfer } = encodeResult(1, 7, result);
  const reply = structuredClone(msg, { transfer });
  assert.equal(reply.txn, 7);
  const decoded = decodeResult(reply);
  assert.equal(decoded.revision, 12);
  assert.deepEqual(
    decoded.values.map((v) => v?.toString()),
    [undefined, 'dup', 'u1', 's1', undefined, 'dv'],
  );
  const { outcomes, events } = settleBatch(ops, decoded);
  const view = outcomes.map((o) =>
    o instanceof Error
      ? `${(o as { code?: string }).code}:${(o as { current?: { value: Buffer } }).current?.value.toString() ?? '-'}`
      : `${o.key}@${o.createRevision}/${o.modRevision}=${Buffer.from(o.value).toString()}`,
  );
  assert.deepEqual(view, ['/new@10/10=n', 'KeyExists:dup', '/u@2/11=u2', 'Conflict:s1', 'KeyNotFound:-', '/d@8/12=dv']);
  assert.match(String(outcomes[3]), /key \/stale was modified at revision 6 \(expected 4\)/);
  assert.deepEqual(
    events.map(
      (e) =>
        `${e.type} ${e.kv.key}@${e.revision} prev=${e.prevKv?.value.toString() ?? '-'}@${e.prevKv?.modRevision ?? '-'}`,
    ),
    ['PUT /new@10 prev=-@-', 'PUT /u@11 prev=u1@3', 'DELETE /d@12 prev=dv@8'],
  );
  // A PUT event carries the writer's own bytes; no copy of them travelled back.
  assert.equal(events[0].kv.value, ops[0].kind === 'create' ? ops[0].value : undefined);
});

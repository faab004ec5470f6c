import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonValueSplitter, ResizeDecoder, SizeQueue, parseTerminalSize } from './resize.js';
import type { TerminalSize } from './types.js';

async function drain(q: SizeQueue): Promise<TerminalSize[]> {
  const out: TerminalSize[] = [];
  for await (const s of q) out.push(s);
  return out;
}

test('values split across chunks or packed into one are separated', () => {
  const s = new JsonValueSplitter();
  assert.deepEqual(s.push('{"Width":80,'), []);
  assert.deepEqual(s.push('"Height":24}\n{"Width":1,"Height":2}{"Wi'), [
    '{"Width":80,"Height":24}',
    '{"Width":1,"Height":2}',
  ]);
  assert.deepEqual(s.push('dth":3,"Height":"}{"}'), ['{"Width":3,"Height":"}{"}']);
  assert.deepEqual(s.push('  42 '), ['4', '2']);
});

const sizes: [string, TerminalSize | undefined][] = [
  ['{"Width":80,"Height":24}', { width: 80, height: 24 }],
  ['{"width":1,"HEIGHT":2}', { width: 1, height: 2 }],
  ['{"Width":80}', { width: 80, height: 0 }],
  ['{"Width":80,"Height":24,"Other":true}', { width: 80, height: 24 }],
  ['{"Width":-1,"Height":24}', undefined],
  ['{"Width":65536,"Height":24}', undefined],
  ['{"Width":"80","Height":24}', undefined],
  ['[80,24]', undefined],
  ['not json', undefined],
];
for (const [json, want] of sizes) {
  test(`parseTerminalSize(${json})`, () => assert.deepEqual(parseTerminalSize(json), want));
}

test('the decoder queues sizes and stops at the first bad value, like the kubelet', async () => {
  const q = new SizeQueue();
  const d = new ResizeDecoder(q);
  d.write(Buffer.from('{"Width":10,"Height":20}\n{"Width":30,'));
  d.write(Buffer.from('"Height":40}\n"oops"\n{"Width":50,"Height":60}\n'));
  assert.deepEqual(await drain(q), [
    { width: 10, height: 20 },
    { width: 30, height: 40 },
  ]);
});

test('an endless value is cut off instead of buffered forever', async () => {
  const q = new SizeQueue();
  const d = new ResizeDecoder(q);
  d.write(Buffer.from('{"Width":1,"Height":1}'));
  d.write(Buffer.from(`{"pad":"${'x'.repeat(70 * 1024)}`));
  assert.deepEqual(await drain(q), [{ width: 1, height: 1 }]);
});

test('the queue keeps only the latest entries when nobody reads, and wakes a waiting reader', async () => {
  const q = new SizeQueue(2);
  for (let i = 1; i <= 5; i++) q.push({ width: i, height: i });
  const it = q[Symbol.asyncIterator]();
  assert.deepEqual((await it.next()).value, { width: 4, height: 4 });
  assert.deepEqual((await it.next()).value, { width: 5, height: 5 });
  const pending = it.next();
  q.push({ width: 9, height: 9 });
  assert.deepEqual((await pending).value, { width: 9, height: 9 });
  const last = it.next();
  q.end();
  assert.equal((await last).done, true);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../lib/clock.js';
import { DueQueue } from './due-queue.js';

test('releases items in due order through a single timer', async () => {
  const clock = new FakeClock();
  const out: string[] = [];
  const q = new DueQueue<string>(clock, (k) => out.push(k));
  q.add('c', 300);
  q.add('a', 100);
  q.add('b', 200);
  q.add('a', 250); // later due time for a queued item is ignored
  assert.equal(clock.pending(), 1);
  await clock.advance(150);
  assert.deepEqual(out, ['a']);
  q.add('c', 160); // earlier due time wins
  await clock.advance(100);
  assert.deepEqual(out, ['a', 'c', 'b']);
  assert.equal(q.size, 0);
  q.add('d', 10);
  q.stop();
  await clock.advance(100);
  assert.deepEqual(out, ['a', 'c', 'b']);
  assert.equal(clock.pending(), 0);
});

test('many items cost one pending timer', async () => {
  const clock = new FakeClock();
  let n = 0;
  const q = new DueQueue<number>(clock, () => n++);
  for (let i = 0; i < 1000; i++) q.add(i, 1 + (i % 50));
  assert.equal(clock.pending(), 1);
  await clock.advance(60);
  assert.equal(n, 1000);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';

test('FakeClock fires timers in time order as time advances', async () => {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b@20'), 20);
  clock.setTimeout(() => fired.push('a@10'), 10);
  const iv = clock.setInterval(() => fired.push(`tick@${clock.monotonic()}`), 15);
  await clock.advance(9);
  assert.deepEqual(fired, []);
  await clock.advance(21);
  assert.deepEqual(fired, ['a@10', 'tick@15', 'b@20', 'tick@30']);
  iv.cancel();
  assert.equal(clock.pending(), 0);
  assert.equal(clock.now(), 30);
});

test('FakeClock sleep resolves on advance and rejects on abort', async () => {
  const clock = new FakeClock(0);
  let done = false;
  const p = clock.sleep(100).then(() => (done = true));
  await clock.advance(99);
  assert.equal(done, false);
  await clock.advance(1);
  await p;
  assert.equal(done, true);

  const ctrl = new AbortController();
  const q = clock.sleep(100, ctrl.signal);
  ctrl.abort(new Error('stop'));
  await assert.rejects(q, /stop/);
  assert.equal(clock.pending(), 0);
});

test('timers scheduled by a firing callback run within the same advance window', async () => {
  const clock = new FakeClock(0);
  const seen: number[] = [];
  clock.setTimeout(() => {
    seen.push(clock.monotonic());
    clock.setTimeout(() => seen.push(clock.monotonic()), 5);
  }, 5);
  await clock.advance(10);
  assert.deepEqual(seen, [5, 10]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../lib/clock.js';
import { DelayingQueue } from './delaying-queue.js';
import { WorkQueue } from './queue.js';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialFailureRateLimiter } from './rate-limiters.js';
import { RateLimitingQueue } from './rate-limiting-queue.js';

/** Takes whatever get() resolves with within a few macrotask turns, or 'pending'. */
async function poll<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 5))]);
}

test('dedupes queued items and keeps FIFO order', async () => {
  const q = new WorkQueue();
  for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
  assert.equal(q.len(), 3);
  assert.deepEqual([await q.get(), await q.get(), await q.get()], ['a', 'b', 'c']);
  assert.equal(q.metrics.adds, 3);
});

test('an item added while processing is re-queued only after done', async () => {
  const q = new WorkQueue();
  q.add('a');
  const item = await q.get();
  assert.equal(item, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.len(), 0, 'not handed to a second worker while processing');
  assert.equal(await poll(q.get()), 'pending');
  q.done('a');
  // the pending getter from poll() got it
  assert.equal(q.len(), 0);
  assert.equal(q.processingCount(), 1);
  q.done('a');
  assert.equal(q.processingCount(), 0);
  q.add('a');
  assert.equal(await q.get(), 'a', 'processed once more, not twice');
  q.done('a');
  assert.equal(q.len(), 0);
});

test('get waits for an add; shutDown wakes waiters with undefined and drops new adds', async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  assert.equal(await poll(waiting), 'pending');
  q.add('x');
  assert.equal(await waiting, 'x');
  q.add('y');
  const blocked = q.get(); // gets y
  const blocked2 = q.get();
  q.shutDown();
  assert.equal(await blocked, 'y');
  assert.equal(await blocked2, undefined);
  q.add('z');
  assert.equal(q.len(), 0);
  assert.equal(await q.get(), undefined);
});

test('items queued at shutdown are still handed out, then undefined', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.shutDown();
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(await q.get(), undefined);
});

test('shutDownWithDrain waits for items in processing to be done', async () => {
  const q = new WorkQueue();
  q.add('a');
  await q.get();
  let drained = false;
  const d = q.shutDownWithDrain().then(() => (drained = true));
  await poll(d);
  assert.equal(drained, false);
  q.done('a');
  await d;
  assert.equal(drained, true);
  await new WorkQueue().shutDownWithDrain(); // nothing processing: immediate
});

test('addAfter delays on the clock, keeps the earliest time, and is cancelled by shutdown', async () => {
  const clock = new FakeClock();
  const q = new DelayingQueue(clock);
  q.addAfter('a', 1000);
  q.addAfter('a', 5000); // later: ignored
  q.addAfter('b', 2000);
  q.addAfter('b', 500); // earlier: moves it
  q.addAfter('now', 0);
  assert.deepEqual([q.len(), q.waitingCount()], [1, 2]);
  await clock.advance(499);
  assert.equal(q.len(), 1);
  await clock.advance(1);
  assert.equal(q.len(), 2);
  await clock.advance(500);
  assert.equal(q.len(), 3);
  await clock.advance(10_000);
  assert.equal(q.len(), 3, 'the superseded timers did not fire again');
  assert.deepEqual([await q.get(), await q.get(), await q.get()], ['now', 'b', 'a']);
  q.addAfter('c', 100);
  q.shutDown();
  assert.equal(clock.pending(), 0, 'no timer left behind');
});

test('item exponential limiter: 5ms doubling to the cap, per item, forget resets', () => {
  const rl = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
  const delays = Array.from({ length: 5 }, () => rl.when('a'));
  assert.deepEqual(delays, [5, 10, 20, 40, 80]);
  assert.equal(rl.when('b'), 5);
  assert.equal(rl.numRequeues('a'), 5);
  for (let i = 0; i < 40; i++) rl.when('a');
  assert.equal(rl.when('a'), 1_000_000);
  rl.forget('a');
  assert.equal(rl.numRequeues('a'), 0);
  assert.equal(rl.when('a'), 5);
});

test('default controller limiter: overall bucket 10 qps / burst 100 dominates under a storm', () => {
  const clock = new FakeClock();
  const rl = defaultControllerRateLimiter<string>(clock);
  const first = Array.from({ length: 100 }, (_, i) => rl.when(`k${i}`));
  assert.ok(
    first.every((d) => d === 5),
    'burst of 100 distinct items: per-item delay only',
  );
  assert.equal(rl.when('k100'), 100, 'the 101st waits for a token at 10 qps');
  assert.equal(rl.when('k101'), 200);
  const bucket = new BucketRateLimiter<string>(10, 1, clock);
  assert.equal(bucket.when('x'), 0);
  assert.equal(bucket.when('x'), 100);
  assert.equal(bucket.numRequeues('x'), 0);
});

test('rate-limited queue: addRateLimited backs off per item; forget resets', async () => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue<string>({ clock });
  q.addRateLimited('a');
  q.addRateLimited('a'); // still waiting: the 10 ms delay does not push it later than 5 ms
  assert.equal(q.numRequeues('a'), 2);
  await clock.advance(5);
  assert.equal(q.len(), 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  q.addRateLimited('a');
  await clock.advance(19);
  assert.equal(q.len(), 0, 'third failure waits 20 ms');
  await clock.advance(1);
  assert.equal(q.len(), 1);
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
  assert.equal(q.metrics.retries, 3);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';
import { TokenBucket } from './rate-limiter.js';

test('a full bucket allows burst requests, then refills at qps', async () => {
  const clock = new FakeClock();
  const b = new TokenBucket(10, 3, clock);
  assert.deepEqual([b.tryAccept(), b.tryAccept(), b.tryAccept(), b.tryAccept()], [true, true, true, false]);
  await clock.advance(100);
  assert.equal(b.tryAccept(), true, 'one token per 100 ms at 10 qps');
  assert.equal(b.tryAccept(), false);
  await clock.advance(10_000);
  assert.equal(b.available(), 3, 'never more than burst');
});

test('reservations queue fairly: each waits one more interval', () => {
  const clock = new FakeClock();
  const b = new TokenBucket(5, 1, clock);
  assert.deepEqual([b.reserve(), b.reserve(), b.reserve()], [0, 200, 400]);
});

test('wait resolves when the token is due and returns the token when aborted', async () => {
  const clock = new FakeClock();
  const b = new TokenBucket(1, 1, clock);
  await b.wait();
  let done = false;
  const waiting = b.wait().then(() => (done = true));
  await clock.advance(999);
  assert.equal(done, false);
  await clock.advance(1);
  await waiting;
  assert.equal(done, true);
  const ctrl = new AbortController();
  const aborted = b.wait(ctrl.signal);
  ctrl.abort();
  await assert.rejects(aborted);
  await clock.advance(1000);
  assert.ok(b.available() >= 1 - 1e-9, 'the aborted reservation gave its token back');
});

test('Infinity qps never limits; invalid settings are refused', () => {
  const b = new TokenBucket(Infinity, 1);
  for (let i = 0; i < 1000; i++) assert.equal(b.tryAccept(), true);
  assert.throws(() => new TokenBucket(0, 1), RangeError);
  assert.throws(() => new TokenBucket(1, 0), RangeError);
});

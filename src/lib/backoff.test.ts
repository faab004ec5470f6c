import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, PerKeyBackoff } from './backoff.js';

test('Backoff doubles from initialMs up to maxMs, and reset starts over', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000 });
  assert.deepEqual(
    Array.from({ length: 6 }, () => b.next()),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(b.attempts, 6);
  assert.equal(b.peek(), 1000);
  b.reset();
  assert.equal(b.peek(), 100);
  assert.equal(b.next(), 100);
});

test('Backoff jitter adds up to jitter * delay on top, never below the base', () => {
  const low = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, () => 0);
  const high = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, () => 0.999);
  assert.equal(low.next(), 100);
  const h = high.next();
  assert.ok(h > 149 && h < 150, `${h}`);
});

test('Backoff stays finite for huge attempt counts and custom factors', () => {
  const b = new Backoff({ initialMs: 1, maxMs: 5000, factor: 10 });
  for (let i = 0; i < 500; i++) assert.ok(Number.isFinite(b.next()));
  assert.equal(b.next(), 5000);
});

test('Backoff refuses nonsense options', () => {
  assert.throws(() => new Backoff({ initialMs: -1, maxMs: 10 }), RangeError);
  assert.throws(() => new Backoff({ initialMs: 100, maxMs: 10 }), RangeError);
  assert.throws(() => new Backoff({ initialMs: Number.NaN, maxMs: 10 }), RangeError);
});

test('PerKeyBackoff keeps one sequence per key, forgets on success and after a quiet period', () => {
  const b = new PerKeyBackoff<string>({ initialMs: 10, maxMs: 1000, resetAfterMs: 60_000 });
  assert.equal(b.next('a', 0), 10);
  assert.equal(b.next('a', 1), 20);
  assert.equal(b.next('b', 1), 10, 'keys are independent');
  assert.equal(b.attempts('a'), 2);
  b.forget('a');
  assert.equal(b.attempts('a'), 0);
  assert.equal(b.next('a', 2), 10);
  assert.equal(b.next('b', 60_001), 10, 'quiet for resetAfterMs: starts over');
  b.next('c', 70_000);
  b.gc(125_000);
  assert.equal(b.size, 1, 'gc drops idle keys only');
  assert.equal(b.attempts('c'), 1);
});

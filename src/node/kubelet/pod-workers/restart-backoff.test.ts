import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff } from './restart-backoff.js';

test('crash-loop back-off: immediate first restart, then 10 s doubling to 5 min', () => {
  const b = new RestartBackoff({ initialMs: 10_000, maxMs: 300_000 });
  let now = 1_000_000;
  const k = 'uid/c';
  // First exit: not in back-off; the restart arms 10 s.
  assert.equal(b.inBackoff(k, now, now), false);
  b.next(k, now, now);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    now += 1000; // the container ran 1 s and exited
    const finished = now;
    assert.equal(b.inBackoff(k, finished, now), true);
    delays.push(b.delay(k));
    now = b.until(k, finished);
    assert.equal(b.inBackoff(k, finished, now - 1), true);
    assert.equal(b.inBackoff(k, finished, now), false);
    b.next(k, finished, now);
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

test('a container that ran for more than 10 minutes starts over at 10 s', () => {
  const b = new RestartBackoff({ initialMs: 10_000, maxMs: 300_000 });
  const k = 'uid/c';
  b.next(k, 0, 0);
  b.next(k, 20_000, 20_000);
  assert.equal(b.delay(k), 20_000);
  const finished = 20_000 + 600_001;
  assert.equal(b.inBackoff(k, finished, finished), false, 'expired entries do not hold a restart');
  b.next(k, finished, finished);
  assert.equal(b.delay(k), 10_000);
  b.forgetPrefix('uid/');
  assert.equal(b.delay(k), 0);
});

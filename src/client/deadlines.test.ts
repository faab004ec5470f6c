import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../lib/clock.js';
import { Deadlines } from './deadlines.js';

test('a deadline aborts once its timeout has passed, not before', async () => {
  const clock = new FakeClock();
  const d = new Deadlines(clock).start(1000);
  await clock.advance(999);
  assert.equal(d.signal.aborted, false);
  await clock.advance(1);
  assert.equal(d.signal.aborted, true);
  assert.equal((d.signal.reason as Error).name, 'AbortError');
  assert.match((d.signal.reason as Error).message, /timed out after 1000ms/);
});

test('a finished request is never aborted, and an idle tracker holds no timer', async () => {
  const clock = new FakeClock();
  const deadlines = new Deadlines(clock);
  const a = deadlines.start(100);
  const b = deadlines.start(100);
  a.done();
  assert.equal(clock.pending(), 1, 'one timer for both');
  b.done();
  assert.equal(clock.pending(), 0);
  await clock.advance(1000);
  assert.equal(a.signal.aborted, false);
  assert.equal(b.signal.aborted, false);
});

test('deadlines of different timeouts and start times each fire on time', async () => {
  const clock = new FakeClock();
  const deadlines = new Deadlines(clock);
  const long = deadlines.start(500);
  await clock.advance(100);
  const short = deadlines.start(100); // due at 200, before `long`
  const later = deadlines.start(500); // due at 600
  const cases: [string, number, boolean[]][] = [
    ['at 199', 99, [false, false, false]],
    ['at 200', 1, [true, false, false]],
    ['at 499', 299, [true, false, false]],
    ['at 500', 1, [true, true, false]],
    ['at 600', 100, [true, true, true]],
  ];
  for (const [when, step, want] of cases) {
    await clock.advance(step);
    assert.deepEqual(
      [short, long, later].map((d) => d.signal.aborted),
      want,
      when,
    );
  }
  assert.equal(clock.pending(), 0);
});

test('done() after the deadline fired is harmless, and the tracker keeps working', async () => {
  const clock = new FakeClock();
  const deadlines = new Deadlines(clock);
  const a = deadlines.start(10);
  await clock.advance(10);
  assert.equal(a.signal.aborted, true);
  a.done();
  const b = deadlines.start(10);
  await clock.advance(9);
  assert.equal(b.signal.aborted, false);
  await clock.advance(1);
  assert.equal(b.signal.aborted, true);
});

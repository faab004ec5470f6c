import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, realClock } from '../../../lib/clock.js';
import { isTooManyRequests } from '../../../api/errors/status-error.js';
import { PriorityLevel } from './fair-queue.js';

const level = (concurrency: number, perFlow = 100, total = 1000, timeoutMs = 60_000, clock = realClock) =>
  new PriorityLevel(
    { name: 't', concurrency, queueLengthPerFlow: perFlow, queueLengthTotal: total, queueTimeoutMs: timeoutMs },
    clock,
  );

test('a second user is served after one request of a flooding user, not after the whole flood', async () => {
  const l = level(1);
  const order: string[] = [];
  const gates: (() => void)[] = [];
  const slow = (tag: string) => () =>
    new Promise<void>((resolve) => {
      order.push(tag);
      gates.push(resolve);
    });
  const all: Promise<void>[] = [];
  for (let i = 0; i < 10; i++) all.push(l.run('flooder', slow(`A${i}`)));
  all.push(l.run('quiet', slow('B')));
  // Let each started request finish in turn.
  while (order.length < 11) {
    await new Promise((r) => setImmediate(r));
    gates.shift()?.();
  }
  while (gates.length) gates.shift()!();
  await Promise.all(all);
  assert.deepEqual(order.slice(0, 3), ['A0', 'B', 'A1']);
  assert.equal(order.length, 11);
});

test('flows are served round-robin and concurrency is never exceeded', async () => {
  const l = level(2);
  let running = 0;
  let peak = 0;
  const seen: string[] = [];
  const job = (tag: string) => async () => {
    running++;
    peak = Math.max(peak, running);
    seen.push(tag);
    await new Promise((r) => setImmediate(r));
    running--;
  };
  await Promise.all([
    ...['a1', 'a2', 'a3', 'a4'].map((t) => l.run('a', job(t))),
    ...['b1', 'b2'].map((t) => l.run('b', job(t))),
    ...['c1'].map((t) => l.run('c', job(t))),
  ]);
  assert.equal(peak, 2);
  assert.equal(seen.length, 7);
  // After the first two (a1, a2 took the free seats), b and c are not starved behind a's backlog.
  assert.ok(seen.indexOf('b1') < seen.indexOf('a4'));
  assert.ok(seen.indexOf('c1') < seen.indexOf('a4'));
});

test('full queues answer 429 with Retry-After, and waiting too long times out', async () => {
  const clock = new FakeClock(0);
  const l = level(1, 1, 10, 5_000, clock);
  let release!: () => void;
  const first = l.run('u', () => new Promise<void>((r) => (release = r)));
  const queued = l.run('u', async () => 'second').catch((e: unknown) => e);
  await assert.rejects(
    l.run('u', async () => 'third'),
    (err) =>
      isTooManyRequests(err) && (err as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds === 1,
  );
  const other = l.run('v', async () => 'v').catch((e: unknown) => e);
  await clock.advance(5_000);
  assert.ok(isTooManyRequests(await queued));
  assert.ok(isTooManyRequests(await other));
  release();
  await first;
  assert.equal(l.inFlight, 0);
  assert.equal(l.queued, 0);
});

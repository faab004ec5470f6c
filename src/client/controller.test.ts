import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../lib/clock.js';
import { createLogger, MemorySink } from '../lib/log.js';
import { controllerMetrics, newControllerMetrics, runController, TerminalError, type Result } from './controller.js';
import { RateLimitingQueue } from './workqueue/rate-limiting-queue.js';

async function settle(clock: FakeClock, ms = 0) {
  await clock.advance(ms);
}

test('errors retry with per-item backoff; success forgets; TerminalError is not retried', async () => {
  const clock = new FakeClock();
  const queue = new RateLimitingQueue<string>({ clock });
  const ctrl = new AbortController();
  const sink = new MemorySink();
  const attempts = new Map<string, number>();
  const behaviour: Record<string, (n: number) => Result | void> = {
    flaky: (n) => {
      if (n < 3) throw new Error(`transient ${n}`);
    },
    broken: () => {
      throw new TerminalError('spec.foo is unsupported');
    },
    fine: () => undefined,
  };
  const metrics = newControllerMetrics('test');
  const done = runController({
    name: 'test',
    queue,
    clock,
    metrics,
    signal: ctrl.signal,
    log: createLogger('cm', { sink, level: 'debug' }),
    reconcile: async (key) => {
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      return behaviour[key]!(n);
    },
  });
  queue.add('flaky');
  queue.add('broken');
  queue.add('fine');
  await settle(clock);
  assert.deepEqual(Object.fromEntries(attempts), { flaky: 1, broken: 1, fine: 1 });
  assert.equal(queue.numRequeues('flaky'), 1);
  assert.equal(queue.numRequeues('broken'), 0, 'terminal errors are forgotten');
  await settle(clock, 5);
  assert.equal(attempts.get('flaky'), 2, 'first retry after 5 ms');
  await settle(clock, 9);
  assert.equal(attempts.get('flaky'), 2);
  await settle(clock, 1);
  assert.equal(attempts.get('flaky'), 3, 'second retry 10 ms later');
  assert.equal(queue.numRequeues('flaky'), 0, 'success forgets the failure history');
  await settle(clock, 10_000);
  assert.deepEqual(Object.fromEntries(attempts), { flaky: 3, broken: 1, fine: 1 });
  assert.equal(metrics.reconcileTotal, 5);
  assert.equal(metrics.reconcileErrors, 2);
  assert.equal(metrics.terminalErrors, 1);
  assert.equal(metrics.latency.count, 5);
  assert.ok(sink.lines().some((l) => l.includes('reconcile failed permanently') && l.includes('key=broken')));
  ctrl.abort();
  await done;
  assert.equal(metrics.activeWorkers, 0);
});

test('requeueAfter polls on the clock and forgets earlier failures', async () => {
  const clock = new FakeClock();
  const queue = new RateLimitingQueue<string>({ clock });
  const ctrl = new AbortController();
  const seen: number[] = [];
  let failOnce = true;
  const done = runController({
    name: 'poller',
    queue,
    clock,
    signal: ctrl.signal,
    reconcile: async () => {
      seen.push(clock.monotonic());
      if (failOnce) {
        failOnce = false;
        throw new Error('first');
      }
      return { requeueAfter: 30_000 };
    },
  });
  queue.add('k');
  await settle(clock, 5);
  assert.deepEqual(seen, [0, 5]);
  assert.equal(queue.numRequeues('k'), 0, 'requeueAfter forgets the backoff');
  await settle(clock, 30_000);
  await settle(clock, 30_000);
  assert.deepEqual(seen, [0, 5, 30_005, 60_005]);
  assert.ok(controllerMetrics.get('poller')!.requeues >= 3);
  ctrl.abort();
  await done;
});

test('a key is never reconciled by two workers at once; changes during a reconcile trigger one more', async () => {
  const clock = new FakeClock();
  const queue = new RateLimitingQueue<string>({ clock });
  const ctrl = new AbortController();
  let running = 0;
  let maxConcurrentSameKey = 0;
  let calls = 0;
  const release: (() => void)[] = [];
  const done = runController({
    name: 'concurrency',
    queue,
    workers: 4,
    clock,
    signal: ctrl.signal,
    reconcile: async () => {
      calls++;
      running++;
      maxConcurrentSameKey = Math.max(maxConcurrentSameKey, running);
      await new Promise<void>((r) => release.push(r));
      running--;
    },
  });
  queue.add('same');
  await settle(clock);
  queue.add('same');
  queue.add('same');
  await settle(clock);
  assert.equal(calls, 1);
  release.shift()!();
  await settle(clock);
  assert.equal(calls, 2, 'the adds during processing collapse into one more reconcile');
  release.shift()!();
  await settle(clock);
  assert.equal(maxConcurrentSameKey, 1);
  ctrl.abort();
  await done;
});

test('abort stops workers after the running reconcile; queued keys are dropped', async () => {
  const clock = new FakeClock();
  const queue = new RateLimitingQueue<string>({ clock });
  const ctrl = new AbortController();
  const reconciled: string[] = [];
  let finishFirst!: () => void;
  const done = runController({
    name: 'stopper',
    queue,
    clock,
    signal: ctrl.signal,
    reconcile: async (key, signal) => {
      reconciled.push(key);
      assert.equal(signal, ctrl.signal);
      if (key === 'a') await new Promise<void>((r) => (finishFirst = r));
    },
  });
  queue.add('a');
  queue.add('b');
  await settle(clock);
  ctrl.abort();
  finishFirst();
  await done;
  assert.deepEqual(reconciled, ['a']);
  assert.equal(queue.shuttingDown(), true);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../lib/clock.js';
import { BoundedFrequencyRunner } from './sync-runner.js';

function setup(opts: { slowMs?: number; fail?: boolean } = {}) {
  const clock = new FakeClock();
  const runs: number[] = [];
  let running = 0;
  let maxConcurrent = 0;
  const r = new BoundedFrequencyRunner({
    clock,
    minIntervalMs: 1000,
    maxIntervalMs: 30_000,
    burst: 2,
    fn: async () => {
      running++;
      maxConcurrent = Math.max(maxConcurrent, running);
      runs.push(clock.monotonic());
      if (opts.slowMs) await clock.sleep(opts.slowMs);
      running--;
      if (opts.fail) throw new Error('boom');
    },
  });
  return { clock, runs, r, concurrency: () => maxConcurrent };
}

test('two runs back to back, then one per minInterval', async () => {
  const { clock, runs, r } = setup();
  r.start();
  for (let i = 0; i < 5; i++) {
    r.run();
    await clock.advance(1);
  }
  await clock.advance(5000);
  // 0 and 1 ms use the burst; the queued request waits for a token (1 s after the bucket emptied).
  assert.deepEqual(runs, [0, 1, 1000]);
  await r.stop();
});

test('a periodic run happens maxInterval after the last run, even without requests', async () => {
  const { clock, runs, r } = setup();
  r.start();
  await clock.advance(29_999);
  assert.deepEqual(runs, []);
  await clock.advance(1);
  assert.deepEqual(runs, [30_000]);
  r.run();
  await clock.advance(40_000);
  assert.deepEqual(runs, [30_000, 30_000, 60_000]);
  await r.stop();
});

test('runs never overlap; a request during a run is served right after it', async () => {
  const { clock, runs, r, concurrency } = setup({ slowMs: 3000 });
  r.start();
  r.run();
  await clock.advance(10);
  r.run();
  r.run();
  await clock.advance(10_000);
  assert.equal(concurrency(), 1);
  assert.deepEqual(runs, [0, 3000]);
  await r.stop();
});

test('retryAfter schedules a run; failures do not stop the loop; stop waits and cancels', async () => {
  const { clock, runs, r } = setup({ fail: true });
  r.start();
  r.run();
  await clock.advance(1);
  r.retryAfter(5000);
  await clock.advance(4000);
  assert.deepEqual(runs, [0]);
  await clock.advance(2000);
  assert.deepEqual(runs, [0, 5001]);
  await r.stop();
  r.run();
  await clock.advance(60_000);
  assert.equal(runs.length, 2, 'nothing runs after stop');
  assert.equal(clock.pending(), 0, 'no timer left behind');
});

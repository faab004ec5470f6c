import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../lib/clock.js';
import { FlowControl, inflightConcurrency, inflightLevelConfig } from './flow-control.js';

test('in-flight flags divide into priority levels by upstream nominal shares', () => {
  const cases: { max?: number; mutating?: number; want: { system: number; workload: number } }[] = [
    // 600: system 74 + leader-election 25 + node-high 98; workload-high 98 + workload-low 245 + global 49 + catch-all 13.
    { want: { system: 197, workload: 405 } },
    { max: 400, mutating: 200, want: { system: 197, workload: 405 } },
    // 245 total shares: a limit of 245 gives every level exactly its share.
    { max: 200, mutating: 45, want: { system: 80, workload: 165 } },
    // Every level gets at least one seat.
    { max: 1, mutating: 0, want: { system: 3, workload: 4 } },
  ];
  for (const c of cases) assert.deepEqual(inflightConcurrency(c.max, c.mutating), c.want, JSON.stringify(c));
});

test('in-flight flags are validated', () => {
  assert.throws(() => inflightConcurrency(-1, 200), /--max-requests-inflight must be a non-negative integer/);
  assert.throws(() => inflightConcurrency(400, 1.5), /--max-mutating-requests-inflight must be/);
  assert.throws(() => inflightConcurrency(0, 0), /must be positive/);
});

test('FlowControl built from the flags uses those concurrencies', () => {
  const fc = new FlowControl(new FakeClock(), inflightLevelConfig(100, 50));
  const c = inflightConcurrency(100, 50);
  assert.equal(fc.levels.system.cfg.concurrency, c.system);
  assert.equal(fc.levels.workload.cfg.concurrency, c.workload);
  // Queue settings keep their defaults.
  assert.equal(fc.levels.workload.cfg.queueLengthPerFlow, 50);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore, testHandle } from '../../testing/framework.js';
import { ErrReasonTooHighUtilization, newLoadAware } from './load-aware.js';

const usage: Record<string, { cpu?: number; memory?: number }> = {
  a: { cpu: 0.9, memory: 0.5 },
  b: { cpu: 0.1, memory: 0.1 },
};
const metrics = { nodeUtilization: (n: string) => usage[n] };

test('LoadAware Score prefers less utilized nodes; unknown nodes are neutral', () => {
  const { handle, snapshot } = testHandle({ nodes: [makeNode('a'), makeNode('b'), makeNode('c')], metrics });
  // a: 1 - (0.9 + 0.5)/2 = 0.3; b: 0.9; c: unknown -> 50
  assert.deepEqual(runScore(newLoadAware({}, handle), makePod('p'), snapshot.list()), [30, 90, 50]);
  assert.deepEqual(
    runScore(newLoadAware({ weights: { cpu: 1, memory: 0 }, unknownScore: 0 }, handle), makePod('p'), snapshot.list()),
    [10, 90, 0],
  );
});

test('LoadAware Filter with usage thresholds', () => {
  const { handle, snapshot } = testHandle({ nodes: [makeNode('a'), makeNode('b')], metrics });
  const pl = newLoadAware({ usageThresholds: { cpu: 0.8 } }, handle);
  assert.equal(runFilter(pl, makePod('p'), snapshot.get('a')!)?.message(), ErrReasonTooHighUtilization);
  assert.equal(runFilter(pl, makePod('p'), snapshot.get('b')!), null);
  assert.equal(
    runFilter(newLoadAware({}, handle), makePod('p'), snapshot.get('a')!),
    null,
    'no thresholds: no filtering',
  );
  assert.throws(
    () => newLoadAware({ usageThresholds: { cpu: 2 } }, handle),
    /usageThresholds.cpu: Invalid value: 2: not in valid range \(0, 1\]/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exposition, Histogram, exponentialBuckets, formatSampleValue } from './prometheus-text.js';

test('Exposition renders families with HELP/TYPE, escaped labels and histograms', () => {
  const h = new Histogram([0.1, 1]);
  for (const v of [0.05, 0.5, 2]) h.observe(v);
  const text = new Exposition()
    .gauge('q_depth', 'Depth\nof queue', [{ labels: { name: 'a"b\\c' }, value: 3 }])
    .counter('q_adds_total', 'Adds', [{ value: 7 }])
    .histogram('q_seconds', 'Durations', [h.sample({ name: 'x' })])
    .toString();
  assert.equal(
    text,
    [
      '# HELP q_depth Depth\\nof queue',
      '# TYPE q_depth gauge',
      'q_depth{name="a\\"b\\\\c"} 3',
      '# HELP q_adds_total Adds',
      '# TYPE q_adds_total counter',
      'q_adds_total 7',
      '# HELP q_seconds Durations',
      '# TYPE q_seconds histogram',
      'q_seconds_bucket{name="x",le="0.1"} 1',
      'q_seconds_bucket{name="x",le="1"} 2',
      'q_seconds_bucket{name="x",le="+Inf"} 3',
      'q_seconds_sum{name="x"} 2.55',
      'q_seconds_count{name="x"} 3',
      '',
    ].join('\n'),
  );
  assert.equal(h.count, 3);
});

test('Exposition refuses a family twice; values format like Go', () => {
  assert.throws(() => new Exposition().gauge('a', 'h', []).counter('a', 'h', []), /added twice/);
  assert.equal(new Exposition().toString(), '');
  assert.deepEqual([NaN, Infinity, -Infinity, 1.5].map(formatSampleValue), ['NaN', '+Inf', '-Inf', '1.5']);
  assert.deepEqual(exponentialBuckets(0.001, 2, 3), [0.001, 0.002, 0.004]);
});

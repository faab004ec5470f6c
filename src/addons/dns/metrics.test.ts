import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterVec, DnsMetrics, GaugeFunc, HistogramVec } from './metrics.js';

test('Prometheus text: counters with escaped labels, cumulative histogram buckets, gauges', () => {
  const c = new CounterVec('x_total', 'Help.', ['a']);
  c.inc(['q"1\\']);
  c.inc(['q"1\\'], 2);
  const h = new HistogramVec('d_seconds', 'Durations.', ['t'], [0.1, 1]);
  h.observe(['A'], 0.05);
  h.observe(['A'], 0.5);
  h.observe(['A'], 3);
  const g = new GaugeFunc('g', 'Gauge.', ['k'], () => [[['v'], 7]]);
  assert.equal(
    c.render() + h.render() + g.render(),
    [
      '# HELP x_total Help.',
      '# TYPE x_total counter',
      'x_total{a="q\\"1\\\\"} 3',
      '# HELP d_seconds Durations.',
      '# TYPE d_seconds histogram',
      'd_seconds_bucket{t="A",le="0.1"} 1',
      'd_seconds_bucket{t="A",le="1"} 2',
      'd_seconds_bucket{t="A",le="+Inf"} 3',
      'd_seconds_sum{t="A"} 3.55',
      'd_seconds_count{t="A"} 3',
      '# HELP g Gauge.',
      '# TYPE g gauge',
      'g{k="v"} 7',
      '',
    ].join('\n'),
  );
  assert.equal(c.sum({ a: 'q"1\\' }), 3);
  assert.equal(c.sum({ a: 'other' }), 0);
});

test('the DNS metric set carries the CoreDNS names', () => {
  const m = new DnsMetrics();
  m.requests.inc(['dns://:53', '.', 'udp', '1', 'A']);
  m.cacheHits.inc(['dns://:53', 'success']);
  const text = m.render();
  for (const name of [
    'coredns_dns_requests_total{server="dns://:53",zone=".",proto="udp",family="1",type="A"} 1',
    '# TYPE coredns_dns_responses_total counter',
    '# TYPE coredns_dns_request_duration_seconds histogram',
    'coredns_cache_hits_total{server="dns://:53",type="success"} 1',
    '# TYPE coredns_cache_misses_total counter',
    '# TYPE coredns_forward_requests_total counter',
  ]) {
    assert.ok(text.includes(name), name);
  }
});

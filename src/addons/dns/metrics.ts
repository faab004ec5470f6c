/**
 * Metrics of cluster DNS in the Prometheus text format (version 0.0.4), named
 * as CoreDNS names them so existing dashboards and alerts work: requests by
 * type, responses by rcode, request latency, cache hits and misses, forwarded
 * requests. A tiny registry (counters, gauges read on scrape, histograms) is
 * enough here; nothing is shared with other components.
 */

type Labels = readonly string[];

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: Labels, extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

interface Metric {
  render(): string;
}

export class CounterVec implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  inc(labels: Labels, by = 1): void {
    const k = labels.join('\u0000');
    const cur = this.values.get(k);
    if (cur) cur.value += by;
    else this.values.set(k, { labels: [...labels], value: by });
  }

  get(labels: Labels): number {
    return this.values.get(labels.join('\u0000'))?.value ?? 0;
  }

  /** The sum over every label set matching the given (partial) label values. */
  sum(match: Record<string, string> = {}): number {
    let total = 0;
    for (const { labels, value } of this.values.values()) {
      if (this.labelNames.every((n, i) => match[n] === undefined || match[n] === labels[i])) total += value;
    }
    return total;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const { labels, value } of this.values.values()) {
      out += `${this.name}${labelText(this.labelNames, labels)} ${num(value)}\n`;
    }
    return out;
  }
}

export class GaugeFunc implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly collect: () => [Labels, number][],
  ) {}

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    for (const [labels, value] of this.collect())
      out += `${this.name}${labelText(this.labelNames, labels)} ${num(value)}\n`;
    return out;
  }
}

interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

export class HistogramVec implements Metric {
  private readonly series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const k = labels.join('\u0000');
    let s = this.series.get(k);
    if (!s)
      this.series.set(
        k,
        (s = { labels: [...labels], counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }),
      );
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  count(labels: Labels): number {
    return this.series.get(labels.join('\u0000'))?.count ?? 0;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => {
        out += `${this.name}_bucket${labelText(this.labelNames, s.labels, ['le', num(b)])} ${s.counts[i]}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, s.labels, ['le', '+Inf'])} ${s.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, s.labels)} ${num(s.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, s.labels)} ${s.count}\n`;
    }
    return out;
  }
}

/** CoreDNS `plugin.TimeBuckets`: 0.25 ms doubling 16 times (to ~8 s). */
export const timeBuckets: readonly number[] = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);

/** Every metric of one cluster DNS instance. */
export class DnsMetrics {
  readonly requests = new CounterVec(
    'coredns_dns_requests_total',
    'Counter of DNS requests made per zone, protocol and family.',
    ['server', 'zone', 'proto', 'family', 'type'],
  );
  readonly responses = new CounterVec('coredns_dns_responses_total', 'Counter of response status codes.', [
    'server',
    'zone',
    'rcode',
    'plugin',
  ]);
  readonly duration = new HistogramVec(
    'coredns_dns_request_duration_seconds',
    'Histogram of the time (in seconds) each request took per zone.',
    ['server', 'zone', 'type'],
    timeBuckets,
  );
  readonly cacheHits = new CounterVec('coredns_cache_hits_total', 'The count of cache hits.', ['server', 'type']);
  readonly cacheMisses = new CounterVec('coredns_cache_misses_total', 'The count of cache misses.', ['server']);
  readonly forwardRequests = new CounterVec(
    'coredns_forward_requests_total',
    'Counter of requests made per upstream.',
    ['to'],
  );
  readonly forwardResponses = new CounterVec(
    'coredns_forward_responses_total',
    'Counter of responses received per upstream.',
    ['to', 'rcode'],
  );
  readonly forwardDuration = new HistogramVec(
    'coredns_proxy_request_duration_seconds',
    'Histogram of the time each request took.',
    ['proxy_name', 'to', 'rcode'],
    timeBuckets,
  );
  private readonly extra: Metric[] = [];

  /** Adds a gauge computed at scrape time (cache entries, zone sizes). */
  addGauge(g: GaugeFunc): void {
    this.extra.push(g);
  }

  render(): string {
    const all: Metric[] = [
      this.requests,
      this.responses,
      this.duration,
      this.cacheHits,
      this.cacheMisses,
      this.forwardRequests,
      this.forwardResponses,
      this.forwardDuration,
      ...this.extra,
    ];
    return all.map((m) => m.render()).join('');
  }
}

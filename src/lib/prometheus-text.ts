/**
 * Prometheus text exposition format 0.0.4, for components that render their
 * metrics on scrape from plain counters they already keep (no registry, no
 * global state). Families appear in the order they are added, each with its
 * HELP and TYPE lines once, as Prometheus requires.
 */

export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels?: Labels;
  value: number;
}

/** A histogram series: cumulative counts per upper bound (`le`), plus sum and count (= the `+Inf` bucket). */
export interface HistogramSample {
  labels?: Labels;
  buckets: readonly { le: number; count: number }[];
  sum: number;
  count: number;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function labelText(labels: Labels | undefined, extra?: readonly [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push([extra[0], extra[1]]);
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** Go's strconv formatting of float64 as Prometheus client libraries print it. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class Exposition {
  private readonly lines: string[] = [];
  private readonly seen = new Set<string>();

  private header(name: string, type: string, help: string): void {
    if (this.seen.has(name)) throw new Error(`metric family ${name} added twice`);
    this.seen.add(name);
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  }

  counter(name: string, help: string, samples: readonly Sample[]): this {
    return this.simple(name, 'counter', help, samples);
  }

  gauge(name: string, help: string, samples: readonly Sample[]): this {
    return this.simple(name, 'gauge', help, samples);
  }

  histogram(name: string, help: string, samples: readonly HistogramSample[]): this {
    this.header(name, 'histogram', help);
    for (const s of samples) {
      for (const b of s.buckets)
        this.lines.push(`${name}_bucket${labelText(s.labels, ['le', formatSampleValue(b.le)])} ${b.count}`);
      this.lines.push(`${name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      this.lines.push(`${name}_sum${labelText(s.labels)} ${formatSampleValue(s.sum)}`);
      this.lines.push(`${name}_count${labelText(s.labels)} ${s.count}`);
    }
    return this;
  }

  private simple(name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): this {
    this.header(name, type, help);
    for (const s of samples) this.lines.push(`${name}${labelText(s.labels)} ${formatSampleValue(s.value)}`);
    return this;
  }

  toString(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}

/**
 * Cumulative histogram over fixed upper bounds (Prometheus `le` buckets).
 * `observe` is O(buckets); `sample` snapshots it for an Exposition.
 */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private total = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(v: number): void {
    this.total++;
    this.sum += v;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
  }

  get count(): number {
    return this.total;
  }

  sample(labels?: Labels): HistogramSample {
    return {
      labels,
      buckets: this.bounds.map((le, i) => ({ le, count: this.counts[i]! })),
      sum: this.sum,
      count: this.total,
    };
  }
}

/** Prometheus `ExponentialBuckets(start, factor, count)`. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/**
 * Shared benchmark output (DESIGN.md §6): each figure is printed as a
 * `name: value unit` line as soon as it is measured, and the whole run is saved
 * as JSON under `bench/results/<bench>-<timestamp>.json`, so runs on the same
 * machine can be compared as ratios.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
}

export class BenchReport {
  readonly figures: Figure[] = [];
  private readonly startedAt = new Date();

  constructor(
    readonly bench: string,
    readonly meta: Record<string, unknown> = {},
    private readonly out: (line: string) => void = (l) => console.log(l),
  ) {}

  /** Records and prints one figure; values are rounded for printing only. */
  add(name: string, value: number, unit: string): void {
    this.figures.push({ name, value, unit });
    this.out(`${name}: ${formatValue(value)} ${unit}`);
  }

  /** Writes the JSON record; returns its path. */
  save(dir = join(process.env.KUBETS_ROOT ?? process.cwd(), 'bench', 'results')): string {
    mkdirSync(dir, { recursive: true });
    const stamp = this.startedAt.toISOString().replace(/[:.]/g, '-');
    const path = join(dir, `${this.bench}-${stamp}.json`);
    const record = {
      bench: this.bench,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      host: {
        cpus: availableParallelism(),
        cpuModel: cpus()[0]?.model,
        memoryBytes: totalmem(),
        node: process.version,
        platform: `${process.platform}/${process.arch}`,
      },
      meta: this.meta,
      figures: this.figures,
    };
    writeFileSync(path, JSON.stringify(record, null, 2) + '\n');
    return path;
  }
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return String(Math.round(v));
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** The p-th percentile (0..100) of `samples` (nearest-rank); sorts a copy. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  return { count: sorted.length, mean, p50: pick(50), p99: pick(99), max: sorted[sorted.length - 1] ?? NaN };
}

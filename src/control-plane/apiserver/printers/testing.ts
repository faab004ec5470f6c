import type { Cell, Printer, PrintedRow } from './types.js';

/**
 * Helpers for the printer tests: a fixed clock and timestamps relative to it,
 * and rows keyed by column name so assertions read like `kubectl get -o wide`.
 */

/** The fixed "now" every printer test uses: 2024-06-01T12:00:00Z. */
export const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An RFC 3339 timestamp `ms` before NOW (whole seconds, as metav1.Time serializes). */
export function ago(ms: number): string {
  return new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Prints one object and returns its cells keyed by column name. */
export function rowOf(p: Printer, obj: unknown, now = NOW): Record<string, Cell> {
  const row = p.print(obj, now);
  if (row.cells.length !== p.columns.length) {
    throw new Error(`${row.cells.length} cells for ${p.columns.length} columns`);
  }
  return Object.fromEntries(p.columns.map((c, i) => [c.name, row.cells[i]!]));
}

/** The printed row itself (cells and conditions). */
export function printed(p: Printer, obj: unknown, now = NOW): PrintedRow {
  return p.print(obj, now);
}

/** Column names, with `*` marking wide (priority 1) columns. */
export function columnNames(p: Printer): string[] {
  return p.columns.map((c) => (c.priority ? `${c.name}*` : c.name));
}

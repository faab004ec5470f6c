/**
 * Plain-text tables as Go's text/tabwriter lays them out, so output matches
 * the tools users compare against (crictl: minwidth 20, padding 3, spaces):
 * every column but the last is as wide as its widest cell plus the padding,
 * and at least `minWidth`; the last cell of a row is never padded. Widths
 * count code points, as tabwriter counts runes.
 */
export interface TableOptions {
  minWidth?: number;
  padding?: number;
}

const width = (s: string) => [...s].length;

export function formatTable(rows: readonly (readonly string[])[], opts: TableOptions = {}): string {
  const minWidth = opts.minWidth ?? 0;
  const padding = opts.padding ?? 1;
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i === row.length - 1) return;
      widths[i] = Math.max(widths[i] ?? 0, width(cell) + padding, minWidth);
    });
  }
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell)))).join(''),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** crictl's table layout (`newDefaultTableDisplay`). */
export const crictlTable = (rows: readonly (readonly string[])[]) => formatTable(rows, { minWidth: 20, padding: 3 });

/** Go's `%.<precision>g` for a non-negative finite number. */
export function formatG(x: number, precision: number): string {
  if (x === 0) return '0';
  const [mantissa, expText] = x.toExponential(precision - 1).split('e');
  const exp = Number(expText);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= precision) {
    return `${trim(mantissa!)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return trim(x.toFixed(Math.max(0, precision - 1 - exp)));
}

const decimalUnits = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** docker/go-units `HumanSizeWithPrecision`: decimal units, e.g. `1.16MB`, `315kB`. */
export function humanSize(bytes: number, precision = 3): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < decimalUnits.length - 1) {
    size /= 1000;
    i++;
  }
  return `${formatG(size, precision)}${decimalUnits[i]}`;
}

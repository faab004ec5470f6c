import { semanticEqual } from './common.js';

/**
 * A compact rendering of what changed between two specs, appended to
 * "may not change fields other than ..." errors the way upstream appends a
 * go-cmp diff. The layout mimics cmp.Diff (`-` old, `+` new) but lists only the
 * changed leaves by JSON path; clients show it verbatim and nothing parses it.
 */
export function specDiff(oldVal: unknown, newVal: unknown, typeName: string): string {
  const lines: string[] = [];
  collect(oldVal, newVal, '', lines);
  return [`  ${typeName}{`, ...lines, '  }', ''].join('\n');
}

function render(v: unknown): string {
  return v === undefined ? 'nil' : JSON.stringify(v);
}

function collect(a: unknown, b: unknown, path: string, out: string[]): void {
  if (semanticEqual(a, b)) return;
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => collect(x, b[i], `${path}[${i}]`, out));
    return;
  }
  if (isObj(a) && isObj(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort())
      collect(ao[k], bo[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push(`- \t${path || '.'}: ${render(a)},`);
  out.push(`+ \t${path || '.'}: ${render(b)},`);
}

import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isQualifiedName, isValidLabelValue } from '../../../api/validation/names.js';
import { parseRFC3339, translateTimestampSince, ZERO_TIME_MS } from '../../../api/values/human-duration.js';

/**
 * Cell formatters shared by the printers, each reproducing the Go helper the
 * upstream printers call (named in each comment), on JSON wire shapes.
 */

/** `translateTimestampSince(obj.CreationTimestamp)`: the AGE cell. */
export function age(obj: { metadata?: { creationTimestamp?: string } }, now: number): string {
  return translateTimestampSince(obj.metadata?.creationTimestamp, now);
}

export function nameOf(obj: { metadata?: { name?: string } }): string {
  return obj.metadata?.name ?? '';
}

/** Whether `metadata.deletionTimestamp` is set (Go: `DeletionTimestamp != nil`). */
export function isDeleting(obj: { metadata?: { deletionTimestamp?: string } }): boolean {
  return obj.metadata?.deletionTimestamp != null;
}

/** `labels.FormatLabels`: sorted `k=v` pairs joined by `,`; `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const pairs = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
  pairs.sort(compareStrings);
  return pairs.length ? pairs.join(',') : '<none>';
}

/** Byte-wise string order like Go's `sort.Strings` (identical to UTF-16 order for the BMP). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted, de-duplicated copy (Go `sets.NewString(...).List()`). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!' | '=';
  values: string[];
}

function requirementString(r: Requirement): string {
  switch (r.op) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case '=':
      return `${r.key}=${r.values[0]}`;
    default: {
      const values = r.values.length === 1 ? r.values : [...r.values].sort(compareStrings);
      return `${r.key} ${r.op} (${values.join(',')})`;
    }
  }
}

function requirementValid(r: Requirement): boolean {
  if (isQualifiedName(r.key).length) return false;
  if ((r.op === 'in' || r.op === 'notin') && r.values.length === 0) return false;
  if ((r.op === 'exists' || r.op === '!') && r.values.length !== 0) return false;
  return r.values.every((v) => isValidLabelValue(v).length === 0);
}

const selectorOps: Record<string, Requirement['op']> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * `metav1.LabelSelectorAsSelector(sel).String()`: requirements sorted by key,
 * `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, joined by `,`. A missing
 * selector selects nothing and an empty one everything; both print as `""`.
 * Returns undefined for a selector that does not convert (bad operator, key or value).
 */
export function labelSelectorString(sel: LabelSelector | undefined | null): string | undefined {
  if (!sel) return '';
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, op: '=', values: [value] });
  for (const e of sel.matchExpressions ?? []) {
    const op = selectorOps[e.operator];
    if (!op) return undefined;
    reqs.push({ key: e.key, op, values: [...(e.values ?? [])] });
  }
  if (!reqs.every(requirementValid)) return undefined;
  // Array.prototype.sort is stable, so equal keys keep matchLabels before expressions.
  reqs.sort((a, b) => compareStrings(a.key, b.key));
  return reqs.map(requirementString).join(',');
}

/** `metav1.FormatLabelSelector`: the selector string, `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  const s = labelSelectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** `layoutContainerCells`: container names and images, each joined by `,`. */
export function layoutContainerCells(
  containers: readonly { name?: string; image?: string }[] | undefined,
): [names: string, images: string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** `listWithMoreString`: `a,b,c + 2 more...`, or `<unset>` for nothing. */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const joined = list.join(',');
  if (more) return `${joined} + ${count - max} more...`;
  return joined === '' ? '<unset>' : joined;
}

/** `printBool`: Go's `True`/`False` spelling. */
export function printBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/** `printBoolPtr`: `<unset>` for a missing pointer. */
export function printBoolPtr(value: boolean | undefined | null): string {
  return value == null ? '<unset>' : printBool(value);
}

/** `intstr.IntOrString.String()`. */
export function intOrString(value: number | string): string {
  return typeof value === 'number' ? String(Math.trunc(value)) : value;
}

/**
 * `resource.Quantity.String()` for a quantity read off the wire. The write path
 * stores canonical quantities, so the serialized form is printed as is; a missing
 * quantity is Go's zero Quantity, `0`.
 */
export function quantity(value: string | number | undefined | null): string {
  if (value == null) return '0';
  return typeof value === 'number' ? String(value) : value;
}

/** `(*resource.Quantity).String()` on a pointer that may be nil: `<nil>`. */
export function quantityPtr(value: string | number | undefined | null): string {
  return value == null ? '<nil>' : quantity(value);
}

/** `net.JoinHostPort`: IPv6 hosts are bracketed. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `v1helper.GetAccessModesAsString`: RWO, ROX, RWX, RWOP in that order, each once. */
export function accessModes(modes: readonly string[] | undefined): string {
  const have = new Set(modes ?? []);
  const out: string[] = [];
  if (have.has('ReadWriteOnce')) out.push('RWO');
  if (have.has('ReadOnlyMany')) out.push('ROX');
  if (have.has('ReadWriteMany')) out.push('RWX');
  if (have.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * `t.UTC().Format(time.RFC3339)`: whole seconds, `Z`. A missing or unparseable
 * timestamp is Go's zero time, `0001-01-01T00:00:00Z`.
 */
export function formatRFC3339(timestamp: string | undefined | null): string {
  const parsed = timestamp ? parseRFC3339(timestamp) : undefined;
  const d = new Date(Math.floor(parsed ?? ZERO_TIME_MS));
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`
  );
}

/** Go's `fmt.Sprintf("%s/%s", ...)`: a missing part prints as empty, the slash stays. */
export function slashJoin(...parts: (string | undefined)[]): string {
  return parts.map((p) => p ?? '').join('/');
}

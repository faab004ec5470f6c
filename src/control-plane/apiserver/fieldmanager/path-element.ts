/**
 * Path elements of server-side apply field paths (structured-merge-diff's
 * `fieldpath.PathElement`): a field name of a map/struct, the key fields of an
 * associative-list item, the value of a set item, or the index of an item in an
 * atomic list. Their order, their `fieldsV1` spelling (`f:`, `k:`, `v:`, `i:`) and
 * their human form (`.spec`, `[name="nginx"]`, `[="a"]`, `[0]`) follow upstream,
 * because the order decides the serialized bytes and the human form appears in
 * apply conflict messages.
 */
import { goJSON, goQuoteJSON, isJsonObject, type JsonValue } from './go-json.js';

export type KeyField = readonly [name: string, value: JsonValue];

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: readonly KeyField[] }
  | { readonly kind: 'value'; readonly value: JsonValue }
  | { readonly kind: 'index'; readonly index: number };

export type Path = readonly PathElement[];

export const fieldElement = (name: string): PathElement => ({ kind: 'field', name });
export const valueElement = (value: JsonValue): PathElement => ({ kind: 'value', value });
export const indexElement = (index: number): PathElement => ({ kind: 'index', index });

/** An associative-list key; the fields are sorted by name as upstream requires. */
export function keyElement(fields: readonly KeyField[] | Readonly<Record<string, JsonValue>>): PathElement {
  const list: KeyField[] = Array.isArray(fields) ? [...(fields as readonly KeyField[])] : Object.entries(fields);
  list.sort((a, b) => compareStrings(a[0], b[0]));
  return { kind: 'key', fields: list };
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Upstream's total order over values: numbers < strings < booleans < lists < maps < null.
function valueRank(v: JsonValue): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (v === null) return 5;
  return 4;
}

export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const la = a as JsonValue[];
      const lb = b as JsonValue[];
      for (let i = 0; i < la.length && i < lb.length; i++) {
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return la.length === lb.length ? 0 : la.length < lb.length ? -1 : 1;
    }
    case 4: {
      const ma = a as Record<string, JsonValue>;
      const mb = b as Record<string, JsonValue>;
      const keys = [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort(compareStrings);
      for (const k of keys) {
        if (!(k in ma)) return 1;
        if (!(k in mb)) return -1;
        const c = compareValues(ma[k], mb[k]);
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return 0;
  }
}

function compareKeys(a: readonly KeyField[], b: readonly KeyField[]): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0;
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const c = compareStrings(a[i][0], b[i][0]) || compareValues(a[i][1], b[i][1]);
    if (c !== 0) return c;
  }
}

const kindRank = { field: 0, key: 1, value: 2, index: 3 } as const;

/** Upstream `PathElement.Compare`: field names < keys < values < indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return kindRank[a.kind] < kindRank[b.kind] ? -1 : 1;
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name);
    case 'key':
      return compareKeys(a.fields, (b as typeof a).fields);
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return a.index - (b as typeof a).index;
  }
}

/** The `fieldsV1` spelling: `f:name`, `k:{"name":"nginx"}`, `v:"x"`, `i:0`. */
export function serializePathElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return 'f:' + pe.name;
    case 'key':
      return 'k:{' + pe.fields.map(([n, v]) => goQuoteJSON(n) + ':' + goJSON(v)).join(',') + '}';
    case 'value':
      return 'v:' + goJSON(pe.value);
    case 'index':
      return 'i:' + String(pe.index);
  }
}

/** Thrown for a malformed `fieldsV1` key (the whole managedFields entry is then invalid). */
export class PathElementError extends Error {
  override name = 'PathElementError';
}

/**
 * Parses one `fieldsV1` key. Returns `undefined` for a well-formed key of an
 * unknown kind: upstream drops those (a newer version may know them).
 */
export function deserializePathElement(s: string): PathElement | undefined {
  if (s.length < 2) throw new PathElementError('key must be 2 characters long:');
  if (s[1] !== ':') throw new PathElementError(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return fieldElement(body);
    case 'v':
      return valueElement(parseBody(body));
    case 'k': {
      const obj = parseBody(body);
      if (obj === null) return keyElement([]);
      if (!isJsonObject(obj)) throw new PathElementError(`expected an object key, got ${body}`);
      return keyElement(Object.entries(obj));
    }
    case 'i':
      if (!/^[+-]?\d+$/.test(body))
        throw new PathElementError(`strconv.Atoi: parsing ${goQuoteJSON(body)}: invalid syntax`);
      return indexElement(Number.parseInt(body, 10));
    default:
      return undefined;
  }
}

function parseBody(body: string): JsonValue {
  try {
    return JSON.parse(body) as JsonValue;
  } catch (err) {
    throw new PathElementError(err instanceof Error ? err.message : String(err));
  }
}

/** Go's `value.ToString`, used inside the human form of keys and set values. */
function valueToString(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[' + v.map(valueToString).join(',') + ']';
  return Object.entries(v)
    .map(([k, x]) => `${k}=${valueToString(x)}`)
    .join('');
}

/** The human form used in conflict messages and causes: `.spec.replicas`, `[name="nginx"]`. */
export function pathElementString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return '.' + pe.name;
    case 'key':
      return '[' + pe.fields.map(([n, v]) => `${n}=${valueToString(v)}`).join(',') + ']';
    case 'value':
      return `[=${valueToString(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

export function pathString(path: Path): string {
  return path.map(pathElementString).join('');
}

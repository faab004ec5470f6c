/**
 * Shared pieces of the typed walks (field sets, compare, merge, removal): which
 * shape of a TypeNode a value takes, how a list item is named (key, set value or
 * index), and the structural validation upstream performs when it turns an
 * object into a typed value (`typed.AsTyped`): list-map items need their keys,
 * set items must be scalars, and — in applied configurations only — no two
 * items may share a key.
 */
import { StatusError } from '../../../api/errors/status-error.js';
import { isJsonObject, type JsonObject, type JsonValue } from './go-json.js';
import {
  indexElement,
  keyElement,
  pathString,
  serializePathElement,
  valueElement,
  type KeyField,
  type Path,
  type PathElement,
} from './path-element.js';
import type { ListType, MapType, TypeNode } from './type-schema.js';

export type Shape = { kind: 'leaf' } | { kind: 'map'; map: MapType } | { kind: 'list'; list: ListType };

const leafShape: Shape = { kind: 'leaf' };

/**
 * The atom a value takes (upstream `deduceAtom`): objects use the map type,
 * arrays the list type, anything else (or a shape the type does not have) is a
 * leaf. `null` on a container-only type is that container, empty.
 */
export function shapeOf(t: TypeNode, v: unknown): Shape {
  if (Array.isArray(v)) return t.list ? { kind: 'list', list: t.list } : leafShape;
  if (isJsonObject(v)) return t.map ? { kind: 'map', map: t.map } : leafShape;
  if (v === null && !t.scalar) {
    if (t.list) return { kind: 'list', list: t.list };
    if (t.map) return { kind: 'map', map: t.map };
  }
  return leafShape;
}

/** The type of key `name` inside a map of type `m`. */
export function fieldTypeOf(m: MapType, name: string): TypeNode {
  return m.field(name) ?? m.elem;
}

// Upstream takes a missing key from the schema default; built-in port lists
// default their protocol key to TCP even where a schema lacks the default.
const keyDefaults: Record<string, JsonValue> = { protocol: 'TCP' };

export class TypedValueError extends Error {
  override name = 'TypedValueError';
  constructor(
    readonly path: Path,
    readonly detail: string,
  ) {
    super(path.length ? `${pathString(path)}: ${detail}` : detail);
  }
}

/** The path element naming item `i` of a list, or an error message. */
export function listItemElement(list: ListType, i: number, item: unknown): PathElement | string {
  if (list.atomic) return indexElement(i);
  if (list.keys.length) {
    if (item === null) return 'associative list with keys may not have a null element';
    if (!isJsonObject(item)) return 'associative list with keys may not have non-map elements';
    const fields: KeyField[] = [];
    for (const k of list.keys) {
      if (Object.prototype.hasOwnProperty.call(item, k) && item[k] !== undefined) {
        fields.push([k, item[k]]);
        continue;
      }
      const def = list.elem.map?.fieldDefault(k) ?? keyDefaults[k];
      if (def === undefined) {
        return `associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`;
      }
      fields.push([k, def]);
    }
    return keyElement(fields);
  }
  if (isJsonObject(item)) return "associative list without keys has an element that's a map type";
  if (Array.isArray(item)) return 'not supported: associative list with lists as elements';
  if (item === null) return "associative list without keys has an element that's an explicit null";
  return valueElement(item as JsonValue);
}

/** A list's items by path element; items whose element is invalid are left out. */
export interface ListIndex {
  /** Element per item (undefined for invalid items). */
  readonly pes: (PathElement | undefined)[];
  /** Serialized element -> index of its first item. */
  readonly first: Map<string, number>;
  /** Serialized elements that more than one item carries. */
  readonly dups: Set<string>;
}

export function indexList(list: ListType, items: readonly unknown[]): ListIndex {
  const pes: (PathElement | undefined)[] = [];
  const first = new Map<string, number>();
  const dups = new Set<string>();
  items.forEach((item, i) => {
    const pe = listItemElement(list, i, item);
    if (typeof pe === 'string') {
      pes.push(undefined);
      return;
    }
    pes.push(pe);
    const k = serializePathElement(pe);
    if (first.has(k)) dups.add(k);
    else first.set(k, i);
  });
  return { pes, first, dups };
}

/** Structural errors of `v` against `t` (empty when the value can be walked). */
export function validateTyped(v: unknown, t: TypeNode, allowDuplicates: boolean): TypedValueError[] {
  const errs: TypedValueError[] = [];
  const walk = (val: unknown, type: TypeNode, path: PathElement[]) => {
    const s = shapeOf(type, val);
    if (s.kind === 'map') {
      if (s.map.atomic || !isJsonObject(val)) return;
      for (const [k, child] of Object.entries(val)) {
        path.push({ kind: 'field', name: k });
        walk(child, fieldTypeOf(s.map, k), path);
        path.pop();
      }
    } else if (s.kind === 'list') {
      if (s.list.atomic || !Array.isArray(val)) return;
      const seen = new Set<string>();
      val.forEach((item, i) => {
        const pe = listItemElement(s.list, i, item);
        if (typeof pe === 'string') {
          errs.push(new TypedValueError([...path], `element ${i}: ${pe}`));
          return;
        }
        const key = serializePathElement(pe);
        if (seen.has(key)) {
          if (!allowDuplicates)
            errs.push(new TypedValueError([...path], `duplicate entries for key ${pathString([pe])}`));
          return;
        }
        seen.add(key);
        path.push(pe);
        walk(item, s.list.elem, path);
        path.pop();
      });
    }
  };
  walk(v, t, []);
  return errs;
}

/** Upstream's aggregate: one error as is, several as `errors:\n  a\n  b`. */
export function typedErrorsMessage(errs: readonly TypedValueError[]): string {
  if (errs.length === 1) return errs[0].message;
  return ['errors:', ...errs.map((e) => '  ' + e.message)].join('\n');
}

/** `default/web; apps/v1, Kind=Deployment`, as upstream names an object in errors. */
export function objectDescription(obj: JsonObject | undefined): string {
  const meta = isJsonObject(obj?.metadata) ? obj.metadata : {};
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  const apiVersion = typeof obj?.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj?.kind === 'string' ? obj.kind : '';
  return `${ns}/${name}; ${gvkString(apiVersion, kind)}`;
}

/** Go's `schema.GroupVersionKind.String()`: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
export function gvkString(apiVersion: string, kind: string): string {
  const gv = apiVersion.includes('/') ? apiVersion : apiVersion ? `/${apiVersion}` : '/';
  return `${gv}, Kind=${kind}`;
}

/**
 * The error kube-apiserver returns when an object cannot be made typed: not a
 * metav1.Status upstream, so it surfaces as a 500 with an empty reason.
 */
export function typedObjectError(
  what: string,
  obj: JsonObject | undefined,
  errs: readonly TypedValueError[],
): StatusError {
  return new StatusError(
    500,
    '',
    `failed to create typed ${what} object (${objectDescription(obj)}): ${typedErrorsMessage(errs)}`,
  );
}

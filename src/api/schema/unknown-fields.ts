/**
 * Unknown fields of built-in kinds, found with the OpenAPI v2 definitions the way
 * kube-apiserver finds them: by strict JSON decoding into the Go types
 * (sigs.k8s.io/json, case-sensitive). A field is unknown when its object's schema
 * does not list it; map keys (additionalProperties) never are; values decoded by
 * custom unmarshalers (RawExtension, apiextensions JSON, FieldsV1, …) and
 * `x-kubernetes-preserve-unknown-fields` subtrees are opaque. `apiVersion` and
 * `kind` are always known at the root. Paths are formatted like the decoder's:
 * `spec.template.spec.containers[0].imagee`, map values as `metadata.labels.app`.
 *
 * Type mismatches (an object where a string belongs) are decode errors, not
 * unknown fields, and are not reported here.
 */
import { refName, type Definitions, type SchemaObject } from '../openapi/schema-types.js';
import { duplicateFieldMessage, unknownFieldMessage } from './strict-decoding.js';

/** Definitions whose Go types have custom JSON unmarshalers that accept any JSON. */
const opaqueDefinitions = new Set([
  'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray',
]);

/** The decoder keeps at most this many strict errors (sigs.k8s.io/json saveStrictError). */
const MAX_STRICT_ERRORS = 100;

export interface UnknownFieldOptions {
  /** Prefix for reported paths, e.g. `spec.template.metadata` when checking an embedded ObjectMeta. */
  prefix?: string;
  /**
   * Visit keys in sorted order. YAML bodies are converted to JSON through a map
   * upstream, so their errors come out in sorted-key order; JSON bodies keep
   * document order (the object's own key order).
   */
  sortKeys?: boolean;
}

interface Resolved {
  schema: SchemaObject;
  opaque: boolean;
}

function resolve(s: SchemaObject | undefined, defs: Definitions): Resolved | undefined {
  let cur = s;
  let name: string | undefined;
  for (let depth = 0; cur && depth < 32; depth++) {
    if (cur['x-kubernetes-preserve-unknown-fields']) return { schema: cur, opaque: true };
    const ref = cur.$ref ?? (cur.allOf?.length === 1 ? cur.allOf[0]!.$ref : undefined);
    if (!ref) break;
    name = refName(ref);
    if (opaqueDefinitions.has(name)) return { schema: cur, opaque: true };
    cur = defs[name];
  }
  if (!cur) return undefined;
  if (name && opaqueDefinitions.has(name)) return { schema: cur, opaque: true };
  return { schema: cur, opaque: false };
}

type Visit =
  | { kind: 'unknown'; path: string; parent: Record<string, unknown>; key: string }
  | { kind: 'known'; path: string }
  | { kind: 'opaque'; path: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (parent: string, key: string) => (parent ? `${parent}.${key}` : key);

/** Walks `value` against `s`, reporting every object key as known, unknown or opaque (document order). */
function walk(
  value: unknown,
  s: SchemaObject | undefined,
  defs: Definitions,
  path: string,
  root: boolean,
  sortKeys: boolean,
  out: (v: Visit) => void,
): void {
  const r = resolve(s, defs);
  if (!r) return;
  if (r.opaque) {
    if (isObject(value) || Array.isArray(value)) out({ kind: 'opaque', path });
    return;
  }
  const schema = r.schema;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => walk(v, schema.items, defs, `${path}[${i}]`, false, sortKeys, out));
    return;
  }
  if (!isObject(value)) return;
  const keys = sortKeys ? Object.keys(value).sort() : Object.keys(value);
  const props = schema.properties;
  const ap = schema.additionalProperties;
  if (props) {
    const typeMetaKnown = root || schema['x-kubernetes-embedded-resource'] === true;
    for (const k of keys) {
      const p = join(path, k);
      const sub = props[k];
      if (sub) {
        out({ kind: 'known', path: p });
        walk(value[k], sub, defs, p, false, sortKeys, out);
      } else if (typeMetaKnown && (k === 'apiVersion' || k === 'kind')) {
        out({ kind: 'known', path: p });
      } else {
        out({ kind: 'unknown', path: p, parent: value, key: k });
      }
    }
    return;
  }
  if (ap !== undefined) {
    if (typeof ap !== 'object') {
      if (ap) out({ kind: 'opaque', path });
      return;
    }
    for (const k of keys) {
      const p = join(path, k);
      out({ kind: 'known', path: p });
      walk(value[k], ap, defs, p, false, sortKeys, out);
    }
    return;
  }
  // An object type without fields is an empty Go struct: every field is unknown.
  if (schema.type === 'object') {
    for (const k of keys) {
      const p = join(path, k);
      if (root && (k === 'apiVersion' || k === 'kind')) out({ kind: 'known', path: p });
      else out({ kind: 'unknown', path: p, parent: value, key: k });
    }
  }
}

function rootSchema(rootDefinition: string, defs: Definitions): SchemaObject {
  if (!defs[rootDefinition]) throw new Error(`unknown OpenAPI definition ${rootDefinition}`);
  return { $ref: `#/definitions/${rootDefinition}` };
}

function collectUnknown(obj: unknown, rootDefinition: string, defs: Definitions, opts: UnknownFieldOptions) {
  const found: { path: string; parent: Record<string, unknown>; key: string }[] = [];
  walk(obj, rootSchema(rootDefinition, defs), defs, opts.prefix ?? '', !opts.prefix, opts.sortKeys ?? false, (v) => {
    if (v.kind === 'unknown') found.push(v);
  });
  return found;
}

/**
 * Paths of the fields of `obj` that definition `rootDefinition` does not know,
 * in the order the decoder meets them.
 */
export function findUnknownFields(
  obj: unknown,
  rootDefinition: string,
  defs: Definitions,
  opts: UnknownFieldOptions = {},
): string[] {
  return collectUnknown(obj, rootDefinition, defs, opts).map((u) => u.path);
}

/**
 * Removes the unknown fields of `obj` in place (what decoding into Go structs
 * does under fieldValidation=Warn|Ignore) and returns their paths.
 */
export function dropUnknownFields(
  obj: unknown,
  rootDefinition: string,
  defs: Definitions,
  opts: UnknownFieldOptions = {},
): string[] {
  const found = collectUnknown(obj, rootDefinition, defs, opts);
  for (const u of found) delete u.parent[u.key];
  return found.map((u) => u.path);
}

export interface StrictIssueOptions extends UnknownFieldOptions {
  /** Paths of duplicated keys in the request body (from the JSON scanner), in document order. */
  duplicates?: readonly string[];
}

const under = (path: string, prefix: string) =>
  path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/**
 * The strict-decoding messages for a built-in object, in kube-apiserver's order:
 * `unknown field "…"` and `duplicate field "…"` as the decoder meets them. A key
 * both unknown and duplicated is reported once, as unknown; duplicates inside
 * unknown or opaque values are not reported (the decoder never looks at them).
 * At most 100 messages, like the decoder.
 */
export function strictFieldIssues(
  obj: unknown,
  rootDefinition: string,
  defs: Definitions,
  opts: StrictIssueOptions = {},
): string[] {
  const pending = new Set(opts.duplicates ?? []);
  const skipped: string[] = [];
  const messages: string[] = [];
  const seen = new Set<string>();
  const emit = (m: string) => {
    if (!seen.has(m) && messages.length < MAX_STRICT_ERRORS) {
      seen.add(m);
      messages.push(m);
    }
  };
  walk(obj, rootSchema(rootDefinition, defs), defs, opts.prefix ?? '', !opts.prefix, opts.sortKeys ?? false, (v) => {
    if (v.kind === 'unknown') {
      emit(unknownFieldMessage(v.path));
      skipped.push(v.path);
      pending.delete(v.path);
    } else if (v.kind === 'opaque') {
      skipped.push(v.path);
    } else if (pending.has(v.path)) {
      pending.delete(v.path);
      emit(duplicateFieldMessage(v.path));
    }
  });
  for (const d of pending) {
    if (!skipped.some((s) => under(d, s))) emit(duplicateFieldMessage(d));
  }
  return messages;
}

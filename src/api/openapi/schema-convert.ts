/**
 * Moving definitions into served documents: the transitive closure of what a
 * document references, and the per-version rewrites. v3 (`components.schemas`)
 * follows kube-openapi's v3 output: refs point at `#/components/schemas/`, a
 * `$ref` with sibling keywords is wrapped as `allOf: [{$ref}]` (v3.0 ignores
 * siblings of `$ref`), and IntOrString/Quantity become `oneOf` their two types.
 * v2 drops the keywords Swagger 2.0 lacks (`nullable`, `oneOf`, `anyOf`, `not`).
 */
import { intOrStringDefinitionName, quantityDefinitionName } from './well-known.js';
import { definitionRefPrefix, refName, type Definitions, type SchemaObject } from './schema-types.js';

export const componentsRefPrefix = '#/components/schemas/';

type Json = Record<string, unknown>;

const schemaKeys = ['items', 'additionalProperties', 'not', 'additionalItems'];
const schemaListKeys = ['allOf', 'anyOf', 'oneOf'];
const schemaMapKeys = ['properties', 'patternProperties', 'definitions'];

/** Calls `fn` with every `$ref` value inside `schema`. */
export function forEachRef(schema: unknown, fn: (ref: string) => void): void {
  if (Array.isArray(schema)) {
    for (const s of schema) forEachRef(s, fn);
    return;
  }
  if (schema === null || typeof schema !== 'object') return;
  const o = schema as Json;
  if (typeof o.$ref === 'string') fn(o.$ref);
  for (const k of schemaKeys) forEachRef(o[k], fn);
  for (const k of schemaListKeys) forEachRef(o[k], fn);
  for (const k of schemaMapKeys) {
    const m = o[k];
    if (m && typeof m === 'object') for (const s of Object.values(m)) forEachRef(s, fn);
  }
}

/** Names of `roots` and every definition they reach through `$ref`s, sorted. Unknown names throw. */
export function definitionClosure(defs: Definitions, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    const schema = defs[name];
    if (!schema) throw new Error(`openapi: reference to unknown definition ${name}`);
    seen.add(name);
    forEachRef(schema, (ref) => {
      const target = refName(ref);
      if (!seen.has(target)) stack.push(target);
    });
  }
  return [...seen].sort();
}

/** Deep copy of `schema` with `fn` applied bottom-up to every (sub)schema object. */
function mapSchema(schema: unknown, fn: (s: Json) => Json): unknown {
  if (Array.isArray(schema)) return schema.map((s) => mapSchema(s, fn));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = { ...(schema as Json) };
  for (const k of schemaKeys) if (out[k] !== undefined && typeof out[k] === 'object') out[k] = mapSchema(out[k], fn);
  for (const k of schemaListKeys) if (Array.isArray(out[k])) out[k] = mapSchema(out[k], fn);
  for (const k of schemaMapKeys) {
    const m = out[k];
    if (m && typeof m === 'object') {
      out[k] = Object.fromEntries(Object.entries(m as Json).map(([n, s]) => [n, mapSchema(s, fn)]));
    }
  }
  for (const k of ['default', 'enum', 'example', 'x-kubernetes-group-version-kind', 'x-kubernetes-list-map-keys']) {
    if (out[k] !== undefined) out[k] = structuredClone(out[k]);
  }
  return fn(out);
}

/** The v3 form of definition `name`. */
export function toV3Schema(name: string, schema: SchemaObject): Json {
  if (name === intOrStringDefinitionName) {
    return {
      description: schema.description,
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    };
  }
  if (name === quantityDefinitionName) {
    return { description: schema.description, oneOf: [{ type: 'string' }, { type: 'number' }] };
  }
  return mapSchema(schema, (s) => {
    if (typeof s.$ref !== 'string') return s;
    const ref = componentsRefPrefix + refName(s.$ref);
    const { $ref: _ref, ...siblings } = s;
    return Object.keys(siblings).length === 0 ? { $ref: ref } : { allOf: [{ $ref: ref }], ...siblings };
  }) as Json;
}

const v3OnlyKeywords = ['nullable', 'oneOf', 'anyOf', 'not'];

/** The v2 form of definition `name` (refs stay `#/definitions/...`). */
export function toV2Schema(schema: SchemaObject): Json {
  return mapSchema(schema, (s) => {
    for (const k of v3OnlyKeywords) delete s[k];
    if (s['x-kubernetes-int-or-string'] === true) delete s.type;
    if (typeof s.$ref === 'string') s.$ref = definitionRefPrefix + refName(s.$ref);
    return s;
  }) as Json;
}

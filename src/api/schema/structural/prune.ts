/**
 * Structural pruning (apiextensions-apiserver `schema/pruning/algorithm.go`):
 * fields the schema does not specify are removed, except under
 * `x-kubernetes-preserve-unknown-fields` (where specified fields are still pruned
 * recursively) and the apiVersion/kind/metadata of embedded resources and of the
 * resource root, which are left alone entirely (metadata is coerced as ObjectMeta
 * elsewhere). Mutates `obj` in place.
 *
 * The returned paths are what kube-apiserver reports as `unknown field "<path>"`
 * for fieldValidation=Strict|Warn: dotted keys, `[i]` for list items, sorted.
 */
import { additionalPropertiesSchema, isJSONObject, itemsSchema, type SchemaProps } from './schema-props.js';

const metaFields = new Set(['apiVersion', 'kind', 'metadata']);

class Tracker {
  readonly paths: string[] = [];
  record(parent: string, key: string): void {
    this.paths.push(joinKey(parent, key));
  }
}

const joinKey = (parent: string, key: string) => (parent ? `${parent}.${key}` : key);

function pruneValue(x: unknown, s: SchemaProps | undefined, embedded: boolean, path: string, t: Tracker): void {
  if (s?.['x-kubernetes-preserve-unknown-fields']) {
    skipPrune(x, s, embedded, path, t);
    return;
  }
  if (Array.isArray(x)) {
    const items = s ? itemsSchema(s) : undefined;
    x.forEach((v, i) => pruneValue(v, items, embeddedOf(items), `${path}[${i}]`, t));
    return;
  }
  if (!isJSONObject(x)) return;
  if (!s) {
    for (const k of Object.keys(x)) {
      t.record(path, k);
      delete x[k];
    }
    return;
  }
  for (const k of Object.keys(x)) {
    if (embedded && metaFields.has(k)) continue;
    const prop = s.properties?.[k];
    if (prop) {
      pruneValue(x[k], prop, embeddedOf(prop), joinKey(path, k), t);
    } else if (s.additionalProperties !== undefined) {
      const ap = additionalPropertiesSchema(s);
      pruneValue(x[k], ap, embeddedOf(ap), joinKey(path, k), t);
    } else {
      // Upstream leaves a non-embedded root's apiVersion/kind/metadata out of the report.
      if (!metaFields.has(k) || path !== '') t.record(path, k);
      delete x[k];
    }
  }
}

/** Inside preserve-unknown-fields: unknown fields stay, specified ones are pruned by their schema. */
function skipPrune(x: unknown, s: SchemaProps, embedded: boolean, path: string, t: Tracker): void {
  if (Array.isArray(x)) {
    const items = itemsSchema(s);
    if (!items) return;
    x.forEach((v, i) => skipPrune(v, items, embeddedOf(items), `${path}[${i}]`, t));
    return;
  }
  if (!isJSONObject(x)) return;
  for (const k of Object.keys(x)) {
    if (embedded && metaFields.has(k)) continue;
    const prop = s.properties?.[k];
    if (prop) pruneValue(x[k], prop, embeddedOf(prop), joinKey(path, k), t);
    else if (s.additionalProperties !== undefined) {
      const ap = additionalPropertiesSchema(s);
      pruneValue(x[k], ap, embeddedOf(ap), joinKey(path, k), t);
    }
  }
}

const embeddedOf = (s: SchemaProps | undefined) => Boolean(s?.['x-kubernetes-embedded-resource']);

/**
 * Removes unknown fields from `obj` in place and returns their paths, sorted.
 * `isResourceRoot` treats the root as an embedded resource (apiVersion, kind and
 * metadata kept), as for a whole custom object.
 */
export function prune(obj: unknown, schema: SchemaProps | undefined, isResourceRoot: boolean): string[] {
  const t = new Tracker();
  const embedded = isResourceRoot || embeddedOf(schema);
  pruneValue(obj, isResourceRoot ? (schema ?? {}) : schema, embedded, '', t);
  return t.paths.sort(goStringLess);
}

/** sort.Strings order: by UTF-8 bytes, which for these paths is code-unit order outside surrogates. */
function goStringLess(a: string, b: string): number {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return Buffer.compare(ba, bb);
}

import { refName, type Definitions, type SchemaObject } from '../openapi/schema-types.js';
import {
  emptyPatchMeta,
  noPatchSchema,
  patchMeta,
  type PatchLookup,
  type PatchMeta,
  type PatchSchema,
} from './patch-schema.js';

/**
 * A PatchSchema over OpenAPI v2 definitions (`$ref: '#/definitions/<name>'`,
 * `properties`, `items`, `additionalProperties`), reading the patch strategy and
 * merge key from each property's `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key`. `root` is a definition name
 * (`io.k8s.api.apps.v1.Deployment`) or a schema. Child schemas are built lazily
 * and cached, so one root can serve every request for its kind.
 */
export function openApiPatchSchema(definitions: Definitions, root: string | SchemaObject): PatchSchema {
  const resolver = new Resolver(definitions);
  const schema = typeof root === 'string' ? definitions[root] : root;
  if (!schema) return noPatchSchema;
  return resolver.schemaFor(schema, typeof root === 'string' ? root : '');
}

const maxRefDepth = 64;

class Resolver {
  private readonly cache = new WeakMap<SchemaObject, PatchSchema>();
  constructor(readonly definitions: Definitions) {}

  /** Follows `$ref`s; returns the target schema and the last definition name seen. */
  resolve(s: SchemaObject | undefined, name: string): { schema: SchemaObject; name: string } | undefined {
    let cur = s;
    let curName = name;
    for (let i = 0; cur?.$ref !== undefined; i++) {
      if (i >= maxRefDepth) return undefined;
      curName = refName(cur.$ref);
      cur = Object.prototype.hasOwnProperty.call(this.definitions, curName) ? this.definitions[curName] : undefined;
    }
    return cur ? { schema: cur, name: curName } : undefined;
  }

  schemaFor(s: SchemaObject, name: string): PatchSchema {
    const r = this.resolve(s, name);
    if (!r) return noPatchSchema;
    let out = this.cache.get(r.schema);
    if (!out) {
      out = new OpenApiPatchSchema(this, r.schema, r.name);
      this.cache.set(r.schema, out);
    }
    return out;
  }
}

class OpenApiPatchSchema implements PatchSchema {
  constructor(
    private readonly resolver: Resolver,
    private readonly schema: SchemaObject,
    readonly name: string,
  ) {}

  lookupStruct(key: string): PatchLookup {
    const field = this.field(key);
    if (!field) return { schema: noPatchSchema, meta: emptyPatchMeta };
    return {
      schema: this.resolver.schemaFor(field, this.name),
      meta: metaOf(field, this.resolver.definitions),
    };
  }

  lookupSlice(key: string): PatchLookup {
    const field = this.field(key);
    if (!field) return { schema: noPatchSchema, meta: emptyPatchMeta };
    const list = this.resolver.resolve(field, this.name);
    const items = list?.schema.items;
    return {
      schema: items ? this.resolver.schemaFor(items, list.name) : noPatchSchema,
      meta: metaOf(field, this.resolver.definitions),
    };
  }

  /** The schema of field `key`: a declared property, else the map value schema. */
  private field(key: string): SchemaObject | undefined {
    const props = this.schema.properties;
    if (props && Object.prototype.hasOwnProperty.call(props, key)) return props[key];
    const ap = this.schema.additionalProperties;
    return typeof ap === 'object' ? ap : undefined;
  }
}

/** The first patch extension along the `$ref` chain from the property wins. */
function metaOf(field: SchemaObject, definitions: Definitions): PatchMeta {
  let strategy: string | undefined;
  let mergeKey: string | undefined;
  let cur: SchemaObject | undefined = field;
  for (let i = 0; cur && i <= maxRefDepth; i++) {
    strategy ??= cur['x-kubernetes-patch-strategy'];
    mergeKey ??= cur['x-kubernetes-patch-merge-key'];
    const next: string | undefined = cur.$ref === undefined ? undefined : refName(cur.$ref);
    cur = next !== undefined && Object.prototype.hasOwnProperty.call(definitions, next) ? definitions[next] : undefined;
  }
  return patchMeta(strategy, mergeKey);
}

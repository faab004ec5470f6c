/**
 * The type model server-side apply walks: OpenAPI v2 definitions reduced to what
 * structured merge needs (kube-openapi `schemaconv`). A TypeNode may be a scalar
 * (a leaf), a map/struct, a list, or several of these at once ("untyped": the
 * value decides). Maps are granular (merged key by key) unless
 * `x-kubernetes-map-type: atomic`; lists are atomic unless
 * `x-kubernetes-list-type` is `set`/`map`, or, for built-in types without a list
 * type, they carry a patch merge strategy/key (then keyed by the merge key).
 *
 * The "deduced" type (schema-less custom resources, `x-kubernetes-preserve-unknown-fields`,
 * keys that a struct does not declare) makes every map granular and every list atomic.
 * Nodes are compiled lazily and cached per definitions object, so recursive
 * schemas (JSONSchemaProps) cost nothing until a value goes that deep.
 */
import { refName, type Definitions, type SchemaObject } from '../../../api/openapi/schema-types.js';
import type { JsonValue } from './go-json.js';

export interface MapType {
  readonly atomic: boolean;
  /** Declares fields (a struct), as opposed to a plain map of keys to values. */
  readonly struct: boolean;
  /** The type of a declared field (struct member), or undefined if `name` is not declared. */
  field(name: string): TypeNode | undefined;
  /** The schema default of a declared field (used for missing list-map keys). */
  fieldDefault(name: string): JsonValue | undefined;
  /** Whether the struct lists `name` as required. */
  isRequired(name: string): boolean;
  /** The type of keys that are not declared fields. */
  readonly elem: TypeNode;
}

export interface ListType {
  readonly atomic: boolean;
  /** Key fields of an associative list of maps; empty for a set of scalars. */
  readonly keys: readonly string[];
  readonly elem: TypeNode;
}

export interface TypeNode {
  /** A scalar value here is a leaf. */
  readonly scalar: boolean;
  readonly map?: MapType;
  readonly list?: ListType;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

// Upstream hard-codes these as untyped scalars (atomic leaves whatever their JSON shape).
const leafDefinitions = new Set([
  'io.k8s.apimachinery.pkg.api.resource.Quantity',
  'io.k8s.apimachinery.pkg.runtime.RawExtension',
]);

const leaf: TypeNode = Object.freeze({ scalar: true });

class DeclaredMap implements MapType {
  constructor(
    readonly atomic: boolean,
    private readonly props: Record<string, SchemaObject> | undefined,
    private readonly required: readonly string[],
    private readonly elemOf: () => TypeNode,
    private readonly compile: (s: SchemaObject) => TypeNode,
  ) {}
  get struct(): boolean {
    return this.props !== undefined && Object.keys(this.props).length > 0;
  }
  field(name: string): TypeNode | undefined {
    return this.props && hasOwn(this.props, name) ? this.compile(this.props[name]) : undefined;
  }
  fieldDefault(name: string): JsonValue | undefined {
    return this.props && hasOwn(this.props, name) ? (this.props[name].default as JsonValue | undefined) : undefined;
  }
  isRequired(name: string): boolean {
    return this.required.includes(name);
  }
  get elem(): TypeNode {
    return this.elemOf();
  }
}

class SimpleList implements ListType {
  constructor(
    readonly atomic: boolean,
    readonly keys: readonly string[],
    private readonly elemOf: () => TypeNode,
  ) {}
  get elem(): TypeNode {
    return this.elemOf();
  }
}

const noCompile = (): TypeNode => leaf;

/** Everything granular for maps, atomic for lists (schema-less objects). */
export const deducedType: TypeNode = {
  scalar: true,
  map: new DeclaredMap(false, undefined, [], () => deducedType, noCompile),
  list: new SimpleList(true, [], () => untypedAtomicType),
};

/** Any shape, owned as one leaf (list items without an items schema). */
export const untypedAtomicType: TypeNode = {
  scalar: true,
  map: new DeclaredMap(true, undefined, [], () => untypedAtomicType, noCompile),
  list: new SimpleList(true, [], () => untypedAtomicType),
};

function withMapAtomic(node: TypeNode, atomic: boolean): TypeNode {
  const m = node.map;
  if (!m || m.atomic === atomic) return node;
  const map: MapType = {
    atomic,
    struct: m.struct,
    field: (n) => m.field(n),
    fieldDefault: (n) => m.fieldDefault(n),
    isRequired: (n) => m.isRequired(n),
    get elem() {
      return m.elem;
    },
  };
  return { ...node, map };
}

class Compiler {
  private readonly cache = new WeakMap<SchemaObject, TypeNode>();
  constructor(private readonly defs: Definitions) {}

  readonly node = (s: SchemaObject): TypeNode => {
    let n = this.cache.get(s);
    if (!n) {
      n = this.build(s);
      this.cache.set(s, n);
    }
    return n;
  };

  private build(s: SchemaObject): TypeNode {
    const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
    if (ref) {
      const name = refName(ref);
      if (leafDefinitions.has(name)) return leaf;
      const target = this.defs[name];
      if (!target) return deducedType;
      const base = this.node(target);
      const override = s['x-kubernetes-map-type'];
      return override ? withMapAtomic(base, override === 'atomic') : base;
    }
    if (s['x-kubernetes-int-or-string']) return leaf;
    switch (s.type) {
      case 'object':
        return { scalar: false, map: this.parseObject(s) };
      case 'array':
        return { scalar: false, list: this.parseList(s) };
      case undefined:
        return { scalar: true, map: this.parseObject(s), list: this.parseList(s) };
      default:
        return leaf;
    }
  }

  private parseObject(s: SchemaObject): MapType {
    const ap = s.additionalProperties;
    // Unknown keys of a struct are tolerated as deduced values (validation rejects them elsewhere).
    const elemOf = typeof ap === 'object' && ap !== null ? () => this.node(ap) : () => deducedType;
    return new DeclaredMap(s['x-kubernetes-map-type'] === 'atomic', s.properties, s.required ?? [], elemOf, this.node);
  }

  private parseList(s: SchemaObject): ListType {
    const items = s.items;
    const elemOf = items ? () => this.node(items) : () => untypedAtomicType;
    const listType = s['x-kubernetes-list-type'];
    if (listType === 'set') return new SimpleList(false, [], elemOf);
    if (listType === 'map') {
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      return new SimpleList(keys.length === 0, keys, elemOf);
    }
    if (listType === undefined) {
      const strategies = (s['x-kubernetes-patch-strategy'] ?? '').split(',').map((x) => x.trim());
      const mergeKey = s['x-kubernetes-patch-merge-key'];
      if (strategies.includes('merge') || (mergeKey && !s['x-kubernetes-patch-strategy'])) {
        return new SimpleList(false, mergeKey ? [mergeKey] : [], elemOf);
      }
    }
    return new SimpleList(true, [], elemOf);
  }
}

const compilers = new WeakMap<Definitions, Compiler>();

function compilerFor(defs: Definitions): Compiler {
  let c = compilers.get(defs);
  if (!c) {
    c = new Compiler(defs);
    compilers.set(defs, c);
  }
  return c;
}

/** The type of definition `name` (e.g. `io.k8s.api.apps.v1.Deployment`); deduced if unknown. */
export function typeForDefinition(defs: Definitions, name: string): TypeNode {
  const s = defs[name];
  return s ? compilerFor(defs).node(s) : deducedType;
}

/** The type of an inline schema whose `$ref`s point into `defs` (custom resource schemas). */
export function typeForSchema(defs: Definitions, schema: SchemaObject): TypeNode {
  return compilerFor(defs).node(schema);
}

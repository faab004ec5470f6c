/**
 * Message descriptors for the Kubernetes protobuf encoding, written as compact
 * tables (one per API group file under `messages/`) from the field numbers that
 * upstream publishes in its `generated.proto` files and the JSON tags of its Go
 * types. A table maps JSON field names to a spec string:
 *
 *   '<number> <type>'    e.g. '2 string', '6 []ContainerPort', '11 map<string,string>'
 *
 * - type: a scalar (`string bool int32 int64 double bytes`), a well-known
 *   message converted to its JSON form (`time microtime intstr quantity raw
 *   fieldsv1 strings` — see well-known.ts), or a message name (`PodSpec`, or
 *   qualified `meta.ObjectMeta`); `[]T` is repeated, `map<string,T>` a map.
 * - presence, mirroring the Go field (it decides what a zero value on the wire
 *   means, because Go writes every non-pointer field even when it is zero):
 *     `T`   a value field tagged omitempty: zero on the wire = unset, dropped;
 *     `*T`  a pointer: present on the wire = set, zero kept (`replicas: 0`);
 *     `T!`  no omitempty: zero kept, as Go's JSON would print it.
 * - the key `'...'` marks an embedded struct inlined in JSON (`json:",inline"`),
 *   which protobuf still carries as a nested message.
 */
export type ScalarKind = 'string' | 'bool' | 'int32' | 'int64' | 'double' | 'bytes';
export type WellKnownKind = 'time' | 'microtime' | 'intstr' | 'quantity' | 'raw' | 'fieldsv1' | 'strings';

export type ValueType =
  | { kind: 'scalar'; scalar: ScalarKind }
  | { kind: 'wellknown'; wellKnown: WellKnownKind }
  | { kind: 'message'; message: string };

export type Presence = 'value' | 'pointer' | 'required';

export interface FieldDescriptor {
  number: number;
  /** JSON name; empty for an inlined struct. */
  json: string;
  inline: boolean;
  repeated: boolean;
  map: boolean;
  value: ValueType;
  presence: Presence;
}

export interface MessageDescriptor {
  name: string;
  /** Sorted by field number: the order Go marshals them in. */
  fields: FieldDescriptor[];
  byNumber: Map<number, FieldDescriptor>;
}

/** JSON name → field spec, for one message. */
export type MessageSpec = Readonly<Record<string, string>>;
/** Message name (unqualified) → its spec, for one package. */
export type PackageSpec = Readonly<Record<string, MessageSpec>>;

const scalars = new Set<string>(['string', 'bool', 'int32', 'int64', 'double', 'bytes']);
const wellKnown = new Set<string>(['time', 'microtime', 'intstr', 'quantity', 'raw', 'fieldsv1', 'strings']);
const specPattern = /^(\d+) (\*)?(\[\])?(?:map<string,([\w.]+)>|([\w.]+))(!)?$/;

function valueType(pkg: string, name: string): ValueType {
  if (scalars.has(name)) return { kind: 'scalar', scalar: name as ScalarKind };
  if (wellKnown.has(name)) return { kind: 'wellknown', wellKnown: name as WellKnownKind };
  return { kind: 'message', message: name.includes('.') ? name : `${pkg}.${name}` };
}

/** Parses one field spec; throws (a programming error) on a malformed table entry. */
export function parseField(pkg: string, json: string, spec: string): FieldDescriptor {
  const m = specPattern.exec(spec);
  if (!m) throw new Error(`protobuf schema: bad spec ${JSON.stringify(spec)} for ${pkg} field ${json}`);
  const [, num, pointer, repeated, mapValue, typeName, required] = m;
  const inline = json === '...';
  return {
    number: Number(num),
    json: inline ? '' : json,
    inline,
    repeated: repeated !== undefined,
    map: mapValue !== undefined,
    value: valueType(pkg, mapValue ?? typeName),
    presence: pointer ? 'pointer' : required ? 'required' : 'value',
  };
}

/**
 * All messages known to the codec. Tables are compiled lazily on first use so
 * importing the codec costs nothing until a protobuf body arrives.
 */
export class SchemaRegistry {
  private readonly specs = new Map<string, MessageSpec>();
  private readonly compiled = new Map<string, MessageDescriptor>();

  add(pkg: string, table: PackageSpec): this {
    for (const [name, spec] of Object.entries(table)) this.specs.set(`${pkg}.${name}`, spec);
    return this;
  }

  has(name: string): boolean {
    return this.specs.has(name);
  }

  names(): string[] {
    return [...this.specs.keys()];
  }

  get(name: string): MessageDescriptor {
    let d = this.compiled.get(name);
    if (d) return d;
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`protobuf schema: unknown message ${name}`);
    const pkg = name.slice(0, name.indexOf('.'));
    const fields = Object.entries(spec)
      .map(([json, s]) => parseField(pkg, json, s))
      .sort((a, b) => a.number - b.number);
    d = { name, fields, byNumber: new Map(fields.map((f) => [f.number, f])) };
    this.compiled.set(name, d);
    return d;
  }
}

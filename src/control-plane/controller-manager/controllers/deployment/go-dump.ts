/**
 * A model of Go values just rich enough to reproduce what
 * `dump.ForHash` (go-spew `%#v` with SortKeys, DisableMethods, no pointer
 * addresses, no capacities) prints for a decoded API object. The deployment
 * controller hashes that text to name ReplicaSets, so the output must match
 * byte for byte: type annotations `(T)`, raw strings, `<nil>`, `map[k:v]`
 * with sorted keys, `{Field:value ...}`.
 *
 * JSON values are read the way a protobuf-decoded object looks in
 * kube-controller-manager: an absent, null or empty list is a nil slice, an
 * absent or empty map prints `map[]`, a present object behind a pointer is a
 * non-nil pointer (even when empty).
 */
export type GoType =
  | { k: 'string' | 'int' | 'bool'; name: string }
  | { k: 'ptr'; elem: GoType }
  | { k: 'slice'; elem: GoType; name?: string }
  | { k: 'map'; key: GoType; elem: GoType; name?: string }
  | { k: 'struct'; name: string; fields: () => GoField[] }
  | { k: 'custom'; name: string; render: (w: SpewWriter, v: unknown) => void };

/** A struct field: Go name, JSON name (`''` = inlined/embedded), type. */
export type GoField = [goName: string, json: string, type: GoType];

/** A struct whose layout we do not model; a non-nil value makes the dump fail (callers fall back). */
export class UnmodeledTypeError extends Error {
  constructor(readonly typeName: string) {
    super(`no Go layout modeled for ${typeName}`);
  }
}

export function typeString(t: GoType): string {
  switch (t.k) {
    case 'ptr':
      return `*${typeString(t.elem)}`;
    case 'slice':
      return t.name ?? `[]${typeString(t.elem)}`;
    case 'map':
      return t.name ?? `map[${typeString(t.key)}]${typeString(t.elem)}`;
    default:
      return t.name;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's string ordering (bytewise UTF-8), which SortKeys uses for string keys. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The spew formatter's state machine: `ignoreNextType` suppresses the `(T)`
 * prefix for slice elements, map keys/values and dereferenced pointers,
 * exactly where spew does.
 */
export class SpewWriter {
  private readonly parts: string[] = [];
  ignoreNextType = false;

  write(s: string): void {
    this.parts.push(s);
  }

  text(): string {
    return this.parts.join('');
  }

  format(t: GoType, v: unknown): void {
    if (t.k === 'ptr') {
      this.formatPtr(t, v);
      return;
    }
    if (!this.ignoreNextType) this.write(`(${typeString(t)})`);
    this.ignoreNextType = false;
    switch (t.k) {
      case 'bool':
        this.write(v === true ? 'true' : 'false');
        return;
      case 'int':
        this.write(typeof v === 'bigint' ? v.toString() : String(typeof v === 'number' ? Math.trunc(v) : 0));
        return;
      case 'string':
        this.write(typeof v === 'string' ? v : '');
        return;
      case 'slice': {
        if (!Array.isArray(v) || v.length === 0) {
          this.write('<nil>');
          return;
        }
        this.write('[');
        v.forEach((item, i) => {
          if (i > 0) this.write(' ');
          this.ignoreNextType = true;
          this.format(t.elem, item);
        });
        this.write(']');
        return;
      }
      case 'map': {
        this.write('map[');
        const entries = isObject(v) ? Object.entries(v) : [];
        entries.sort(([a], [b]) => compareGoStrings(a, b));
        entries.forEach(([key, val], i) => {
          if (i > 0) this.write(' ');
          this.ignoreNextType = true;
          this.format(t.key, key);
          this.write(':');
          this.ignoreNextType = true;
          this.format(t.elem, val);
        });
        this.write(']');
        return;
      }
      case 'struct':
        this.formatStruct(t, isObject(v) ? v : undefined);
        return;
      case 'custom':
        t.render(this, v);
        return;
    }
  }

  /** A struct value; `undefined` is the zero value (every field zero). */
  private formatStruct(t: { name: string; fields: () => GoField[] }, v: Record<string, unknown> | undefined): void {
    this.write('{');
    t.fields().forEach(([goName, json, ft], i) => {
      if (i > 0) this.write(' ');
      this.write(`${goName}:`);
      // An embedded struct reads its fields from the same JSON object.
      const fv = json === '' ? v : v?.[json];
      this.format(ft, fv);
    });
    this.write('}');
  }

  private formatPtr(t: { elem: GoType }, v: unknown): void {
    const nil = v === undefined || v === null;
    if (nil && this.ignoreNextType) {
      this.write('<nil>');
      return;
    }
    if (!this.ignoreNextType) this.write(nil ? `(${typeString(t as GoType)})` : `(*${typeString(t.elem)})`);
    else this.write('<*>');
    if (nil) {
      this.write('<nil>');
      return;
    }
    this.ignoreNextType = true;
    this.format(t.elem, v);
  }
}

/** `dump.ForHash(value)` for a value of Go type `t` given as decoded JSON. Throws UnmodeledTypeError. */
export function dumpForHash(t: GoType, v: unknown): string {
  const w = new SpewWriter();
  w.format(t, v);
  return w.text();
}

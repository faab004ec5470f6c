/**
 * A parser for the proto3 subset our embedded CRI schema uses (messages with
 * nested messages/enums, repeated and map fields, enums, services with unary or
 * streaming rpcs; options and `reserved` are accepted and ignored). It produces
 * the protobufjs JSON namespace format that `@grpc/proto-loader`'s `fromJSON`
 * takes, so the schema needs no file at run time and no direct dependency on
 * protobufjs. Field names are converted to camelCase here (proto-loader's
 * `keepCase` only applies to files), which is the shape every wrapper uses.
 */
export interface ProtoField {
  type: string;
  id: number;
  rule?: 'repeated';
  keyType?: string;
}

export interface ProtoMethod {
  requestType: string;
  responseType: string;
  requestStream?: boolean;
  responseStream?: boolean;
}

/** One node of the protobufjs JSON namespace (`INamespace`/`IType`/`IEnum`/`IService`). */
export interface ProtoNamespace {
  nested?: Record<string, ProtoNamespace>;
  fields?: Record<string, ProtoField>;
  values?: Record<string, number>;
  methods?: Record<string, ProtoMethod>;
}

export class ProtoParseError extends Error {
  override name = 'ProtoParseError';
}

/** protobufjs's camelCase rule: `pod_sandbox_id` -> `podSandboxId`. */
export function protoCamelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

const tokenRe = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\]|\\.)*"|-?\d+|[A-Za-z_][\w.]*|[{}()<>;=,[\]]/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  tokenRe.lastIndex = 0;
  while (tokenRe.lastIndex < src.length) {
    const at = tokenRe.lastIndex;
    const m = tokenRe.exec(src);
    if (!m) throw new ProtoParseError(`unexpected character ${JSON.stringify(src[at])} at offset ${at}`);
    const t = m[0];
    if (/^\s/.test(t) || t.startsWith('//') || t.startsWith('/*')) continue;
    out.push(t);
  }
  return out;
}

class Cursor {
  private i = 0;
  constructor(private readonly toks: string[]) {}
  get done(): boolean {
    return this.i >= this.toks.length;
  }
  peek(): string | undefined {
    return this.toks[this.i];
  }
  next(): string {
    const t = this.toks[this.i++];
    if (t === undefined) throw new ProtoParseError('unexpected end of input');
    return t;
  }
  expect(want: string): void {
    const t = this.next();
    if (t !== want) throw new ProtoParseError(`expected ${JSON.stringify(want)}, got ${JSON.stringify(t)}`);
  }
  ident(): string {
    const t = this.next();
    if (!/^[A-Za-z_][\w.]*$/.test(t)) throw new ProtoParseError(`expected an identifier, got ${JSON.stringify(t)}`);
    return t;
  }
  int(): number {
    const t = this.next();
    if (!/^-?\d+$/.test(t)) throw new ProtoParseError(`expected a number, got ${JSON.stringify(t)}`);
    return Number(t);
  }
  /** Skips through the matching close of an already-consumed opening bracket. */
  skipBalanced(open: string, close: string): void {
    for (let depth = 1; depth > 0;) {
      const t = this.next();
      if (t === open) depth++;
      else if (t === close) depth--;
    }
  }
  skipStatement(): void {
    while (this.next() !== ';');
  }
}

function define(ns: ProtoNamespace, name: string, node: ProtoNamespace): void {
  ns.nested ??= {};
  if (name in ns.nested) throw new ProtoParseError(`duplicate definition of ${name}`);
  ns.nested[name] = node;
}

function skipFieldOptions(c: Cursor): void {
  if (c.peek() === '[') {
    c.next();
    c.skipBalanced('[', ']');
  }
  c.expect(';');
}

function parseEnum(c: Cursor): ProtoNamespace {
  const values: Record<string, number> = {};
  c.expect('{');
  while (c.peek() !== '}') {
    const name = c.ident();
    if (name === 'option' || name === 'reserved') {
      c.skipStatement();
      continue;
    }
    c.expect('=');
    values[name] = c.int();
    skipFieldOptions(c);
  }
  c.expect('}');
  return { values };
}

function parseField(c: Cursor, first: string, fields: Record<string, ProtoField>): void {
  let field: ProtoField;
  let name: string;
  if (first === 'map') {
    c.expect('<');
    const keyType = c.ident();
    c.expect(',');
    const type = c.ident();
    c.expect('>');
    name = c.ident();
    c.expect('=');
    field = { keyType, type, id: c.int() };
  } else {
    const repeated = first === 'repeated';
    const type = repeated || first === 'optional' ? c.ident() : first;
    name = c.ident();
    c.expect('=');
    field = repeated ? { rule: 'repeated', type, id: c.int() } : { type, id: c.int() };
  }
  skipFieldOptions(c);
  const key = protoCamelCase(name);
  if (key in fields) throw new ProtoParseError(`duplicate field ${name}`);
  if (Object.values(fields).some((f) => f.id === field.id))
    throw new ProtoParseError(`duplicate field number ${field.id}`);
  fields[key] = field;
}

function parseMessage(c: Cursor): ProtoNamespace {
  const node: ProtoNamespace = { fields: {} };
  c.expect('{');
  while (c.peek() !== '}') {
    const t = c.ident();
    if (t === 'message') define(node, c.ident(), parseMessage(c));
    else if (t === 'enum') define(node, c.ident(), parseEnum(c));
    else if (t === 'option' || t === 'reserved') c.skipStatement();
    else if (t === 'oneof') {
      c.ident();
      c.expect('{');
      while (c.peek() !== '}') parseField(c, c.ident(), node.fields!);
      c.expect('}');
    } else parseField(c, t, node.fields!);
  }
  c.expect('}');
  return node;
}

function parseService(c: Cursor): ProtoNamespace {
  const methods: Record<string, ProtoMethod> = {};
  c.expect('{');
  while (c.peek() !== '}') {
    const t = c.ident();
    if (t === 'option') {
      c.skipStatement();
      continue;
    }
    if (t !== 'rpc') throw new ProtoParseError(`expected "rpc", got ${JSON.stringify(t)}`);
    const name = c.ident();
    const method: Partial<ProtoMethod> = {};
    for (const side of ['request', 'response'] as const) {
      if (side === 'response') c.expect('returns');
      c.expect('(');
      let type = c.ident();
      if (type === 'stream' && c.peek() !== ')') {
        method[`${side}Stream`] = true;
        type = c.ident();
      }
      method[`${side}Type`] = type;
      c.expect(')');
    }
    if (c.peek() === '{') {
      c.next();
      c.skipBalanced('{', '}');
    } else c.expect(';');
    methods[name] = method as ProtoMethod;
  }
  c.expect('}');
  return { methods };
}

/**
 * Parses `source` into `root` (a fresh namespace when omitted) and returns it.
 * Several sources may share one root: each declares its package, and a name
 * defined twice is an error.
 */
export function parseProto(source: string, root: ProtoNamespace = {}): ProtoNamespace {
  const c = new Cursor(tokenize(source));
  let pkg = root;
  while (!c.done) {
    const t = c.ident();
    if (t === 'syntax') {
      c.expect('=');
      const v = c.next();
      if (v !== '"proto3"') throw new ProtoParseError(`unsupported syntax ${v}`);
      c.expect(';');
    } else if (t === 'package') {
      pkg = root;
      for (const part of c.ident().split('.')) {
        pkg.nested ??= {};
        pkg = pkg.nested[part] ??= {};
      }
      c.expect(';');
    } else if (t === 'option' || t === 'import') c.skipStatement();
    else if (t === 'message') define(pkg, c.ident(), parseMessage(c));
    else if (t === 'enum') define(pkg, c.ident(), parseEnum(c));
    else if (t === 'service') define(pkg, c.ident(), parseService(c));
    else throw new ProtoParseError(`unexpected ${JSON.stringify(t)} at top level`);
  }
  return root;
}

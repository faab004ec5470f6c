import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  stringify,
  type Document,
  type Scalar,
} from 'yaml';
import { badRequest, StatusError } from '../errors/status-error.js';
import { formatFloatKey, resolveScalar, YAMLScalarError, type Resolved } from './yaml-scalar.js';

/**
 * YAML bodies and manifests, converted to JSON values the way sigs.k8s.io/yaml
 * (go-yaml v2 underneath) does for kube-apiserver and kubectl: YAML 1.1 scalar
 * resolution (yaml-scalar.ts), non-string keys stringified (`1`, `true`, float
 * keys in Go's %g), merge keys (`<<`), anchors/aliases; a repeated key keeps
 * its last value and is reported the way go-yaml's strict mode words it
 * (`line 5: key "name" already set in map`). The `yaml` package only
 * tokenises (failsafe schema, so every scalar arrives as text); the resolution
 * is ours, to match Go rather than YAML 1.2.
 */
const MAX_DEPTH = 1000;
/** Bounds alias expansion ("billion laughs"): decoded nodes per document. */
const MAX_NODES = 1_000_000;

const parseOptions = (lineCounter: LineCounter) =>
  ({ version: '1.1', schema: 'failsafe', uniqueKeys: false, strict: false, lineCounter }) as const;

class YAMLFailure extends Error {}

const utf8 = new TextDecoder('utf-8');
const toText = (input: string | Uint8Array) => (typeof input === 'string' ? input : utf8.decode(input));

interface Converter {
  doc: Document;
  lines: LineCounter;
  duplicates: string[];
  nodes: number;
  /** Collections being converted, to reject an alias to its own ancestor. */
  active: Set<unknown>;
}

const line = (c: Converter, node: { range?: [number, number, number] | null }) =>
  c.lines.linePos(node.range?.[0] ?? 0).line;

function scalarOf(node: Scalar): Resolved {
  const source = node.value === null || node.value === undefined ? '' : String(node.value);
  try {
    return resolveScalar(source, node.type === 'PLAIN' || node.type === undefined, node.tag ?? undefined);
  } catch (e) {
    if (e instanceof YAMLScalarError) throw new YAMLFailure(e.message);
    throw e;
  }
}

function deref(c: Converter, node: unknown): unknown {
  if (!isAlias(node)) return node;
  const target = node.resolve(c.doc);
  if (target === undefined) throw new YAMLFailure(`unknown anchor '${node.source}' referenced`);
  if (c.active.has(target)) throw new YAMLFailure(`anchor '${node.source}' value contains itself`);
  return target;
}

const MERGE = Symbol('merge');

function keyString(c: Converter, keyNode: unknown): string | typeof MERGE {
  const node = deref(c, keyNode);
  if (node === null || node === undefined) throw new YAMLFailure('unsupported map key of type: <nil>');
  if (!isScalar(node)) throw new YAMLFailure('invalid map key: a map or sequence');
  if (node.type === 'PLAIN' && node.value === '<<' && !node.tag) return MERGE;
  const r = scalarOf(node);
  switch (r.tag) {
    case 'int':
      return String(r.value);
    case 'float':
      return formatFloatKey(r.value);
    case 'bool':
      return r.value ? 'true' : 'false';
    case 'null':
      throw new YAMLFailure('unsupported map key of type: <nil>');
    default:
      return String(r.value);
  }
}
function setKey(c: Converter, out: Record<string, unknown>, key: string, value: unknown, at: number) {
  if (Object.hasOwn(out, key)) c.duplicates.push(`line ${at}: key ${JSON.stringify(key)} already set in map`);
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function mergeInto(c: Converter, out: Record<string, unknown>, valueNode: unknown, depth: number, at: number) {
  const source = deref(c, valueNode);
  const sources = isSeq(source) ? [...source.items].reverse() : [source];
  for (const s of sources) {
    const m = deref(c, s);
    if (!isMap(m)) throw new YAMLFailure('map merge requires map or sequence of maps as the value');
    const merged = convert(c, m, depth + 1) as Record<string, unknown>;
    for (const [k, v] of Object.entries(merged)) setKey(c, out, k, v, at);
  }
}

function convert(c: Converter, input: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new YAMLFailure(`exceeded max depth of ${MAX_DEPTH}`);
  if (++c.nodes > MAX_NODES) throw new YAMLFailure('document contains excessive aliasing');
  const node = deref(c, input);
  if (node === null || node === undefined) return null;
  if (isScalar(node)) {
    const r = scalarOf(node);
    if (r.tag === 'float' && !Number.isFinite(r.value)) {
      const text = Number.isNaN(r.value) ? 'NaN' : r.value > 0 ? '+Inf' : '-Inf';
      throw new YAMLFailure(`json: unsupported value: ${text}`);
    }
    return r.value;
  }
  if (isSeq(node)) {
    c.active.add(node);
    const out = node.items.map((item) => convert(c, item, depth + 1));
    c.active.delete(node);
    return out;
  }
  if (isMap(node)) {
    c.active.add(node);
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const at = line(c, (pair.value ?? pair.key ?? {}) as { range?: [number, number, number] });
      const key = keyString(c, pair.key);
      if (key === MERGE) mergeInto(c, out, pair.value, depth, at);
      else setKey(c, out, key, convert(c, pair.value, depth + 1), at);
    }
    c.active.delete(node);
    return out;
  }
  throw new YAMLFailure('unsupported YAML node');
}

function syntaxError(doc: Document): YAMLFailure | undefined {
  const err = doc.errors[0];
  if (!err) return undefined;
  const text = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const messages: Record<string, string> = {
    BLOCK_AS_IMPLICIT_KEY: 'mapping values are not allowed in this context',
    TAB_AS_INDENT: 'found character that cannot start any token',
  };
  // The tokenizer recurses per nesting level; it reports a stack overflow as a parse error.
  if (/call stack/i.test(text)) return new YAMLFailure(`exceeded max depth of ${MAX_DEPTH}`);
  const where = err.linePos?.[0]?.line;
  return new YAMLFailure(`${where ? `line ${where}: ` : ''}${messages[err.code] ?? text}`);
}

/**
 * Rejects nesting deeper than MAX_DEPTH before the parser sees it: the
 * parser's time and memory grow steeply with depth (100 KB of `{"a":` took
 * seconds), so a hostile body must not get that far. Counts flow-collection
 * brackets and chained block-sequence dashes; quotes are not tracked, which
 * can only over-count for brackets inside strings — a real object never has
 * a thousand of them.
 */
function checkNesting(text: string): void {
  let depth = 0;
  let lineStart = true;
  let dashes = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5b || ch === 0x7b) {
      if (++depth > MAX_DEPTH) throw new YAMLFailure(`exceeded max depth of ${MAX_DEPTH}`);
    } else if (ch === 0x5d || ch === 0x7d) {
      if (depth > 0) depth--;
    } else if (ch === 0x0a) {
      lineStart = true;
      dashes = 0;
      continue;
    }
    if (!lineStart) continue;
    if (ch === 0x2d && (text.charCodeAt(i + 1) === 0x20 || text.charCodeAt(i + 1) === 0x0a)) {
      if (++dashes > MAX_DEPTH) throw new YAMLFailure(`exceeded max depth of ${MAX_DEPTH}`);
    } else if (ch !== 0x20) lineStart = false;
  }
}

/** Parses (the first or all) documents into JSON values; failures become BadRequest with `prefix`. */
function parseDocuments(input: string | Uint8Array, prefix: string, first: boolean, duplicates?: string[]): unknown[] {
  const lines = new LineCounter();
  try {
    const text = toText(input);
    checkNesting(text);
    const parsed = parseAllDocuments(text, parseOptions(lines));
    const docs = Array.isArray(parsed) ? parsed : [];
    const values: unknown[] = [];
    for (const doc of first ? docs.slice(0, 1) : docs) {
      const err = syntaxError(doc);
      if (err) throw err;
      const c: Converter = { doc, lines, duplicates: [], nodes: 0, active: new Set() };
      const value = convert(c, doc.contents, 0);
      duplicates?.push(...c.duplicates);
      values.push(value);
    }
    return values;
  } catch (e) {
    if (e instanceof StatusError) throw e;
    if (e instanceof YAMLFailure) throw badRequest(`${prefix}yaml: ${e.message}`);
    // Never let a RangeError (pathological nesting) or similar escape a decoder.
    if (e instanceof RangeError) throw badRequest(`${prefix}yaml: exceeded max depth of ${MAX_DEPTH}`);
    throw badRequest(`${prefix}yaml: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const goType = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v);
const notAnObject = (v: unknown) =>
  badRequest(
    `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goType(v)} into Go value of type map[string]interface {}`,
  );

export interface YAMLDecodeOptions {
  /** Receives go-yaml strict-mode messages for duplicated keys (`line 5: key "name" already set in map`). */
  duplicates?: string[];
}

/**
 * One YAML document as a JSON object (an `application/apply-patch+yaml` or
 * `application/yaml` body); like sigs.k8s.io/yaml.Unmarshal only the first
 * document counts, and an empty document is `{}`.
 */
export function decodeYAMLObject(input: string | Uint8Array, options: YAMLDecodeOptions = {}): Record<string, unknown> {
  const value = decodeYAML(input, options);
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw notAnObject(value);
  return value as Record<string, unknown>;
}

/**
 * The first YAML document as whatever JSON value it is (null when empty), as
 * sigs.k8s.io/yaml.YAMLToJSON produces it for kube-apiserver's YAML serializer.
 */
export function decodeYAML(input: string | Uint8Array, options: YAMLDecodeOptions = {}): unknown {
  const [value] = parseDocuments(input, 'error converting YAML to JSON: ', true, options.duplicates);
  return value ?? null;
}

/** go-yaml strict-mode messages for every duplicated key in the first document. */
export function findYAMLDuplicateKeys(input: string | Uint8Array): string[] {
  const duplicates: string[] = [];
  decodeYAMLObject(input, { duplicates });
  return duplicates;
}

function expandList(obj: Record<string, unknown>, out: Record<string, unknown>[]): void {
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (!kind.endsWith('List') || !Array.isArray(obj.items)) {
    out.push(obj);
    return;
  }
  const itemKind = kind.slice(0, -'List'.length);
  for (const item of obj.items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw notAnObject(item);
    const o = item as Record<string, unknown>;
    // Typed lists (PodList) may omit each item's kind; upstream infers it from the list.
    if (itemKind && !o.kind && !o.apiVersion) expandList({ ...o, apiVersion: obj.apiVersion, kind: itemKind }, out);
    else expandList(o, out);
  }
}

/**
 * A multi-document manifest (`kubectl apply -f` style) as JSON objects: empty
 * documents skipped, `kind: List` / `*List` documents expanded into their items.
 */
export function decodeYAMLDocuments(input: string | Uint8Array): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const value of parseDocuments(input, 'error converting YAML to JSON: ', false)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw notAnObject(value);
    expandList(value as Record<string, unknown>, out);
  }
  return out;
}

/**
 * YAML text in the style of sigs.k8s.io/yaml (what `kubectl get -o yaml` prints):
 * keys sorted, 2-space indentation, sequences not indented under their key,
 * strings that YAML 1.1 would read as something else (`"yes"`, `"0777"`) quoted.
 */
export function encodeYAML(obj: unknown): string {
  return stringify(obj, {
    version: '1.1',
    sortMapEntries: true,
    indentSeq: false,
    singleQuote: false,
    blockQuote: 'literal',
    lineWidth: 80,
  });
}

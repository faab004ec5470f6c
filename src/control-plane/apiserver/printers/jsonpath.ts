/**
 * The JSONPath dialect of client-go `util/jsonpath`, as CRD
 * `additionalPrinterColumns` use it: `.spec.replicas`, `.metadata.labels.app`,
 * `.metadata.labels.app\.kubernetes\.io/name`, `['key']`, `[0]`, `[-1]`,
 * `[1:3]`, `[*]`, `.*`, `..name` and filters such as
 * `.status.conditions[?(@.type=="Ready")].status`.
 *
 * Evaluation follows the upstream walker with missing keys allowed (what the
 * CRD table convertor enables): a missing field yields no result; a bad index,
 * a filter on a non-list or an incomparable filter operand is an error.
 * `compileJsonPath` throws on syntax errors so callers can validate up front.
 */

type Step =
  | { kind: 'field'; names: string[] }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'slice'; start?: number; end?: number; endDerived: boolean; step?: number }
  | { kind: 'filter'; left: Step[]; op: FilterOp; right: Operand };

type FilterOp = 'exists' | '==' | '!=' | '<' | '>' | '<=' | '>=';
type Operand = { path: Step[] } | { literal: string | number | boolean };

export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

const TERMINATORS = new Set([' ', '\t', '\r', '\n', '.', ',', '[', ']', '$', '@', '{', '}']);
const SLICE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;

/** Parses the inside of one `{...}` action into steps. */
function parseSteps(src: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '$' || c === '@') {
      i++;
    } else if (c === '.') {
      // `..name` descends recursively, then selects `name`.
      if (src[i + 1] === '.') {
        steps.push({ kind: 'recursive' });
        i += 2;
      } else {
        i++;
      }
      i = parseField(src, i, steps);
    } else if (c === '[') {
      i = parseBracket(src, i, steps);
    } else {
      throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(c)}`);
    }
  }
  return steps;
}

/** Parses a field name up to the next unescaped terminator; returns the index after it. */
function parseField(src: string, start: number, steps: Step[]): number {
  let i = start;
  let name = '';
  while (i < src.length && !TERMINATORS.has(src[i]!)) {
    // A backslash escapes the next character (typically a dot in a label key).
    if (src[i] === '\\' && i + 1 < src.length) i++;
    name += src[i];
    i++;
  }
  if (name === '*') steps.push({ kind: 'wildcard' });
  else if (name !== '') steps.push({ kind: 'field', names: [name] });
  return i;
}

/** Parses `[...]` starting at `start`; returns the index after the closing bracket. */
function parseBracket(src: string, start: number, steps: Step[]): number {
  if (src.startsWith('[?(', start)) return parseFilter(src, start, steps);
  const close = findClose(src, start);
  const body = src.slice(start + 1, close).trim();
  if (body.startsWith("'") || body.startsWith('"')) {
    const names = splitQuoted(body);
    steps.push({ kind: 'field', names });
  } else if (body === '*') {
    steps.push({ kind: 'wildcard' });
  } else {
    const m = SLICE.exec(body);
    if (!m) throw new JsonPathError(`invalid array index [${body}]`);
    const num = (s: string | undefined, colon: boolean) => {
      const v = colon ? s?.slice(1) : s;
      return v === undefined || v === '' ? undefined : Number(v);
    };
    const first = num(m[1], false);
    const second = m[2] === undefined ? undefined : num(m[2], true);
    // `[n]` means `[n:n+1]`; the derived end is resolved against the length later.
    const derived = m[2] === undefined;
    steps.push({
      kind: 'slice',
      start: first,
      end: derived ? (first ?? 0) + 1 : second,
      endDerived: derived,
      step: m[3] === undefined ? undefined : num(m[3], true),
    });
  }
  return close + 1;
}

function findClose(src: string, start: number): number {
  let quote = '';
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ']') {
      return i;
    }
  }
  throw new JsonPathError('unterminated array');
}

function unquote(s: string): string {
  const q = s[0];
  if (s.length < 2 || s[s.length - 1] !== q) throw new JsonPathError(`unterminated quoted string ${s}`);
  return s.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => ({ n: '\n', t: '\t', r: '\r' })[ch] ?? ch);
}

function splitQuoted(body: string): string[] {
  const names: string[] = [];
  const re = /\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*(,|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < body.length && (m = re.exec(body))) names.push(unquote(m[1]!));
  if (re.lastIndex !== body.length || names.length === 0) throw new JsonPathError(`invalid field list [${body}]`);
  return names;
}

const FILTER = /^([^!<>=]+)([!<>=]+)(.+?)$/;

function parseFilter(src: string, start: number, steps: Step[]): number {
  // Scan to the `)` that closes the filter, skipping over one quoted operand.
  let quote = '';
  let i = start + 3;
  for (; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === quote && src[i - 1] !== '\\') quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ')') {
      break;
    }
  }
  if (i >= src.length) throw new JsonPathError('unterminated filter');
  if (src[i + 1] !== ']') throw new JsonPathError('unclosed array expect ]');
  const text = src.slice(start + 3, i);
  const m = FILTER.exec(text);
  if (!m) {
    steps.push({ kind: 'filter', left: parseSteps(text), op: 'exists', right: { literal: true } });
  } else {
    const op = m[2] as FilterOp;
    if (!['==', '!=', '<', '>', '<=', '>='].includes(op)) throw new JsonPathError(`unrecognized filter operator ${op}`);
    steps.push({ kind: 'filter', left: parseSteps(m[1]!), op, right: parseOperand(m[3]!.trim()) });
  }
  return i + 2;
}

function parseOperand(text: string): Operand {
  if (text.startsWith("'") || text.startsWith('"')) return { literal: unquote(text) };
  if (text === 'true' || text === 'false') return { literal: text === 'true' };
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) return { literal: Number(text) };
  return { path: parseSteps(text) };
}

/** A compiled path: `find` returns every match (possibly none); it throws JsonPathError on evaluation errors. */
export interface JsonPath {
  readonly source: string;
  find(data: unknown): unknown[];
}

export function compileJsonPath(expression: string): JsonPath {
  let src = expression.trim();
  if (src.startsWith('{') && src.endsWith('}')) src = src.slice(1, -1);
  if (src.includes('{') || src.includes('}')) throw new JsonPathError(`unsupported template in ${expression}`);
  const steps = parseSteps(src);
  return { source: expression, find: (data) => walk([data], steps) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(input: unknown[], steps: Step[]): unknown[] {
  let values = input;
  for (const step of steps) values = apply(values, step);
  return values;
}

function apply(input: unknown[], step: Step): unknown[] {
  const out: unknown[] = [];
  switch (step.kind) {
    case 'field':
      for (const v of input) {
        if (!isObject(v)) continue;
        for (const name of step.names) if (Object.hasOwn(v, name)) out.push(v[name]);
      }
      return out;
    case 'wildcard':
      for (const v of input) {
        if (Array.isArray(v)) out.push(...v);
        else if (isObject(v)) out.push(...Object.values(v));
      }
      return out;
    case 'recursive':
      for (const v of input) descend(v, out);
      return out;
    case 'slice':
      for (const v of input) {
        if (v == null) continue;
        if (!Array.isArray(v)) throw new JsonPathError(`${typeof v} is not array or slice`);
        out.push(...slice(v, step));
      }
      return out;
    case 'filter':
      for (const v of input) {
        if (v == null) continue;
        if (!Array.isArray(v)) throw new JsonPathError(`${typeof v} is not array or slice and cannot be filtered`);
        for (const item of v) if (passes(item, step)) out.push(item);
      }
      return out;
  }
}

/** The node itself when it has children, then everything below it. */
function descend(v: unknown, out: unknown[]): void {
  const children = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [];
  if (children.length === 0) return;
  out.push(v);
  for (const c of children) descend(c, out);
}

function slice(list: unknown[], s: Extract<Step, { kind: 'slice' }>): unknown[] {
  const len = list.length;
  let start = s.start ?? 0;
  if (start < 0) start += len;
  let end = s.end ?? len;
  if (end < 0 || (end === 0 && s.endDerived)) end += len;
  if (end === start) return [];
  if (start >= len || start < 0) throw new JsonPathError(`array index out of bounds: index ${start}, length ${len}`);
  if (end > len || end < 0) throw new JsonPathError(`array index out of bounds: index ${end - 1}, length ${len}`);
  if (start > end) throw new JsonPathError(`starting index ${start} is greater than ending index ${end}`);
  const stepBy = s.step ?? 1;
  if (stepBy <= 0) throw new JsonPathError('step must be > 0');
  const out: unknown[] = [];
  for (let i = start; i < end; i += stepBy) out.push(list[i]);
  return out;
}

function passes(item: unknown, f: Extract<Step, { kind: 'filter' }>): boolean {
  const lefts = walk([item], f.left);
  if (f.op === 'exists') return lefts.length > 0;
  if (lefts.length === 0) return false;
  if (lefts.length > 1) throw new JsonPathError('can only compare one element at a time');
  const rights = 'literal' in f.right ? [f.right.literal] : walk([item], f.right.path);
  if (rights.length === 0) return false;
  if (rights.length > 1) throw new JsonPathError('can only compare one element at a time');
  return compare(lefts[0], rights[0], f.op);
}

/** Go template comparison: same basic kind only (int, float, string, bool); bools only for (in)equality. */
function compare(a: unknown, b: unknown, op: FilterOp): boolean {
  const kind = (v: unknown) =>
    typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v === 'string' ? 'string' : typeof v;
  const ka = kind(a);
  const kb = kind(b);
  const comparable = ka === kb && (ka === 'int' || ka === 'float' || ka === 'string' || ka === 'boolean');
  if (!comparable) throw new JsonPathError('incompatible types for comparison');
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (ka === 'boolean') throw new JsonPathError('invalid type for comparison');
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    default:
      return x >= y;
  }
}

/**
 * String functions Kubernetes enables from cel-go's `ext.Strings` that the
 * CEL library does not already provide (`replace`, `charAt`, `reverse`,
 * `format`), and the Kubernetes regex library (`find`, `findAll`, apiserver
 * `pkg/cel/library/regex.go`) with RE2 semantics.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { compileGoPattern } from '../schema/structural/go-regexp.js';
import { CelEvalError } from './errors.js';
import { fromCelValue } from './values.js';

/** Go's strings.Replace: at most `n` replacements (all when n < 0); an empty `from` matches around every rune. */
function replace(s: string, from: string, to: string, n: bigint): string {
  if (n === 0n) return s;
  let count = 0n;
  const more = () => n < 0n || count < n;
  if (from === '') {
    const runes = [...s];
    let out = '';
    for (let i = 0; i <= runes.length; i++) {
      if (more()) {
        out += to;
        count++;
      }
      out += runes[i] ?? '';
    }
    return out;
  }
  let out = '';
  let rest = s;
  for (let at = rest.indexOf(from); at >= 0 && more(); at = rest.indexOf(from)) {
    out += rest.slice(0, at) + to;
    rest = rest.slice(at + from.length);
    count++;
  }
  return out + rest;
}

function charAt(s: string, i: bigint): string {
  const cps = [...s];
  if (i < 0n || i > BigInt(cps.length)) throw new CelEvalError(`index out of range: ${i}`);
  return cps[Number(i)] ?? '';
}

function formatValue(verb: string, v: unknown, precision: number | undefined): string {
  switch (verb) {
    case 's':
      return typeof v === 'string' ? v : (JSON.stringify(fromCelValue(v)) ?? 'null');
    case 'd':
      if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isInteger(v)))
        throw new CelEvalError('error during formatting: decimal clause can only be used on integers');
      return String(v);
    case 'f':
    case 'e': {
      const n = Number(v);
      const p = precision ?? 6;
      return verb === 'f' ? n.toFixed(p) : n.toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2');
    }
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      const base = verb === 'o' ? 8 : verb === 'b' ? 2 : 16;
      const out = typeof v === 'string' ? Buffer.from(v).toString('hex') : BigInt(v as bigint).toString(base);
      return verb === 'X' ? out.toUpperCase() : out;
    }
    default:
      throw new CelEvalError(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
  }
}

function format(s: string, args: unknown[]): string {
  let i = 0;
  return s.replace(/%(?:\.(\d+))?([a-zA-Z%])/g, (_m, prec: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) throw new CelEvalError(`index ${i} out of range`);
    return formatValue(verb, args[i++], prec === undefined ? undefined : Number(prec));
  });
}

function regex(pattern: string): RegExp {
  const c = compileGoPattern(pattern);
  if (!c.re) throw new CelEvalError(`error parsing regexp: ${c.error}`);
  return new RegExp(c.re.source, c.re.flags.includes('g') ? c.re.flags : `${c.re.flags}g`);
}

function findAll(s: string, pattern: string, n: bigint): string[] {
  if (n === 0n) return [];
  const out: string[] = [];
  for (const m of s.matchAll(regex(pattern))) {
    out.push(m[0]);
    if (n > 0n && BigInt(out.length) >= n) break;
  }
  return out;
}

export function registerStringsLibrary(env: Environment): void {
  env.registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
    replace(s, a, b, -1n),
  );
  env.registerFunction('string.replace(string, string, int): string', replace);
  env.registerFunction('string.charAt(int): string', charAt);
  env.registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''));
  env.registerFunction('string.format(list): string', format);
  env.registerFunction('string.find(string): string', (s: string, p: string) => regex(p).exec(s)?.[0] ?? '');
  env.registerFunction('string.findAll(string): list<string>', (s: string, p: string) => findAll(s, p, -1n));
  env.registerFunction('string.findAll(string, int): list<string>', findAll);
}

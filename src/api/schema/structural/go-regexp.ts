/**
 * `pattern` keywords are Go RE2 expressions. This compiles one into a JS RegExp
 * with the same matching behaviour for the syntax CRDs use (leading `(?i)`-style
 * flags, `\A`/`\z`, `\pL`, POSIX classes, `(?P<name>`), and rejects what RE2
 * rejects (look-around, back-references) with Go's error text, because
 * kube-apiserver reports `must be a valid regular expression, but isn't: <err>`.
 * Compiled expressions are cached: schemas are long-lived and patterns repeat.
 */

export type CompiledPattern = { re: RegExp; error?: undefined } | { re?: undefined; error: string };

const cache = new Map<string, CompiledPattern>();
const CACHE_MAX = 4096;

const posixClasses: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

function goError(pattern: string): string | undefined {
  for (const bad of ['(?=', '(?!', '(?<=', '(?<!']) {
    if (pattern.includes(bad)) return `error parsing regexp: invalid or unsupported Perl syntax: \`${bad}\``;
  }
  const backref = /\\[1-9]/.exec(pattern);
  if (backref && !isEscaped(pattern, backref.index)) {
    return `error parsing regexp: invalid escape sequence: \`${backref[0]}\``;
  }
  return undefined;
}

/** Whether the backslash at `i` is itself escaped (preceded by an odd number of backslashes). */
function isEscaped(s: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

function translate(pattern: string): { source: string; flags: string } {
  let source = pattern;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    source = source.slice(lead[0].length);
    for (const f of lead[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  source = source
    .replace(/\\Q(.*?)(\\E|$)/gs, (_m, lit: string) => lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
      const cls = posixClasses[name];
      return cls === undefined || neg ? m : cls;
    })
    .replace(/\\([pP])([A-Za-z])(?![{A-Za-z])/g, '\\$1{$2}')
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$');
  return { source, flags };
}

/** Compiles a Go regular expression; `error` carries Go-style text when it is invalid. */
export function compileGoPattern(pattern: string): CompiledPattern {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let out: CompiledPattern;
  const bad = goError(pattern);
  if (bad) {
    out = { error: bad };
  } else {
    const { source, flags } = translate(pattern);
    try {
      out = { re: new RegExp(source, `${flags}u`) };
    } catch {
      try {
        // Go accepts escaped punctuation that unicode-mode JS rejects; plain mode accepts it.
        out = { re: new RegExp(source, flags) };
      } catch (err) {
        out = { error: `error parsing regexp: ${(err as Error).message}` };
      }
    }
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(pattern, out);
  return out;
}

/**
 * `$(VAR)` references in env values, command, args and subPathExpr, with the
 * Kubernetes rules (third_party/forked/golang/expansion): `$$` is an escaped
 * `$`; `$(NAME)` becomes the value when NAME is defined and stays as written
 * when it is not; any other `$` is kept; an unclosed `$(` is kept
 * literally (what follows it is still scanned).
 */

/** Expands references in `input`; `lookup` returns undefined for names that are not defined. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  if (!input.includes('$')) return input;
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // Unclosed: `$(` is literal and scanning goes on after it.
        out += '$(';
        i += 2;
        continue;
      }
      const name = input.slice(i + 2, close);
      const value = name === '' ? undefined : lookup(name);
      out += value ?? `$(${name})`;
      i = close + 1;
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}

/** A lookup over maps searched in order (the container's env first, then service variables). */
export function lookupIn(...maps: ReadonlyMap<string, string>[]): (name: string) => string | undefined {
  return (name) => {
    for (const m of maps) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

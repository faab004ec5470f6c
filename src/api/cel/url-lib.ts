/**
 * The Kubernetes CEL URL library basics (apiserver `pkg/cel/library/urls.go`):
 * `url(string)`, `isURL(string)` and the getters. URLs must be absolute (a
 * scheme) or an absolute path, as upstream's url.ParseRequestURI requires.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { CelEvalError } from './errors.js';

/** A CEL `kubernetes.URL` value. */
export class CelURL {
  constructor(
    readonly raw: string,
    readonly url: URL,
  ) {}
  toString(): string {
    return this.raw;
  }
}

const T = 'kubernetes.URL';

function parse(s: string): CelURL | undefined {
  if (/^\//.test(s)) {
    try {
      return new CelURL(s, new URL(s, 'relative:///'));
    } catch {
      return undefined;
    }
  }
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) return undefined;
  try {
    return new CelURL(s, new URL(s));
  } catch {
    return undefined;
  }
}

const isRelative = (u: CelURL) => u.url.protocol === 'relative:';

export function registerURLLibrary(env: Environment): void {
  env.registerType(T, CelURL);
  env.registerFunction(`url(string): ${T}`, (s: string) => {
    const u = parse(s);
    if (!u)
      throw new CelEvalError(`URL parse error during conversion from string: parse "${s}": invalid URI for request`);
    return u;
  });
  env.registerFunction('isURL(string): bool', (s: string) => parse(s) !== undefined);
  env.registerFunction(`${T}.getScheme(): string`, (u: CelURL) => (isRelative(u) ? '' : u.url.protocol.slice(0, -1)));
  env.registerFunction(`${T}.getHost(): string`, (u: CelURL) => (isRelative(u) ? '' : u.url.host));
  env.registerFunction(`${T}.getHostname(): string`, (u: CelURL) =>
    isRelative(u) ? '' : u.url.hostname.replace(/^\[(.*)\]$/, '$1'),
  );
  env.registerFunction(`${T}.getPort(): string`, (u: CelURL) => (isRelative(u) ? '' : u.url.port));
  env.registerFunction(`${T}.getEscapedPath(): string`, (u: CelURL) => u.url.pathname);
  env.registerFunction(`${T}.getQuery(): map<string, list<string>>`, (u: CelURL) => {
    const out: Record<string, string[]> = {};
    for (const [k, v] of u.url.searchParams) (out[k] ??= []).push(v);
    return out;
  });
}

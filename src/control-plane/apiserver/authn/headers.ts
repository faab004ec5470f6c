import type { ApiRequest } from '../types.js';

/**
 * Header access with Go's `http.Header` semantics: `first` is `Header.Get`
 * (the first value of a repeated header), `all` is `Header[name]`. Names are
 * lower-case. Transports that keep repeated values apart put them in
 * `headerLists`; otherwise the single joined value is all there is.
 */
export function firstHeader(req: ApiRequest, name: string): string | undefined {
  const list = req.headerLists?.[name];
  if (list && list.length) return list[0];
  return req.headers[name];
}

export function allHeaders(req: ApiRequest, name: string): string[] {
  const list = req.headerLists?.[name];
  if (list) return list;
  const v = req.headers[name];
  return v === undefined ? [] : [v];
}

/** Names of present headers starting with `prefix` (lower-case), from both maps, sorted. */
export function headerNamesWithPrefix(req: ApiRequest, prefix: string): string[] {
  const names = new Set<string>();
  for (const n of Object.keys(req.headers)) if (n.startsWith(prefix) && req.headers[n] !== undefined) names.add(n);
  for (const n of Object.keys(req.headerLists ?? {})) if (n.startsWith(prefix)) names.add(n);
  return [...names].sort();
}

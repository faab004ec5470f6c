import type { ApiRequest, PeerInfo } from '../types.js';

/** Builds an ApiRequest for authentication tests; header names are lower-cased, lists kept apart. */
export function fakeRequest(
  opts: { path?: string; headers?: Record<string, string | string[]>; peer?: PeerInfo } = {},
): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  const headerLists: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    const name = k.toLowerCase();
    const list = Array.isArray(v) ? v : [v];
    headers[name] = list.join(', ');
    headerLists[name] = list;
  }
  return {
    method: 'GET',
    path: opts.path ?? '/api/v1/namespaces/default/pods',
    query: new URLSearchParams(),
    headers,
    headerLists,
    peer: opts.peer ?? {},
    signal: new AbortController().signal,
  };
}

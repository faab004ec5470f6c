import type { GroupVersionResource } from '../api/scheme/types.js';

export type { GroupVersionResource } from '../api/scheme/types.js';

/** `{group, version, resource}` shorthand, e.g. `gvr('apps', 'v1', 'deployments')`. */
export function gvr(group: string, version: string, resource: string): GroupVersionResource {
  return { group, version, resource };
}

export interface PathParts {
  namespace?: string;
  name?: string;
  /** `status`, `scale`, `binding`, ...; may contain `/` (proxy paths), each segment is escaped. */
  subresource?: string;
}

const seg = (s: string) => encodeURIComponent(s);

/**
 * The REST path of a resource collection, object or subresource:
 * `/api/v1/namespaces/ns/pods/web/status`, `/apis/apps/v1/deployments`.
 * Throws for names that cannot appear in a path segment (client-go's
 * IsValidPathSegmentName: `.`, `..`, or containing `/` or `%`).
 */
export function resourcePath(r: GroupVersionResource, parts: PathParts = {}): string {
  let p = r.group ? `/apis/${seg(r.group)}/${seg(r.version)}` : `/api/${seg(r.version)}`;
  if (parts.namespace) p += `/namespaces/${seg(checkSegment(parts.namespace, 'namespace'))}`;
  p += `/${seg(r.resource)}`;
  if (parts.name !== undefined) {
    if (parts.name === '') throw new Error('resource name may not be empty');
    p += `/${seg(checkSegment(parts.name, 'resource name'))}`;
    if (parts.subresource) p += `/${parts.subresource.split('/').map(seg).join('/')}`;
  }
  return p;
}

function checkSegment(s: string, what: string): string {
  if (s === '.' || s === '..') throw new Error(`${what} may not be '${s}'`);
  for (const bad of ['/', '%']) if (s.includes(bad)) throw new Error(`${what} may not contain '${bad}'`);
  return s;
}

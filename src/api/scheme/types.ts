/**
 * Shapes the scheme is made of. A ResourceInfo describes one served resource at
 * one group/version: everything discovery, the REST router, OpenAPI and kubectl
 * need to know about it. Built-in resources come from `builtinResources()`;
 * CustomResourceDefinitions produce more ResourceInfos at run time.
 */
export interface GroupVersion {
  group: string;
  version: string;
}

export interface GroupVersionKind extends GroupVersion {
  kind: string;
}

export interface GroupVersionResource extends GroupVersion {
  resource: string;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface SubresourceInfo {
  /** e.g. `status`, `scale`, `log`, `exec`, `binding`, `eviction`. */
  name: string;
  /** The kind the subresource accepts/returns, e.g. autoscaling/v1 Scale for `scale`. */
  kind: GroupVersionKind;
  verbs: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural resource name used in URLs, e.g. `deployments`. */
  plural: string;
  /** Lower-case singular, e.g. `deployment`. */
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** e.g. `["all"]` so `kubectl get all` includes it. */
  categories: string[];
  verbs: Verb[];
  subresources: SubresourceInfo[];
  /** OpenAPI definition name of the kind, e.g. `io.k8s.api.apps.v1.Deployment` (absent for custom resources). */
  definition?: string;
}

/** `apps/v1`, or `v1` for the core group. */
export function groupVersionString(gv: GroupVersion): string {
  return gv.group ? `${gv.group}/${gv.version}` : gv.version;
}

/** Parses `apps/v1` or `v1`. */
export function parseGroupVersion(apiVersion: string): GroupVersion {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

import type { GroupVersionKind, ResourceInfo, SubresourceInfo, Verb } from './types.js';

/**
 * Small helpers that keep the built-in resource tables short and uniform. The
 * tables describe upstream v1.32 discovery; these helpers only fill in what is
 * derivable (listKind, singular, OpenAPI definition name, the common verb set).
 */

/** The verb set of an ordinary stored resource, sorted as upstream discovery lists it. */
export const ALL_VERBS: readonly Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

/** Verbs of `status`, `scale`, `ephemeralcontainers`, `approval`… subresources. */
export const GET_PATCH_UPDATE: readonly string[] = ['get', 'patch', 'update'];

/** Verbs of the `proxy` subresources (connect handlers), as upstream discovery lists them. */
export const PROXY_VERBS: readonly string[] = ['create', 'delete', 'get', 'patch', 'update'];

/** Verbs of the streaming connect subresources (`exec`, `attach`, `portforward`). */
export const CONNECT_VERBS: readonly string[] = ['create', 'get'];

export interface ResourceSpec {
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Defaults to ALL_VERBS. */
  verbs?: readonly Verb[];
  subresources?: SubresourceInfo[];
}

export interface GroupVersionSpec {
  group: string;
  version: string;
  /**
   * Prefix of the OpenAPI definition names of this group-version's kinds, e.g.
   * `io.k8s.api.apps.v1` (the kind is appended).
   */
  definitionPrefix: string;
  resources: ResourceSpec[];
}

/** Expands a compact group-version table into ResourceInfos. */
export function expandGroupVersion(spec: GroupVersionSpec): ResourceInfo[] {
  return spec.resources.map((r) => ({
    group: spec.group,
    version: spec.version,
    kind: r.kind,
    listKind: `${r.kind}List`,
    plural: r.plural,
    // Built-in resources use the lower-cased kind as their singular name.
    singular: r.kind.toLowerCase(),
    namespaced: r.namespaced,
    shortNames: r.shortNames ? [...r.shortNames] : [],
    categories: r.categories ? [...r.categories] : [],
    verbs: [...(r.verbs ?? ALL_VERBS)],
    subresources: (r.subresources ?? []).map((s) => ({ ...s, kind: { ...s.kind }, verbs: [...s.verbs] })),
    definition: `${spec.definitionPrefix}.${r.kind}`,
  }));
}

/** A subresource whose request/response kind lives in the parent's group-version. */
export function sub(
  gvk: Omit<GroupVersionKind, 'kind'>,
  name: string,
  kind: string,
  verbs: readonly string[],
): SubresourceInfo {
  return { name, kind: { group: gvk.group, version: gvk.version, kind }, verbs: [...verbs] };
}

/** `<resource>/status`, returning the parent kind. */
export function statusSub(group: string, version: string, kind: string): SubresourceInfo {
  return sub({ group, version }, 'status', kind, GET_PATCH_UPDATE);
}

/** `<resource>/scale`, which upstream serves as autoscaling/v1 Scale for every built-in workload. */
export function scaleSub(): SubresourceInfo {
  return sub({ group: 'autoscaling', version: 'v1' }, 'scale', 'Scale', GET_PATCH_UPDATE);
}

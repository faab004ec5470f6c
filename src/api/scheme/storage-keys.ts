import { isBuiltinGroup } from './group-order.js';
import type { ResourceInfo } from './types.js';

/**
 * Datastore key layout. kubets follows kube-apiserver's etcd layout so keys
 * look familiar to anyone who has run `etcdctl get --prefix /registry`:
 *
 * - Every key starts with `/registry/`.
 * - Resources of kube-apiserver's own groups (core and the built-in named
 *   groups, except the two below) omit the group: `/registry/pods/default/web`,
 *   `/registry/deployments/default/web`, `/registry/clusterroles/admin`.
 * - apiextensions.k8s.io and apiregistration.k8s.io (served upstream by
 *   separate API servers) and every other group — CRDs, aggregated APIs —
 *   include the group: `/registry/apiextensions.k8s.io/customresourcedefinitions/x`,
 *   `/registry/example.com/widgets/default/w1`. CRD groups always contain a dot
 *   and built-in resource names never do, so the two spaces cannot collide.
 * - Upstream's historical renames are kept: services -> `services/specs`,
 *   endpoints -> `services/endpoints`, nodes -> `minions`,
 *   replicationcontrollers -> `controllers`, ingresses -> `ingress`.
 * - All versions of one group-resource share one key space (HPA v1 and v2 are
 *   one set of objects). events.k8s.io `events` cohabits with core `events`
 *   under `/registry/events`, as upstream: both APIs show the same objects,
 *   stored in one form (see `Scheme.storageResource`).
 * - Namespaced: `<prefix>/<namespace>/<name>`; cluster-scoped: `<prefix>/<name>`.
 */

const PREFIX_OVERRIDES: ReadonlyMap<string, string> = new Map([
  ['/services', 'services/specs'],
  ['/endpoints', 'services/endpoints'],
  ['/nodes', 'minions'],
  ['/replicationcontrollers', 'controllers'],
  ['networking.k8s.io/ingresses', 'ingress'],
  ['events.k8s.io/events', 'events'],
]);

/**
 * Group-resources stored together with another group-resource (upstream's
 * "cohabitating resources"): the key maps to the stored one.
 */
export const COHABITING_RESOURCES: ReadonlyMap<string, { group: string; plural: string }> = new Map([
  ['events.k8s.io/events', { group: '', plural: 'events' }],
]);

/** Groups that are built in but whose keys include the group, as upstream. */
const GROUP_QUALIFIED_BUILTINS: ReadonlySet<string> = new Set(['apiextensions.k8s.io', 'apiregistration.k8s.io']);

/** The resource path segment(s) after `/registry/`, without slashes at either end. */
export function storageResourcePath(group: string, plural: string): string {
  const override = PREFIX_OVERRIDES.get(`${group}/${plural}`);
  if (override !== undefined) return override;
  if (group === '' || (isBuiltinGroup(group) && !GROUP_QUALIFIED_BUILTINS.has(group))) return plural;
  return `${group}/${plural}`;
}

/**
 * Prefix for listing/watching a resource, always ending in `/`:
 * `/registry/pods/` (all namespaces), `/registry/pods/default/` (one namespace).
 * A namespace is ignored for cluster-scoped resources.
 */
export function storagePrefix(info: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace?: string): string {
  const base = `/registry/${storageResourcePath(info.group, info.plural)}/`;
  return info.namespaced && namespace ? `${base}${namespace}/` : base;
}

/** Key of one object. `namespace` is required for namespaced resources and ignored otherwise. */
export function storageKey(
  info: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>,
  namespace: string | undefined,
  name: string,
): string {
  if (!name) throw new Error(`storage key for ${info.plural}: name is required`);
  if (info.namespaced) {
    if (!namespace) throw new Error(`storage key for ${info.plural}/${name}: namespace is required`);
    return `${storagePrefix(info)}${namespace}/${name}`;
  }
  return `${storagePrefix(info)}${name}`;
}

/**
 * Discovery order of groups and versions, as kube-apiserver's aggregator
 * computes it (`apiVersionPriorities` in kube-apiserver's aggregator setup,
 * `ByGroupPriorityMinimum` / `ByVersionPriority` in kube-aggregator):
 * groups by descending group priority, ties by name; versions within a group
 * by descending version priority, ties by Kubernetes-aware version order.
 * Groups without an entry (CRDs, aggregated APIs) get the priorities upstream
 * gives CRD-backed APIServices: group 1000, version 100.
 */

const GROUP_PRIORITY: ReadonlyMap<string, number> = new Map([
  ['', 18000],
  ['apiregistration.k8s.io', 18000],
  ['apps', 17800],
  ['events.k8s.io', 17750],
  ['authentication.k8s.io', 17700],
  ['authorization.k8s.io', 17600],
  ['autoscaling', 17500],
  ['batch', 17400],
  ['certificates.k8s.io', 17300],
  ['networking.k8s.io', 17200],
  ['policy', 17100],
  ['rbac.authorization.k8s.io', 17000],
  ['storage.k8s.io', 16800],
  ['admissionregistration.k8s.io', 16700],
  ['apiextensions.k8s.io', 16700],
  ['scheduling.k8s.io', 16600],
  ['coordination.k8s.io', 16500],
  ['node.k8s.io', 16300],
  ['discovery.k8s.io', 16200],
  ['flowcontrol.apiserver.k8s.io', 16100],
  ['internal.apiserver.k8s.io', 16000],
  ['resource.k8s.io', 15900],
  ['storagemigration.k8s.io', 15800],
]);

/** Version priorities that differ from the stable-version default of 15. */
const VERSION_PRIORITY: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['autoscaling/v2', 30],
]);

export const DEFAULT_GROUP_PRIORITY = 1000;
export const DEFAULT_VERSION_PRIORITY = 100;

/** True for groups kube-apiserver itself serves (as opposed to CRDs / aggregated APIs). */
export function isBuiltinGroup(group: string): boolean {
  return GROUP_PRIORITY.has(group);
}

export function groupPriority(group: string): number {
  return GROUP_PRIORITY.get(group) ?? DEFAULT_GROUP_PRIORITY;
}

export function versionPriority(group: string, version: string): number {
  if (group === '') return VERSION_PRIORITY.get('')!;
  const explicit = VERSION_PRIORITY.get(`${group}/${version}`);
  if (explicit !== undefined) return explicit;
  return isBuiltinGroup(group) ? 15 : DEFAULT_VERSION_PRIORITY;
}

/** Negative when group `a` is listed before group `b` in `/apis`. */
export function compareGroups(a: string, b: string): number {
  const d = groupPriority(b) - groupPriority(a);
  if (d !== 0) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative when version `a` is preferred over `b` within `group`. */
export function compareVersions(group: string, a: string, b: string): number {
  const d = versionPriority(group, b) - versionPriority(group, a);
  if (d !== 0) return d;
  return compareKubeAwareVersions(a, b);
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kubernetes-aware version ordering (apimachinery `version.CompareKubeAwareVersionStrings`),
 * expressed as a sort comparator: most preferred first. GA before beta before
 * alpha, higher numbers first; strings that are not Kubernetes versions sort
 * after all that are, in lexical order.
 */
export function compareKubeAwareVersions(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma && !mb) return a < b ? -1 : a > b ? 1 : 0;
  if (!ma) return 1;
  if (!mb) return -1;
  const stability = (m: RegExpExecArray) => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  const sa = stability(ma);
  const sb = stability(mb);
  if (sa !== sb) return sb - sa;
  const majorDiff = Number(mb[1]) - Number(ma[1]);
  if (majorDiff !== 0) return majorDiff;
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

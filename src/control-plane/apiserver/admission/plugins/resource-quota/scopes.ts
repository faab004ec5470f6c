import type { Pod, ResourceQuota, ScopedResourceSelectorRequirement } from 'kubernetes-types/core/v1.js';
import { parseResourceList } from '../resource-list.js';

/**
 * Quota scopes (upstream `pkg/quota/v1/evaluator/core/pods.go` scope
 * functions): `spec.scopes` entries become `Exists` requirements, then the
 * scopeSelector's expressions are ANDed with them.
 */
export function scopeSelectorsOf(quota: ResourceQuota): ScopedResourceSelectorRequirement[] {
  const out: ScopedResourceSelectorRequirement[] = (quota.spec?.scopes ?? []).map((scopeName) => ({
    scopeName,
    operator: 'Exists',
  }));
  return [...out, ...(quota.spec?.scopeSelector?.matchExpressions ?? [])];
}

/** QoS class from cpu/memory requests and limits of all containers (`qos.GetPodQOS`). */
export function podQOSClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const supported = new Set(['cpu', 'memory']);
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const c of containers) {
    const req = parseResourceList(c.resources?.requests);
    const lim = parseResourceList(c.resources?.limits);
    for (const [k, q] of Object.entries(req)) {
      if (!supported.has(k) || q.sign() <= 0) continue;
      requests.set(k, (requests.get(k) ?? 0n) + q.milliValue());
    }
    const seen = new Set<string>();
    for (const [k, q] of Object.entries(lim)) {
      if (!supported.has(k) || q.sign() <= 0) continue;
      seen.add(k);
      limits.set(k, (limits.get(k) ?? 0n) + q.milliValue());
    }
    if (seen.size < supported.size) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [k, v] of requests) if (limits.get(k) !== v) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

export function isTerminating(pod: Pod): boolean {
  const d = pod.spec?.activeDeadlineSeconds;
  return d != null && d >= 0;
}

function usesCrossNamespacePodAffinity(pod: Pod): boolean {
  const aff = pod.spec?.affinity;
  const terms = [
    ...(aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
    ...(aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
  ];
  return terms.some((t) => (t.namespaces?.length ?? 0) > 0 || t.namespaceSelector != null);
}

/** Whether the priority class name satisfies a PriorityClass selector requirement. */
function priorityClassMatches(sel: ScopedResourceSelectorRequirement, className: string): boolean {
  const has = className !== '';
  const values = sel.values ?? [];
  switch (sel.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'In':
      return has && values.includes(className);
    case 'NotIn':
      return !has || !values.includes(className);
    default:
      return false;
  }
}

/** podMatchesScopeFunc: whether a pod falls under one scope requirement. */
export function podMatchesScope(sel: ScopedResourceSelectorRequirement, pod: Pod): boolean {
  switch (sel.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return podQOSClass(pod) === 'BestEffort';
    case 'NotBestEffort':
      return podQOSClass(pod) !== 'BestEffort';
    case 'PriorityClass':
      return priorityClassMatches(sel, pod.spec?.priorityClassName ?? '');
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
    default:
      return false;
  }
}

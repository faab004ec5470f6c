import type { Container, Pod, PodSpec, ScopedResourceSelectorRequirement } from 'kubernetes-types/core/v1.js';
import { addLists, maskList, maxLists, parseResourceList, type ResourceList } from './resource-list.js';

/**
 * What a pod is charged and which quota scopes select it (upstream
 * `pkg/quota/v1/evaluator/core/pods.go` and component-helpers resource
 * math). Mirrors the ResourceQuota admission plugin so that the recount here
 * agrees with what admission charged.
 */

const containerList = (c: Container, which: 'requests' | 'limits'): ResourceList =>
  parseResourceList(c.resources?.[which] as Record<string, unknown> | undefined);

/**
 * Effective pod requests or limits (component-helpers PodRequests/PodLimits):
 * regular plus restartable init containers, raised to what any classic init
 * container needs alongside the sidecars started before it, plus overhead
 * (for limits, only where a limit exists).
 */
export function podResources(spec: PodSpec | undefined, which: 'requests' | 'limits'): ResourceList {
  let total: ResourceList = {};
  for (const c of spec?.containers ?? []) total = addLists(total, containerList(c, which));
  let sidecars: ResourceList = {};
  let initMax: ResourceList = {};
  for (const c of spec?.initContainers ?? []) {
    const own = containerList(c, which);
    if (c.restartPolicy === 'Always') {
      total = addLists(total, own);
      sidecars = addLists(sidecars, own);
      initMax = maxLists(initMax, sidecars);
    } else {
      initMax = maxLists(initMax, addLists(own, sidecars));
    }
  }
  total = maxLists(total, initMax);
  if (spec?.overhead) {
    let overhead = parseResourceList(spec.overhead as Record<string, unknown>);
    if (which === 'limits') overhead = maskList(overhead, Object.keys(total));
    total = addLists(total, overhead);
  }
  return total;
}

/** Upstream QuotaV1Pod: a finished pod, or one past its deletion grace period, no longer uses compute quota. */
export function podIsCharged(pod: Pod, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const deletion = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (deletion && grace != null && now > Date.parse(deletion) + grace * 1000) return false;
  return true;
}

/** qos.GetPodQOS: the class the apiserver recorded, else computed from cpu/memory requests and limits. */
export function podQOSClass(pod: Pod): string {
  if (pod.status?.qosClass) return pod.status.qosClass;
  const supported = ['cpu', 'memory'];
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const [k, q] of Object.entries(containerList(c, 'requests'))) {
      if (supported.includes(k) && q.sign() > 0) requests.set(k, (requests.get(k) ?? 0n) + q.milliValue());
    }
    const seen = new Set<string>();
    for (const [k, q] of Object.entries(containerList(c, 'limits'))) {
      if (!supported.includes(k) || q.sign() <= 0) continue;
      seen.add(k);
      limits.set(k, (limits.get(k) ?? 0n) + q.milliValue());
    }
    if (seen.size < supported.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) for (const [k, v] of requests) if (limits.get(k) !== v) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

const isTerminating = (pod: Pod) => pod.spec?.activeDeadlineSeconds != null && pod.spec.activeDeadlineSeconds >= 0;

function usesCrossNamespaceAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  const terms = [
    ...(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
    ...(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
  ];
  return terms.some((t) => (t.namespaces?.length ?? 0) > 0 || t.namespaceSelector != null);
}

/**
 * A PriorityClass requirement as upstream evaluates it: a label selector over
 * `{PriorityClass: <name>}`, a set that is empty for pods without a class.
 */
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

/** Upstream podMatchesScopeFunc: whether a pod falls under one scope requirement. */
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
      return usesCrossNamespaceAffinity(pod);
    default:
      return false;
  }
}

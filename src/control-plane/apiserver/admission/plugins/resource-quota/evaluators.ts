import type { PersistentVolumeClaim, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../../../api/quantity/quantity.js';
import type { AdmissionOperation } from '../../types.js';
import {
  addLists,
  maxLists,
  parseResourceList,
  podResources,
  resourceNames,
  type ResourceList,
} from '../resource-list.js';
import { podMatchesScope, scopeSelectorsOf } from './scopes.js';

/**
 * The pure quota evaluators (upstream `pkg/quota/v1/evaluator/core` and
 * `generic/evaluator.go`): what a single object charges, which quota resource
 * names an evaluator tracks and whether a quota's scopes select the object.
 * The ResourceQuota admission plugin and the resourcequota controller share
 * them, so admission charges exactly what the controller later recounts.
 */
export interface GroupResourceRef {
  group: string;
  resource: string;
}

export interface UsageOptions {
  /** Wall clock (ms) for the "stuck terminating pod" rule; defaults to Date.now(). */
  now?: number;
}

export interface QuotaEvaluator {
  readonly groupResource: GroupResourceRef;
  /** Whether this operation can change usage (quota is charged on these). */
  handles(operation: AdmissionOperation): boolean;
  /** The subset of quota resource names this evaluator accounts for. */
  matchingResources(names: string[]): string[];
  /** Usage of one object. */
  usage(obj: unknown, opts?: UsageOptions): ResourceList;
  /** Whether the object falls under every scope of the quota. */
  matchesScopes(quota: ResourceQuota, obj: unknown): boolean;
  /** Extra admission requirements for the tracked names (pods must state cpu/memory); returns an error text. */
  constraints(required: string[], obj: unknown): string | undefined;
}

/** `count/<resource>` or `count/<resource>.<group>`. */
export function objectCountName(gr: GroupResourceRef): string {
  return gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`;
}

const one = () => Quantity.fromValue(1);
const zero = () => Quantity.fromValue(0);

/** Resources that are never charged (virtual resources and events), as upstream's ignoredResources. */
const ignored = new Set([
  '/bindings',
  '/componentstatuses',
  '/events',
  'events.k8s.io/events',
  'authentication.k8s.io/tokenreviews',
  'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
]);

export function isIgnoredResource(gr: GroupResourceRef): boolean {
  return ignored.has(`${gr.group}/${gr.resource}`);
}

/** An evaluator that only counts objects (generic.NewObjectCountEvaluator); `alias` is the legacy name. */
function objectCountEvaluator(gr: GroupResourceRef, alias?: string): QuotaEvaluator {
  const names = [objectCountName(gr), ...(alias ? [alias] : [])];
  return {
    groupResource: gr,
    handles: (op) => op === 'CREATE',
    matchingResources: (input) => input.filter((n) => names.includes(n)),
    usage: () => Object.fromEntries(names.map((n) => [n, one()])),
    // Scoped quotas only ever select pods (generic.MatchesNoScopeFunc).
    matchesScopes: (quota) => scopeSelectorsOf(quota).length === 0,
    constraints: () => undefined,
  };
}

const podNames = [
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
];

/** Extended resources (`example.com/gpu`): qualified, outside kubernetes.io, not `requests.`-prefixed. */
function isExtendedResourceName(name: string): boolean {
  if (!name.includes('/') || name.includes('kubernetes.io/')) return false;
  return !name.startsWith('requests.');
}

function isQuotaExtendedName(name: string): boolean {
  return name.startsWith('requests.') && isExtendedResourceName(name.slice('requests.'.length));
}

/** podComputeUsageHelper: the compute names one request/limit set charges. */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: one() };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[r]) {
      out[r] = requests[r]!;
      out[`requests.${r}`] = requests[r]!;
    }
    if (limits[r]) out[`limits.${r}`] = limits[r]!;
  }
  for (const [k, q] of Object.entries(requests)) {
    if (k.startsWith('hugepages-')) {
      out[k] = q;
      out[`requests.${k}`] = q;
    }
    if (isExtendedResourceName(k)) out[`requests.${k}`] = q;
  }
  return out;
}

/** A terminal or long-gone pod no longer consumes compute quota (QuotaV1Pod). */
function podIsCharged(pod: Pod, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const deletion = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (deletion && grace != null && now > Date.parse(deletion) + grace * 1000) return false;
  return true;
}

const computeNames = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

const podEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'pods' },
  handles: (op) => op === 'CREATE',
  matchingResources: (input) =>
    input.filter(
      (n) =>
        podNames.includes(n) ||
        n.startsWith('hugepages-') ||
        n.startsWith('requests.hugepages-') ||
        isQuotaExtendedName(n),
    ),
  usage(obj, opts) {
    const pod = obj as Pod;
    const result: ResourceList = { 'count/pods': one() };
    if (!podIsCharged(pod, opts?.now ?? Date.now())) return result;
    const requests = podResources(pod.spec, 'requests', { includeOverhead: true });
    const limits = podResources(pod.spec, 'limits', { includeOverhead: true });
    return addLists(result, computeUsage(requests, limits));
  },
  matchesScopes: (quota, obj) => scopeSelectorsOf(quota).every((s) => podMatchesScope(s, obj as Pod)),
  constraints(required, obj) {
    // Quota on cpu/memory requires every container to state it (a historical coupling upstream keeps).
    const needed = required.filter((n) => computeNames.has(n));
    if (!needed.length) return undefined;
    const pod = obj as Pod;
    const missing = new Map<string, Set<string>>();
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
      const have = computeUsage(parseResourceList(c.resources?.requests), parseResourceList(c.resources?.limits));
      for (const n of needed) {
        if (have[n]) continue;
        if (!missing.has(n)) missing.set(n, new Set());
        missing.get(n)!.add(c.name);
      }
    }
    if (!missing.size) return undefined;
    const parts = [...missing.keys()].sort().map((n) => `${n} for: ${[...missing.get(n)!].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

const serviceNames = ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'];

const serviceEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'services' },
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  matchingResources: (input) => input.filter((n) => serviceNames.includes(n)),
  usage(obj) {
    const svc = obj as Service;
    const ports = svc.spec?.ports ?? [];
    const out: ResourceList = {
      'count/services': one(),
      services: one(),
      'services.loadbalancers': zero(),
      'services.nodeports': zero(),
    };
    if (svc.spec?.type === 'NodePort') out['services.nodeports'] = Quantity.fromValue(ports.length);
    if (svc.spec?.type === 'LoadBalancer') {
      // Without allocated node ports only explicitly requested ones count.
      const n =
        svc.spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p.nodePort).length : ports.length;
      out['services.nodeports'] = Quantity.fromValue(n);
      out['services.loadbalancers'] = one();
    }
    return out;
  },
  matchesScopes: (quota) => scopeSelectorsOf(quota).length === 0,
  constraints: () => undefined,
};

const storageClassSuffix = '.storageclass.storage.k8s.io/';

function claimClass(pvc: PersistentVolumeClaim): string {
  const beta = pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (beta !== undefined) return beta;
  return pvc.spec?.storageClassName ?? '';
}

const claimEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'persistentvolumeclaims' },
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  matchingResources: (input) =>
    input.filter(
      (n) =>
        n === 'persistentvolumeclaims' ||
        n === 'requests.storage' ||
        n === 'count/persistentvolumeclaims' ||
        n.endsWith(`${storageClassSuffix}persistentvolumeclaims`) ||
        n.endsWith(`${storageClassSuffix}requests.storage`),
    ),
  usage(obj) {
    const pvc = obj as PersistentVolumeClaim;
    const out: ResourceList = { persistentvolumeclaims: one(), 'count/persistentvolumeclaims': one() };
    const cls = claimClass(pvc);
    if (cls) out[`${cls}${storageClassSuffix}persistentvolumeclaims`] = one();
    // The larger of what is asked and what was already allocated (expansion recovery).
    const storage = maxLists(
      parseResourceList(pvc.spec?.resources?.requests),
      parseResourceList(pvc.status?.allocatedResources),
    ).storage;
    if (storage) {
      out['requests.storage'] = storage;
      if (cls) out[`${cls}${storageClassSuffix}requests.storage`] = storage;
    }
    return out;
  },
  matchesScopes: (quota) => scopeSelectorsOf(quota).length === 0,
  constraints: () => undefined,
};

const legacyAliases: Record<string, string> = {
  configmaps: 'configmaps',
  secrets: 'secrets',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

const cache = new Map<string, QuotaEvaluator>();

/** The evaluator for a group-resource: pods, services and PVCs have their own; anything else is counted. */
export function evaluatorFor(gr: GroupResourceRef): QuotaEvaluator {
  const key = `${gr.group}/${gr.resource}`;
  let ev = cache.get(key);
  if (!ev) {
    if (key === '/pods') ev = podEvaluator;
    else if (key === '/services') ev = serviceEvaluator;
    else if (key === '/persistentvolumeclaims') ev = claimEvaluator;
    else ev = objectCountEvaluator(gr, gr.group === '' ? legacyAliases[gr.resource] : undefined);
    cache.set(key, ev);
  }
  return ev;
}

/** What one object charges against quota (the evaluator's Usage). */
export function usageOf(gr: GroupResourceRef, obj: unknown, opts?: UsageOptions): ResourceList {
  return evaluatorFor(gr).usage(obj, opts);
}

/**
 * Whether a quota applies to an object (generic.Matches): it limits at least
 * one resource name the evaluator tracks (read from `status.hard`, as
 * upstream: a quota the controller has not synced yet does not apply) and
 * all of its scopes select the object.
 */
export function quotaMatches(quota: ResourceQuota, gr: GroupResourceRef, obj: unknown): boolean {
  const ev = evaluatorFor(gr);
  const hard = resourceNames(parseResourceList(quota.status?.hard));
  return ev.matchingResources(hard).length > 0 && ev.matchesScopes(quota, obj);
}

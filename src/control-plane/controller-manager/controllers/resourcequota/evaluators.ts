import type {
  PersistentVolumeClaim,
  Pod,
  ResourceQuota,
  ScopedResourceSelectorRequirement,
  Service,
} from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../../api/quantity/quantity.js';
import { podIsCharged, podMatchesScope, podResources } from './pod-usage.js';
import { addLists, maxLists, parseResourceList, type ResourceList } from './resource-list.js';

/**
 * Quota evaluators (upstream `pkg/quota/v1/evaluator/core` and
 * `generic/evaluator.go`) from the controller's side: which quota resource
 * names an evaluator accounts for, what one object uses, and which objects
 * a quota's scopes select. Kept in step with the admission plugin's copy.
 */
export interface GroupResource {
  group: string;
  resource: string;
}

export interface Evaluator {
  readonly groupResource: GroupResource;
  /** The subset of quota resource names this evaluator accounts for. */
  matchingResources(names: readonly string[]): string[];
  /** Usage of one object (`now`: wall-clock ms, for pods past their grace period). */
  usage(obj: unknown, now: number): ResourceList;
  /** Whether the object satisfies one scope requirement (object counts never do). */
  matchesScope(sel: ScopedResourceSelectorRequirement, obj: unknown): boolean;
}

/** `count/<resource>` or `count/<resource>.<group>`. */
export function objectCountName(gr: GroupResource): string {
  return gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`;
}

/** The group-resource a `count/...` quota name counts, or undefined for other names. */
export function groupResourceOfCountName(name: string): GroupResource | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  if (rest === '' || dot === 0) return undefined;
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/** Resources never charged (virtual resources and events), as upstream's ignoredResources. */
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

export function isIgnoredResource(gr: GroupResource): boolean {
  return ignored.has(`${gr.group}/${gr.resource}`);
}

const one = () => Quantity.fromValue(1);
const zero = () => Quantity.fromValue(0);

/** generic.NewObjectCountEvaluator; `alias` is the legacy name (`configmaps`, `secrets`...). */
function objectCountEvaluator(gr: GroupResource, alias?: string): Evaluator {
  const names = [objectCountName(gr), ...(alias ? [alias] : [])];
  return {
    groupResource: gr,
    matchingResources: (input) => input.filter((n) => names.includes(n)),
    usage: () => Object.fromEntries(names.map((n) => [n, one()])),
    matchesScope: () => false,
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

/** An extended resource (`example.com/gpu`): qualified, outside kubernetes.io, not `requests.`-prefixed. */
function isExtendedResourceName(name: string): boolean {
  return name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.');
}

/** podComputeUsageHelper. */
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

const podEvaluator: Evaluator = {
  groupResource: { group: '', resource: 'pods' },
  matchingResources: (input) =>
    input.filter(
      (n) =>
        podNames.includes(n) ||
        n.startsWith('hugepages-') ||
        n.startsWith('requests.hugepages-') ||
        (n.startsWith('requests.') && isExtendedResourceName(n.slice('requests.'.length))),
    ),
  usage(obj, now) {
    const pod = obj as Pod;
    // count/pods counts every stored pod; compute resources only live ones.
    const out: ResourceList = { 'count/pods': one() };
    if (!podIsCharged(pod, now)) return out;
    return addLists(out, computeUsage(podResources(pod.spec, 'requests'), podResources(pod.spec, 'limits')));
  },
  matchesScope: (sel, obj) => podMatchesScope(sel, obj as Pod),
};

const serviceNames = ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'];

const serviceEvaluator: Evaluator = {
  groupResource: { group: '', resource: 'services' },
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
      // Without node port allocation only explicitly requested ports count.
      const n =
        svc.spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p.nodePort).length : ports.length;
      out['services.nodeports'] = Quantity.fromValue(n);
      out['services.loadbalancers'] = one();
    }
    return out;
  },
  matchesScope: () => false,
};

const storageClassSuffix = '.storageclass.storage.k8s.io/';

/** storagehelpers.GetPersistentVolumeClaimClass: the beta annotation wins over the field. */
export function claimClass(pvc: PersistentVolumeClaim): string {
  const beta = pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  return beta !== undefined ? beta : (pvc.spec?.storageClassName ?? '');
}

/** The storage a claim is charged: the larger of what it asks and what was allocated. */
export function claimStorage(pvc: PersistentVolumeClaim): Quantity | undefined {
  return maxLists(parseResourceList(pvc.spec?.resources?.requests), parseResourceList(pvc.status?.allocatedResources))
    .storage;
}

const claimEvaluator: Evaluator = {
  groupResource: { group: '', resource: 'persistentvolumeclaims' },
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
    const storage = claimStorage(pvc);
    if (storage) {
      out['requests.storage'] = storage;
      if (cls) out[`${cls}${storageClassSuffix}requests.storage`] = storage;
    }
    return out;
  },
  matchesScope: () => false,
};

const legacyAliases: Record<string, string> = {
  configmaps: 'configmaps',
  secrets: 'secrets',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

const cache = new Map<string, Evaluator>();

/** The evaluator of a group-resource: pods, services and PVCs have their own; anything else is counted. */
export function evaluatorFor(gr: GroupResource): Evaluator {
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

/** The core resources whose evaluators are always registered (upstream NewEvaluators). */
export const coreQuotaResources: GroupResource[] = [
  { group: '', resource: 'pods' },
  { group: '', resource: 'services' },
  { group: '', resource: 'persistentvolumeclaims' },
  { group: '', resource: 'configmaps' },
  { group: '', resource: 'secrets' },
  { group: '', resource: 'replicationcontrollers' },
  { group: '', resource: 'resourcequotas' },
];

/** A quota's scopes and scopeSelector as one list of requirements (all must hold). */
export function scopeRequirements(quota: ResourceQuota): ScopedResourceSelectorRequirement[] {
  return [
    ...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []),
  ];
}

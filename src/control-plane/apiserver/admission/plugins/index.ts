import type {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { LimitRange, Namespace, Node, Pod, ResourceQuota, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { namespaceLifecycle } from '../namespace-lifecycle.js';
import type { MutatingAdmissionPlugin, ValidatingAdmissionPlugin } from '../types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import { DefaultStorageClass } from './default-storage-class.js';
import { DefaultTolerationSeconds } from './default-toleration-seconds.js';
import { LimitRanger } from './limit-ranger.js';
import { NodeRestriction } from './node-restriction.js';
import { PodSecurityAdmission, type PodSecurityExemptions } from './pod-security/plugin.js';
import type { Policy } from './pod-security/policy.js';
import { PriorityAdmission } from './priority.js';
import { ResourceQuotaAdmission } from './resource-quota/plugin.js';
import { ServiceAccountAdmission } from './service-account.js';
import { TaintNodesByCondition } from './taint-nodes-by-condition.js';
import { WebhookClient } from './webhook/client.js';
import type { WebhookDispatchOptions } from './webhook/dispatcher.js';
import { MutatingWebhookPlugin } from './webhook/mutating.js';
import { ValidatingWebhookPlugin } from './webhook/validating.js';
import { ValidatingAdmissionPolicyPlugin } from './validating-admission-policy/plugin.js';
import type { PolicySource } from './validating-admission-policy/source.js';

export { ServiceAccountAdmission } from './service-account.js';
export { LimitRanger } from './limit-ranger.js';
export { ResourceQuotaAdmission } from './resource-quota/plugin.js';
export { usageOf, evaluatorFor, quotaMatches, objectCountName } from './resource-quota/evaluators.js';
export { PodSecurityAdmission } from './pod-security/plugin.js';
export { PriorityAdmission } from './priority.js';
export { DefaultTolerationSeconds } from './default-toleration-seconds.js';
export { TaintNodesByCondition } from './taint-nodes-by-condition.js';
export { NodeRestriction } from './node-restriction.js';
export { DefaultStorageClass } from './default-storage-class.js';
export { MutatingWebhookPlugin } from './webhook/mutating.js';
export { ValidatingWebhookPlugin } from './webhook/validating.js';
export { WebhookClient } from './webhook/client.js';
export { ValidatingAdmissionPolicyPlugin } from './validating-admission-policy/plugin.js';
export { policySourceFromServer, type PolicySource } from './validating-admission-policy/source.js';

/**
 * kube-apiserver's plugin order (`AllOrderedPlugins`), restricted to the
 * plugins kubets has. Webhooks and ResourceQuota come last so quota is
 * charged for the object as it will be stored.
 */
export const admissionPluginOrder = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
] as const;

type Maybe<T> = Promise<T> | T;

/** The cache lookups the built-in plugins need; the apiserver wires them to its watch caches. */
export interface AdmissionLookups {
  getNamespace(name: string): Maybe<Namespace | undefined>;
  getServiceAccount(namespace: string, name: string): Maybe<ServiceAccount | undefined>;
  getServiceAccountLive?(namespace: string, name: string): Promise<ServiceAccount | undefined>;
  getPod(namespace: string, name: string): Maybe<Pod | undefined>;
  listPods(namespace: string): Maybe<Pod[]>;
  getNode(name: string): Maybe<Node | undefined>;
  listLimitRanges(namespace: string): Maybe<LimitRange[]>;
  listQuotas(namespace: string): Maybe<ResourceQuota[]>;
  /** Compare-and-swap write of a quota's status.used (Conflict StatusError when stale). */
  updateQuotaStatus(quota: ResourceQuota, used: Record<string, string>): Promise<ResourceQuota | void>;
  listPriorityClasses(): Maybe<PriorityClass[]>;
  listStorageClasses(): Maybe<StorageClass[]>;
  listMutatingWebhookConfigurations(): Maybe<MutatingWebhookConfiguration[]>;
  listValidatingWebhookConfigurations(): Maybe<ValidatingWebhookConfiguration[]>;
  /** `https://host:port` for a Service port (webhook `service` references). */
  resolveService(namespace: string, name: string, port: number): Maybe<string>;
  /** Other served versions of a request's group-resource, for webhook `matchPolicy: Equivalent`. */
  equivalentResources?: WebhookDispatchOptions['equivalentResources'];
  /** Policies, bindings and params for ValidatingAdmissionPolicy (the plugin is left out without it). */
  validatingAdmissionPolicies?: PolicySource;
}

export interface AdmissionSetupOptions {
  /** Plugin names to leave out (`--disable-admission-plugins`). */
  disabled?: string[];
  podSecurity?: { defaults?: Policy; exemptions?: PodSecurityExemptions };
}

export interface AdmissionPlugins {
  mutating: MutatingAdmissionPlugin[];
  validating: ValidatingAdmissionPlugin[];
  /** Closes the webhook client's connections. */
  dispose(): void;
}

/** Builds the default plugin set in upstream order; feed the result to `AdmissionChain`. */
export function defaultAdmissionPlugins(l: AdmissionLookups, opts: AdmissionSetupOptions = {}): AdmissionPlugins {
  const disabled = new Set(opts.disabled ?? []);
  const client = new WebhookClient({ resolveService: (ns, name, port) => l.resolveService(ns, name, port) });
  const webhookBase = {
    client,
    getNamespace: (n: string) => l.getNamespace(n),
    equivalentResources: l.equivalentResources,
  };
  const byName: Record<string, Partial<MutatingAdmissionPlugin & ValidatingAdmissionPlugin>> = {
    NamespaceLifecycle: namespaceLifecycle(async (n) => (await l.getNamespace(n)) as KubeObject | undefined),
    LimitRanger: new LimitRanger({ listLimitRanges: (ns) => l.listLimitRanges(ns) }),
    ServiceAccount: new ServiceAccountAdmission({
      getServiceAccount: (ns, n) => l.getServiceAccount(ns, n),
      getServiceAccountLive: l.getServiceAccountLive,
    }),
    NodeRestriction: new NodeRestriction({ getPod: (ns, n) => l.getPod(ns, n), getNode: (n) => l.getNode(n) }),
    TaintNodesByCondition: new TaintNodesByCondition(),
    PodSecurity: new PodSecurityAdmission({
      getNamespace: (n) => l.getNamespace(n),
      listPods: (ns) => l.listPods(ns),
      defaults: opts.podSecurity?.defaults,
      exemptions: opts.podSecurity?.exemptions,
    }),
    Priority: new PriorityAdmission({ listPriorityClasses: () => l.listPriorityClasses() }),
    DefaultTolerationSeconds: new DefaultTolerationSeconds(),
    DefaultStorageClass: new DefaultStorageClass({ listStorageClasses: () => l.listStorageClasses() }),
    MutatingAdmissionWebhook: new MutatingWebhookPlugin({
      ...webhookBase,
      listConfigurations: () => l.listMutatingWebhookConfigurations(),
    }),
    ValidatingAdmissionWebhook: new ValidatingWebhookPlugin({
      ...webhookBase,
      listConfigurations: () => l.listValidatingWebhookConfigurations(),
    }),
    ...(l.validatingAdmissionPolicies && {
      ValidatingAdmissionPolicy: new ValidatingAdmissionPolicyPlugin({
        source: l.validatingAdmissionPolicies,
        equivalentResources: l.equivalentResources,
      }),
    }),
    ResourceQuota: new ResourceQuotaAdmission({
      listQuotas: (ns) => l.listQuotas(ns),
      updateQuotaStatus: (q, used) => l.updateQuotaStatus(q, used),
    }),
  };
  const mutating: MutatingAdmissionPlugin[] = [];
  const validating: ValidatingAdmissionPlugin[] = [];
  for (const name of admissionPluginOrder) {
    if (disabled.has(name)) continue;
    const p = byName[name];
    if (!p) continue;
    if (typeof p.admit === 'function') mutating.push(p as MutatingAdmissionPlugin);
    if (typeof p.validate === 'function') validating.push(p as ValidatingAdmissionPlugin);
  }
  return { mutating, validating, dispose: () => client.dispose() };
}

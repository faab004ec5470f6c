import type { ResourceInfo, SubresourceInfo } from '../../../../api/scheme/types.js';
import { parseRequestInfo } from '../../http/request-info.js';
import type { RequestContext, UserInfo } from '../../types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import type { AdmissionAttributes, AdmissionOperation } from '../types.js';

/** Test helpers: admission attributes for built-in resources without a running apiserver. */

const kinds: Record<string, [group: string, version: string, kind: string, namespaced: boolean]> = {
  pods: ['', 'v1', 'Pod', true],
  nodes: ['', 'v1', 'Node', false],
  namespaces: ['', 'v1', 'Namespace', false],
  services: ['', 'v1', 'Service', true],
  configmaps: ['', 'v1', 'ConfigMap', true],
  secrets: ['', 'v1', 'Secret', true],
  serviceaccounts: ['', 'v1', 'ServiceAccount', true],
  persistentvolumeclaims: ['', 'v1', 'PersistentVolumeClaim', true],
  replicationcontrollers: ['', 'v1', 'ReplicationController', true],
  resourcequotas: ['', 'v1', 'ResourceQuota', true],
  limitranges: ['', 'v1', 'LimitRange', true],
  events: ['', 'v1', 'Event', true],
  podtemplates: ['', 'v1', 'PodTemplate', true],
  deployments: ['apps', 'v1', 'Deployment', true],
  replicasets: ['apps', 'v1', 'ReplicaSet', true],
  statefulsets: ['apps', 'v1', 'StatefulSet', true],
  daemonsets: ['apps', 'v1', 'DaemonSet', true],
  jobs: ['batch', 'v1', 'Job', true],
  cronjobs: ['batch', 'v1', 'CronJob', true],
  leases: ['coordination.k8s.io', 'v1', 'Lease', true],
  priorityclasses: ['scheduling.k8s.io', 'v1', 'PriorityClass', false],
  storageclasses: ['storage.k8s.io', 'v1', 'StorageClass', false],
  csinodes: ['storage.k8s.io', 'v1', 'CSINode', false],
  ingresses: ['networking.k8s.io', 'v1', 'Ingress', true],
  validatingwebhookconfigurations: ['admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', false],
  widgets: ['example.com', 'v1', 'Widget', true],
};

const subresourceKinds: Record<string, SubresourceInfo> = {
  status: { name: 'status', kind: { group: '', version: 'v1', kind: '' }, verbs: ['get', 'update', 'patch'] },
  eviction: { name: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
  binding: { name: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
  token: {
    name: 'token',
    kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
    verbs: ['create'],
  },
  scale: { name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'update'] },
};

export function resourceInfo(plural: string): ResourceInfo {
  const k = kinds[plural];
  if (!k) throw new Error(`testing: unknown resource ${plural}`);
  const [group, version, kind, namespaced] = k;
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
    subresources: Object.values(subresourceKinds).map((s) =>
      s.name === 'status' ? { ...s, kind: { group, version, kind } } : s,
    ),
  };
}

export function testContext(user: Partial<UserInfo> = {}, path = '/api/v1/namespaces/default/pods'): RequestContext {
  const controller = new AbortController();
  const query = new URLSearchParams();
  return {
    request: { method: 'POST', path, query, headers: {}, peer: {}, signal: controller.signal },
    info: parseRequestInfo('POST', path, query),
    user: { username: 'alice', groups: ['system:authenticated'], ...user },
    warnings: [],
    signal: controller.signal,
  };
}

export interface AttrInput {
  operation?: AdmissionOperation;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
  options?: unknown;
  user?: Partial<UserInfo>;
  ctx?: RequestContext;
}

export function attrs(input: AttrInput): AdmissionAttributes {
  const resource = resourceInfo(input.resource);
  const obj = input.object as KubeObject | undefined;
  return {
    operation: input.operation ?? 'CREATE',
    resource,
    subresource: input.subresource ?? '',
    namespace: input.namespace ?? (resource.namespaced ? 'default' : ''),
    name: input.name ?? (input.operation === 'CREATE' || !input.operation ? (obj?.metadata?.name ?? '') : ''),
    object: obj,
    oldObject: input.oldObject as KubeObject | undefined,
    dryRun: input.dryRun ?? false,
    options: input.options,
    ctx: input.ctx ?? testContext(input.user),
  };
}

/** Runs `fn` and returns the thrown error's message (fails when nothing is thrown). */
export async function rejection(fn: () => unknown): Promise<{ message: string; code: number; reason: string }> {
  try {
    await fn();
  } catch (err) {
    const e = err as { message: string; code?: number; reason?: string };
    return { message: e.message, code: e.code ?? 0, reason: e.reason ?? '' };
  }
  throw new Error('expected a rejection, but the call succeeded');
}

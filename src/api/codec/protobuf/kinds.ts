import { SchemaRegistry, type PackageSpec } from './schema.js';
import { appsMessages, batchMessages } from './messages/apps-batch.js';
import { coreContainerMessages } from './messages/core-container.js';
import { coreObjectMessages } from './messages/core-objects.js';
import { corePodMessages } from './messages/core-pod.js';
import { coreVolumeMessages } from './messages/core-volume.js';
import { metaMessages } from './messages/meta.js';
import {
  policyMessages,
  networkingMessages,
  schedulingMessages,
  autoscalingMessages,
} from './messages/policy-networking.js';
import { rbacMessages, authenticationMessages, authorizationMessages } from './messages/rbac-auth.js';

/**
 * Which top-level kinds the protobuf codec speaks, per group/version, and the
 * message each one is. Covers every kind kubectl's typed (protobuf) path sends,
 * plus their lists so the apiserver can answer protobuf for them.
 */
interface GroupVersionKinds {
  apiVersion: string;
  pkg: string;
  /** Kinds that are objects (a `<Kind>List` message is derived for each). */
  listable: string[];
  /** Kinds without lists: reviews, subresource bodies. */
  other?: string[];
}

const groups: GroupVersionKinds[] = [
  {
    apiVersion: 'v1',
    pkg: 'core',
    listable: ['Pod', 'ConfigMap', 'Secret', 'Namespace', 'ServiceAccount', 'Service', 'ResourceQuota'],
    other: ['Binding'],
  },
  { apiVersion: 'apps/v1', pkg: 'apps', listable: ['Deployment'] },
  { apiVersion: 'batch/v1', pkg: 'batch', listable: ['Job', 'CronJob'] },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    pkg: 'rbac',
    listable: ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  },
  { apiVersion: 'policy/v1', pkg: 'policy', listable: ['PodDisruptionBudget'], other: ['Eviction'] },
  { apiVersion: 'scheduling.k8s.io/v1', pkg: 'scheduling', listable: ['PriorityClass'] },
  { apiVersion: 'networking.k8s.io/v1', pkg: 'networking', listable: ['Ingress'] },
  {
    apiVersion: 'authentication.k8s.io/v1',
    pkg: 'authentication',
    listable: [],
    other: ['TokenRequest', 'TokenReview', 'SelfSubjectReview'],
  },
  {
    apiVersion: 'authorization.k8s.io/v1',
    pkg: 'authorization',
    listable: [],
    other: ['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'LocalSubjectAccessReview'],
  },
  { apiVersion: 'autoscaling/v1', pkg: 'autoscaling', listable: ['HorizontalPodAutoscaler'], other: ['Scale'] },
];

/**
 * Kinds that `metav1.AddToGroupVersion` registers in every group version: a typed
 * client encodes DeleteOptions with its own group's apiVersion (`apps/v1`, `v1`...).
 */
const everyGroupVersion = new Map([
  ['DeleteOptions', 'meta.DeleteOptions'],
  ['Status', 'meta.Status'],
]);

const listMessages = (kinds: string[]): PackageSpec =>
  Object.fromEntries(kinds.map((k) => [`${k}List`, { metadata: '1 meta.ListMeta', items: `2 []${k}` }]));

function buildRegistry(): SchemaRegistry {
  const r = new SchemaRegistry()
    .add('meta', metaMessages)
    .add('core', {
      ...coreVolumeMessages,
      ...coreContainerMessages,
      // Upstream keeps a copy of Container's fields (same numbers) for ephemeral containers.
      EphemeralContainerCommon: coreContainerMessages.Container,
      ...corePodMessages,
      ...coreObjectMessages,
    })
    .add('apps', appsMessages)
    .add('batch', batchMessages)
    .add('rbac', rbacMessages)
    .add('authentication', authenticationMessages)
    .add('authorization', authorizationMessages)
    .add('policy', policyMessages)
    .add('scheduling', schedulingMessages)
    .add('networking', networkingMessages)
    .add('autoscaling', autoscalingMessages);
  for (const g of groups) r.add(g.pkg, listMessages(g.listable));
  return r;
}

export const schema = buildRegistry();

const kindTable = new Map<string, string>();
for (const g of groups) {
  for (const k of [...g.listable, ...g.listable.map((l) => `${l}List`), ...(g.other ?? [])]) {
    kindTable.set(`${g.apiVersion}\n${k}`, `${g.pkg}.${k}`);
  }
}

/** The message for apiVersion+kind, or undefined when the codec does not know it. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  return kindTable.get(`${apiVersion}\n${kind}`) ?? everyGroupVersion.get(kind);
}

/** Every apiVersion/kind pair the codec can encode and decode. */
export function protobufKinds(): { apiVersion: string; kind: string }[] {
  return [...kindTable.keys()].map((k) => {
    const [apiVersion, kind] = k.split('\n');
    return { apiVersion, kind };
  });
}

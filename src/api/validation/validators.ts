import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import * as apiext from './apiextensions.js';
import * as apps from './apps.js';
import * as autoscaling from './autoscaling.js';
import * as batch from './batch.js';
import * as cluster from './cluster.js';
import * as config from './config.js';
import * as coordination from './coordination.js';
import * as discovery from './discovery.js';
import * as event from './event.js';
import type { FieldError } from './field-error.js';
import {
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  type NameValidator,
} from './names.js';
import * as networking from './networking.js';
import { validateObjectMetaUpdate } from './object-meta.js';
import * as pod from './pod.js';
import * as policy from './policy.js';
import * as quota from './quota.js';
import * as rbac from './rbac.js';
import * as rc from './replication-controller.js';
import * as scheduling from './scheduling.js';
import * as service from './service.js';
import * as storage from './storage.js';

/**
 * The validation registry: one entry per built-in group/kind. The generic
 * store calls `validate` on create, `validateUpdate` on update (both return the
 * complete upstream error list for the object, metadata included), and
 * `validateStatusUpdate` for the status subresource. Objects must already be
 * defaulted, as upstream validates defaulted objects; unknown kinds (custom
 * resources) have no entry and are validated against their CRD schema instead.
 */
export interface KindValidator {
  validate(obj: any): FieldError[];
  validateUpdate(obj: any, old: any): FieldError[];
  /** Status subresource writes: metadata rules plus whatever upstream checks in status. */
  validateStatusUpdate?(obj: any, old: any): FieldError[];
}

/** Status writes that upstream checks only for metadata consistency. */
const metaOnlyStatus = (obj: { metadata?: ObjectMeta }, old: { metadata?: ObjectMeta }): FieldError[] =>
  validateObjectMetaUpdate(obj?.metadata, old?.metadata);

const table: [group: string, kind: string, v: KindValidator][] = [
  [
    '',
    'Pod',
    {
      validate: pod.validatePod,
      validateUpdate: pod.validatePodUpdate,
      validateStatusUpdate: pod.validatePodStatusUpdate,
    },
  ],
  ['', 'PodTemplate', { validate: rc.validatePodTemplate, validateUpdate: rc.validatePodTemplateUpdate }],
  [
    '',
    'ReplicationController',
    {
      validate: rc.validateReplicationController,
      validateUpdate: rc.validateReplicationControllerUpdate,
      validateStatusUpdate: rc.validateReplicationControllerStatusUpdate,
    },
  ],
  [
    '',
    'Service',
    {
      validate: service.validateService,
      validateUpdate: service.validateServiceUpdate,
      validateStatusUpdate: service.validateServiceStatusUpdate,
    },
  ],
  ['', 'Endpoints', { validate: service.validateEndpoints, validateUpdate: service.validateEndpointsUpdate }],
  ['', 'ConfigMap', { validate: config.validateConfigMap, validateUpdate: config.validateConfigMapUpdate }],
  ['', 'Secret', { validate: config.validateSecret, validateUpdate: config.validateSecretUpdate }],
  [
    '',
    'ServiceAccount',
    { validate: config.validateServiceAccount, validateUpdate: config.validateServiceAccountUpdate },
  ],
  [
    '',
    'Namespace',
    {
      validate: cluster.validateNamespace,
      validateUpdate: (n, o) => [...cluster.validateNamespace(n), ...cluster.validateNamespaceUpdate(n, o)],
      validateStatusUpdate: cluster.validateNamespaceStatusUpdate,
    },
  ],
  [
    '',
    'Node',
    {
      validate: cluster.validateNode,
      validateUpdate: (n, o) => [...cluster.validateNode(n), ...cluster.validateNodeUpdate(n, o)],
      validateStatusUpdate: cluster.validateNodeUpdate,
    },
  ],
  [
    '',
    'Event',
    {
      validate: (e) => event.validateEvent(e, false),
      validateUpdate: (e, o) => event.validateEventUpdate(e, o, false),
    },
  ],
  ['', 'LimitRange', { validate: quota.validateLimitRange, validateUpdate: quota.validateLimitRangeUpdate }],
  [
    '',
    'ResourceQuota',
    {
      validate: quota.validateResourceQuota,
      validateUpdate: quota.validateResourceQuotaUpdate,
      validateStatusUpdate: quota.validateResourceQuotaStatusUpdate,
    },
  ],
  [
    '',
    'PersistentVolume',
    {
      validate: storage.validatePersistentVolume,
      validateUpdate: (n, o) => [
        ...validateObjectMetaUpdate(n?.metadata, o?.metadata),
        ...storage.validatePersistentVolumeUpdate(n, o),
      ],
      validateStatusUpdate: storage.validatePersistentVolumeStatusUpdate,
    },
  ],
  [
    '',
    'PersistentVolumeClaim',
    {
      validate: storage.validatePersistentVolumeClaim,
      validateUpdate: storage.validatePersistentVolumeClaimUpdate,
      validateStatusUpdate: storage.validatePersistentVolumeClaimStatusUpdate,
    },
  ],
  [
    'apps',
    'Deployment',
    {
      validate: apps.validateDeployment,
      validateUpdate: apps.validateDeploymentUpdate,
      validateStatusUpdate: apps.validateDeploymentStatusUpdate,
    },
  ],
  [
    'apps',
    'ReplicaSet',
    {
      validate: apps.validateReplicaSet,
      validateUpdate: apps.validateReplicaSetUpdate,
      validateStatusUpdate: apps.validateReplicaSetStatusUpdate,
    },
  ],
  [
    'apps',
    'StatefulSet',
    {
      validate: apps.validateStatefulSet,
      validateUpdate: apps.validateStatefulSetUpdate,
      validateStatusUpdate: apps.validateStatefulSetStatusUpdate,
    },
  ],
  [
    'apps',
    'DaemonSet',
    {
      validate: apps.validateDaemonSet,
      validateUpdate: apps.validateDaemonSetUpdate,
      validateStatusUpdate: apps.validateDaemonSetStatusUpdate,
    },
  ],
  [
    'apps',
    'ControllerRevision',
    { validate: apps.validateControllerRevision, validateUpdate: apps.validateControllerRevisionUpdate },
  ],
  [
    'batch',
    'Job',
    {
      validate: batch.validateJob,
      validateUpdate: batch.validateJobUpdate,
      validateStatusUpdate: batch.validateJobStatusUpdate,
    },
  ],
  [
    'batch',
    'CronJob',
    {
      validate: batch.validateCronJob,
      validateUpdate: batch.validateCronJobUpdate,
      validateStatusUpdate: metaOnlyStatus,
    },
  ],
  ['rbac.authorization.k8s.io', 'Role', { validate: rbac.validateRole, validateUpdate: rbac.validateRoleUpdate }],
  [
    'rbac.authorization.k8s.io',
    'ClusterRole',
    { validate: rbac.validateClusterRole, validateUpdate: rbac.validateClusterRoleUpdate },
  ],
  [
    'rbac.authorization.k8s.io',
    'RoleBinding',
    { validate: rbac.validateRoleBinding, validateUpdate: rbac.validateRoleBindingUpdate },
  ],
  [
    'rbac.authorization.k8s.io',
    'ClusterRoleBinding',
    { validate: rbac.validateClusterRoleBinding, validateUpdate: rbac.validateClusterRoleBindingUpdate },
  ],
  [
    'coordination.k8s.io',
    'Lease',
    { validate: coordination.validateLease, validateUpdate: coordination.validateLeaseUpdate },
  ],
  [
    'policy',
    'PodDisruptionBudget',
    {
      validate: policy.validatePodDisruptionBudget,
      validateUpdate: policy.validatePodDisruptionBudgetUpdate,
      validateStatusUpdate: policy.validatePodDisruptionBudgetStatusUpdate,
    },
  ],
  [
    'scheduling.k8s.io',
    'PriorityClass',
    { validate: scheduling.validatePriorityClass, validateUpdate: scheduling.validatePriorityClassUpdate },
  ],
  [
    'networking.k8s.io',
    'Ingress',
    {
      validate: networking.validateIngress,
      validateUpdate: networking.validateIngressUpdate,
      validateStatusUpdate: networking.validateIngressStatusUpdate,
    },
  ],
  [
    'networking.k8s.io',
    'IngressClass',
    { validate: networking.validateIngressClass, validateUpdate: networking.validateIngressClassUpdate },
  ],
  [
    'networking.k8s.io',
    'NetworkPolicy',
    { validate: networking.validateNetworkPolicy, validateUpdate: networking.validateNetworkPolicyUpdate },
  ],
  [
    'autoscaling',
    'HorizontalPodAutoscaler',
    {
      validate: autoscaling.validateHorizontalPodAutoscaler,
      validateUpdate: autoscaling.validateHorizontalPodAutoscalerUpdate,
      validateStatusUpdate: autoscaling.validateHorizontalPodAutoscalerStatusUpdate,
    },
  ],
  [
    'apiextensions.k8s.io',
    'CustomResourceDefinition',
    {
      validate: apiext.validateCustomResourceDefinition,
      validateUpdate: apiext.validateCustomResourceDefinitionUpdate,
      validateStatusUpdate: apiext.validateCustomResourceDefinitionStatusUpdate,
    },
  ],
  [
    'storage.k8s.io',
    'StorageClass',
    {
      validate: storage.validateStorageClass,
      validateUpdate: (n, o) => [...storage.validateStorageClass(n), ...storage.validateStorageClassUpdate(n, o)],
    },
  ],
  [
    'discovery.k8s.io',
    'EndpointSlice',
    { validate: discovery.validateEndpointSlice, validateUpdate: discovery.validateEndpointSliceUpdate },
  ],
  [
    'events.k8s.io',
    'Event',
    {
      validate: (e) => event.validateEvent(event.eventsV1ToCore(e ?? {}), true),
      validateUpdate: (e, o) =>
        event.validateEventUpdate(event.eventsV1ToCore(e ?? {}), event.eventsV1ToCore(o ?? {}), true),
    },
  ],
];

const validators = new Map(table.map(([g, k, v]) => [`${g}/${k}`, v]));

/**
 * The validator for a built-in kind, or undefined for kinds kubets has no
 * built-in rules for. Every call on an entry must pass a non-null object.
 */
export function validatorFor(group: string, kind: string): KindValidator | undefined {
  return validators.get(`${group}/${kind}`);
}

const nameValidators = new Map<string, NameValidator>([
  ['/Namespace', nameIsDNSLabel],
  ['/Service', nameIsDNS1035Label],
  // core/v1 Events only get the generic path-segment rule (events.k8s.io ones are subdomains).
  ['/Event', (n) => nameIsPathSegment(n, false)],
  ['apps/StatefulSet', nameIsDNSLabel],
  ['policy/PodDisruptionBudget', (n) => nameIsPathSegment(n, false)],
  ['rbac.authorization.k8s.io/Role', rbac.validateRBACName],
  ['rbac.authorization.k8s.io/ClusterRole', rbac.validateRBACName],
  ['rbac.authorization.k8s.io/RoleBinding', rbac.validateRBACName],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', rbac.validateRBACName],
]);

/**
 * The name rule for a kind (used for generateName prefixes and by generic code
 * that validates names without the full validator). Most kinds, custom
 * resources included, use DNS-1123 subdomains.
 */
export function nameValidatorFor(group: string, kind: string): NameValidator {
  return nameValidators.get(`${group}/${kind}`) ?? nameIsDNSSubdomain;
}

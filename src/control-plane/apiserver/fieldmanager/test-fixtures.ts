/**
 * Test fixtures: a hand-made subset of the OpenAPI v2 definitions of
 * apps/v1 Deployment (with the list types, map types and patch metadata upstream
 * publishes), and Deployment builders. Used by this folder's tests only.
 */
import type { Definitions, SchemaObject } from '../../../api/openapi/schema-types.js';
import type { JsonObject } from './go-json.js';
import { typeForDefinition, type TypeNode } from './type-schema.js';

const ref = (name: string): SchemaObject => ({ $ref: `#/definitions/${name}` });
const str: SchemaObject = { type: 'string' };
const int: SchemaObject = { type: 'integer', format: 'int32' };
const bool: SchemaObject = { type: 'boolean' };
const stringMap: SchemaObject = { type: 'object', additionalProperties: str };

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const core = 'io.k8s.api.core.v1.';
const apps = 'io.k8s.api.apps.v1.';

export const definitions: Definitions = {
  [`${meta}Time`]: { type: 'string', format: 'date-time' },
  [`${meta}FieldsV1`]: { type: 'object' },
  [`${meta}ManagedFieldsEntry`]: {
    type: 'object',
    properties: {
      apiVersion: str,
      fieldsType: str,
      fieldsV1: ref(`${meta}FieldsV1`),
      manager: str,
      operation: str,
      subresource: str,
      time: ref(`${meta}Time`),
    },
  },
  [`${meta}OwnerReference`]: {
    type: 'object',
    required: ['apiVersion', 'kind', 'name', 'uid'],
    properties: { apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool },
    'x-kubernetes-map-type': 'atomic',
  },
  [`${meta}ObjectMeta`]: {
    type: 'object',
    properties: {
      annotations: stringMap,
      creationTimestamp: ref(`${meta}Time`),
      finalizers: {
        type: 'array',
        items: str,
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-patch-strategy': 'merge',
      },
      generation: { type: 'integer', format: 'int64' },
      labels: stringMap,
      managedFields: { type: 'array', items: ref(`${meta}ManagedFieldsEntry`), 'x-kubernetes-list-type': 'atomic' },
      name: str,
      namespace: str,
      ownerReferences: {
        type: 'array',
        items: ref(`${meta}OwnerReference`),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['uid'],
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      },
      resourceVersion: str,
      uid: str,
    },
  },
  [`${meta}LabelSelector`]: {
    type: 'object',
    properties: { matchLabels: stringMap, matchExpressions: { type: 'array', items: { type: 'object' } } },
    'x-kubernetes-map-type': 'atomic',
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
  [`${core}EnvVar`]: { type: 'object', required: ['name'], properties: { name: str, value: str } },
  [`${core}ContainerPort`]: {
    type: 'object',
    required: ['containerPort'],
    properties: { containerPort: int, hostPort: int, name: str, protocol: { type: 'string', default: 'TCP' } },
  },
  [`${core}ResourceRequirements`]: {
    type: 'object',
    properties: {
      limits: { type: 'object', additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity') },
      requests: { type: 'object', additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity') },
    },
  },
  [`${core}Container`]: {
    type: 'object',
    required: ['name'],
    properties: {
      name: str,
      image: str,
      imagePullPolicy: str,
      args: { type: 'array', items: str, 'x-kubernetes-list-type': 'atomic' },
      command: { type: 'array', items: str, 'x-kubernetes-list-type': 'atomic' },
      env: {
        type: 'array',
        items: ref(`${core}EnvVar`),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge',
      },
      ports: {
        type: 'array',
        items: ref(`${core}ContainerPort`),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
        'x-kubernetes-patch-merge-key': 'containerPort',
        'x-kubernetes-patch-strategy': 'merge',
      },
      resources: ref(`${core}ResourceRequirements`),
    },
  },
  [`${core}Toleration`]: { type: 'object', properties: { key: str, operator: str, effect: str } },
  [`${core}PodSpec`]: {
    type: 'object',
    required: ['containers'],
    properties: {
      containers: {
        type: 'array',
        items: ref(`${core}Container`),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge',
      },
      // A built-in list with a merge key but no list type (keyed by the merge key).
      initContainers: {
        type: 'array',
        items: ref(`${core}Container`),
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge',
      },
      nodeSelector: { ...stringMap, 'x-kubernetes-map-type': 'atomic' },
      restartPolicy: str,
      serviceAccountName: str,
      tolerations: { type: 'array', items: ref(`${core}Toleration`), 'x-kubernetes-list-type': 'atomic' },
    },
  },
  [`${core}PodTemplateSpec`]: {
    type: 'object',
    properties: { metadata: ref(`${meta}ObjectMeta`), spec: ref(`${core}PodSpec`) },
  },
  [`${apps}RollingUpdateDeployment`]: {
    type: 'object',
    properties: {
      maxSurge: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString'),
      maxUnavailable: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString'),
    },
  },
  [`${apps}DeploymentStrategy`]: {
    type: 'object',
    properties: { rollingUpdate: ref(`${apps}RollingUpdateDeployment`), type: str },
  },
  [`${apps}DeploymentSpec`]: {
    type: 'object',
    required: ['selector', 'template'],
    properties: {
      minReadySeconds: int,
      paused: bool,
      replicas: int,
      revisionHistoryLimit: int,
      selector: ref(`${meta}LabelSelector`),
      strategy: ref(`${apps}DeploymentStrategy`),
      template: ref(`${core}PodTemplateSpec`),
    },
  },
  [`${apps}DeploymentStatus`]: {
    type: 'object',
    properties: { observedGeneration: { type: 'integer', format: 'int64' }, replicas: int, readyReplicas: int },
  },
  [`${apps}Deployment`]: {
    type: 'object',
    properties: {
      apiVersion: str,
      kind: str,
      metadata: ref(`${meta}ObjectMeta`),
      spec: ref(`${apps}DeploymentSpec`),
      status: ref(`${apps}DeploymentStatus`),
    },
    'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
  },
};

export const deploymentType: TypeNode = typeForDefinition(definitions, `${apps}Deployment`);

export interface DeploymentOptions {
  replicas?: number;
  image?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  containers?: JsonObject[];
  finalizers?: string[];
}

/** An applied configuration for `default/web`, as kubectl sends it. */
export function deployment(o: DeploymentOptions = {}): JsonObject {
  const container: JsonObject = { name: 'nginx', image: o.image ?? 'nginx:1.27' };
  if (o.env) container.env = Object.entries(o.env).map(([name, value]) => ({ name, value }));
  const metadata: JsonObject = { name: 'web', namespace: 'default' };
  if (o.labels) metadata.labels = o.labels;
  if (o.finalizers) metadata.finalizers = o.finalizers;
  const spec: JsonObject = {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: o.containers ?? [container] } },
  };
  if (o.replicas !== undefined) spec.replicas = o.replicas;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec };
}

/** What the store would hold after creating `obj`: server-set metadata added. */
export function stored(obj: JsonObject, resourceVersion = '1'): JsonObject {
  const copy = structuredClone(obj);
  const m = copy.metadata as JsonObject;
  m.uid = m.uid ?? '6f1c3c3e-5b1e-4f4a-9d0e-1c2b3a4d5e6f';
  m.resourceVersion = resourceVersion;
  m.creationTimestamp = m.creationTimestamp ?? '2024-05-01T10:00:00Z';
  m.generation = m.generation ?? 1;
  return copy;
}

/**
 * A small hand-built slice of the OpenAPI v2 definitions, shaped like the
 * generated ones: a Deployment down to containers, ObjectMeta with maps and
 * managedFields (FieldsV1), a kind with a RawExtension and an apiextensions JSON
 * field, an empty struct and a map of objects.
 */
import type { Definitions } from '../../openapi/schema-types.js';

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const core = 'io.k8s.api.core.v1';

export const definitions: Definitions = {
  [`${meta}.ObjectMeta`]: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      namespace: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      annotations: { type: 'object', additionalProperties: { type: 'string' } },
      managedFields: { type: 'array', items: ref(`${meta}.ManagedFieldsEntry`) },
      creationTimestamp: ref(`${meta}.Time`),
    },
  },
  [`${meta}.ManagedFieldsEntry`]: {
    type: 'object',
    properties: { manager: { type: 'string' }, fieldsV1: ref(`${meta}.FieldsV1`), time: ref(`${meta}.Time`) },
  },
  [`${meta}.FieldsV1`]: { type: 'object' },
  [`${meta}.Time`]: { type: 'string', format: 'date-time' },
  [`${meta}.LabelSelector`]: {
    type: 'object',
    properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
  },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': { 'x-kubernetes-preserve-unknown-fields': true },
  'io.k8s.api.apps.v1.Deployment': {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: ref(`${meta}.ObjectMeta`),
      spec: ref('io.k8s.api.apps.v1.DeploymentSpec'),
      status: ref('io.k8s.api.apps.v1.DeploymentStatus'),
    },
    'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
  },
  'io.k8s.api.apps.v1.DeploymentSpec': {
    type: 'object',
    properties: {
      replicas: { type: 'integer', format: 'int32' },
      paused: { type: 'boolean' },
      selector: ref(`${meta}.LabelSelector`),
      template: ref(`${core}.PodTemplateSpec`),
      maxSurge: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString'),
    },
  },
  'io.k8s.api.apps.v1.DeploymentStatus': { type: 'object', properties: { replicas: { type: 'integer' } } },
  [`${core}.PodTemplateSpec`]: {
    type: 'object',
    properties: { metadata: ref(`${meta}.ObjectMeta`), spec: ref(`${core}.PodSpec`) },
  },
  [`${core}.PodSpec`]: {
    type: 'object',
    properties: {
      containers: { type: 'array', items: ref(`${core}.Container`) },
      nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
      overhead: { type: 'object', additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity') },
    },
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
  [`${core}.Container`]: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      image: { type: 'string' },
      imagePullPolicy: { type: 'string' },
      args: { type: 'array', items: { type: 'string' } },
      ports: { type: 'array', items: ref(`${core}.ContainerPort`) },
    },
  },
  [`${core}.ContainerPort`]: {
    type: 'object',
    properties: { containerPort: { type: 'integer' }, protocol: { type: 'string' } },
  },
  // A kind with opaque fields, an empty struct and a map of objects.
  'io.k8s.api.example.v1.Holder': {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: ref(`${meta}.ObjectMeta`),
      raw: ref('io.k8s.apimachinery.pkg.runtime.RawExtension'),
      json: ref('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON'),
      empty: ref('io.k8s.api.example.v1.Empty'),
      selectors: { type: 'object', additionalProperties: ref(`${meta}.LabelSelector`) },
      anything: { type: 'object', additionalProperties: true },
    },
  },
  'io.k8s.api.example.v1.Empty': { type: 'object' },
};

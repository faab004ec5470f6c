import type { Definitions, SchemaObject } from '../../openapi/schema-types.js';

/**
 * Hand-written OpenAPI definitions for the patch tests, so they do not depend
 * on the generated documents. The Kubernetes-shaped ones carry no patch
 * extensions: tests add them from the real patch table with
 * `withPatchMetadata`, which exercises the table too. `test.MergeItem` mirrors
 * the struct upstream's strategicpatch tests use and carries its extensions
 * inline.
 */
const str: SchemaObject = { type: 'string' };
const int: SchemaObject = { type: 'integer', format: 'int32' };
const bool: SchemaObject = { type: 'boolean' };
const ref = (name: string): SchemaObject => ({ $ref: `#/definitions/${name}` });
const arr = (items: SchemaObject, ext: SchemaObject = {}): SchemaObject => ({ type: 'array', items, ...ext });
const map = (values: SchemaObject): SchemaObject => ({ type: 'object', additionalProperties: values });
const obj = (properties: Record<string, SchemaObject>): SchemaObject => ({ type: 'object', properties });

const core = 'io.k8s.api.core.v1.';
const apps = 'io.k8s.api.apps.v1.';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

export const kubeFixtureDefinitions: Definitions = {
  [`${meta}ObjectMeta`]: obj({
    name: str,
    namespace: str,
    uid: str,
    resourceVersion: str,
    labels: map(str),
    annotations: map(str),
    finalizers: arr(str),
    ownerReferences: arr(ref(`${meta}OwnerReference`)),
  }),
  [`${meta}OwnerReference`]: obj({ apiVersion: str, kind: str, name: str, uid: str, controller: bool }),
  [`${meta}LabelSelector`]: obj({
    matchLabels: map(str),
    matchExpressions: arr(ref(`${meta}LabelSelectorRequirement`)),
  }),
  [`${meta}LabelSelectorRequirement`]: obj({ key: str, operator: str, values: arr(str) }),

  [`${core}Pod`]: obj({
    apiVersion: str,
    kind: str,
    metadata: ref(`${meta}ObjectMeta`),
    spec: ref(`${core}PodSpec`),
    status: ref(`${core}PodStatus`),
  }),
  [`${core}PodSpec`]: obj({
    containers: arr(ref(`${core}Container`)),
    initContainers: arr(ref(`${core}Container`)),
    volumes: arr(ref(`${core}Volume`)),
    tolerations: arr(ref(`${core}Toleration`)),
    imagePullSecrets: arr(ref(`${core}LocalObjectReference`)),
    hostAliases: arr(ref(`${core}HostAlias`)),
    topologySpreadConstraints: arr(ref(`${core}TopologySpreadConstraint`)),
    nodeSelector: map(str),
    restartPolicy: str,
    serviceAccountName: str,
  }),
  [`${core}Container`]: obj({
    name: str,
    image: str,
    imagePullPolicy: str,
    terminationMessagePath: str,
    command: arr(str),
    args: arr(str),
    env: arr(ref(`${core}EnvVar`)),
    ports: arr(ref(`${core}ContainerPort`)),
    volumeMounts: arr(ref(`${core}VolumeMount`)),
    resources: ref(`${core}ResourceRequirements`),
  }),
  [`${core}EnvVar`]: obj({ name: str, value: str, valueFrom: obj({ fieldRef: obj({ fieldPath: str }) }) }),
  [`${core}ContainerPort`]: obj({ name: str, containerPort: int, protocol: str }),
  [`${core}VolumeMount`]: obj({ name: str, mountPath: str, readOnly: bool }),
  [`${core}ResourceRequirements`]: obj({ limits: map(str), requests: map(str) }),
  [`${core}Volume`]: obj({
    name: str,
    emptyDir: obj({ medium: str }),
    configMap: obj({ name: str }),
    secret: obj({ secretName: str }),
  }),
  [`${core}Toleration`]: obj({ key: str, operator: str, value: str, effect: str }),
  [`${core}LocalObjectReference`]: obj({ name: str }),
  [`${core}HostAlias`]: obj({ ip: str, hostnames: arr(str) }),
  [`${core}TopologySpreadConstraint`]: obj({ topologyKey: str, whenUnsatisfiable: str, maxSkew: int }),
  [`${core}PodStatus`]: obj({
    phase: str,
    conditions: arr(ref(`${core}PodCondition`)),
    podIPs: arr(ref(`${core}PodIP`)),
  }),
  [`${core}PodCondition`]: obj({ type: str, status: str }),
  [`${core}PodIP`]: obj({ ip: str }),
  [`${core}PodTemplateSpec`]: obj({ metadata: ref(`${meta}ObjectMeta`), spec: ref(`${core}PodSpec`) }),
  [`${core}Service`]: obj({ metadata: ref(`${meta}ObjectMeta`), spec: ref(`${core}ServiceSpec`) }),
  [`${core}ServiceSpec`]: obj({ ports: arr(ref(`${core}ServicePort`)), selector: map(str), type: str }),
  [`${core}ServicePort`]: obj({ name: str, port: int, protocol: str, targetPort: {} }),
  [`${core}Node`]: obj({
    metadata: ref(`${meta}ObjectMeta`),
    spec: ref(`${core}NodeSpec`),
    status: ref(`${core}NodeStatus`),
  }),
  [`${core}NodeSpec`]: obj({ podCIDRs: arr(str), taints: arr(ref(`${core}Taint`)), unschedulable: bool }),
  [`${core}Taint`]: obj({ key: str, value: str, effect: str }),
  [`${core}NodeStatus`]: obj({ addresses: arr(ref(`${core}NodeAddress`)) }),
  [`${core}NodeAddress`]: obj({ type: str, address: str }),

  [`${apps}Deployment`]: obj({
    apiVersion: str,
    kind: str,
    metadata: ref(`${meta}ObjectMeta`),
    spec: ref(`${apps}DeploymentSpec`),
  }),
  [`${apps}DeploymentSpec`]: obj({
    replicas: int,
    selector: ref(`${meta}LabelSelector`),
    template: ref(`${core}PodTemplateSpec`),
    strategy: ref(`${apps}DeploymentStrategy`),
  }),
  [`${apps}DeploymentStrategy`]: obj({ type: str, rollingUpdate: ref(`${apps}RollingUpdateDeployment`) }),
  [`${apps}RollingUpdateDeployment`]: obj({ maxSurge: {}, maxUnavailable: {} }),
};

const mergeByName: SchemaObject = { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' };

/** Upstream `strategicpatch` test types (`MergeItem`, `RetainKeysMergeItem`). */
export const mergeItemDefinitions: Definitions = {
  'test.MergeItem': obj({
    name: str,
    value: str,
    other: str,
    mergingList: arr(ref('test.MergeItem'), mergeByName),
    nonMergingList: arr(ref('test.MergeItem')),
    mergingIntList: arr(int, { 'x-kubernetes-patch-strategy': 'merge' }),
    nonMergingIntList: arr(int),
    mergeItemPtr: { ...ref('test.MergeItem'), ...mergeByName },
    simpleMap: map(str),
    replacingItem: { type: 'object', 'x-kubernetes-patch-strategy': 'replace' },
    retainKeysMap: { ...ref('test.RetainKeysMergeItem'), 'x-kubernetes-patch-strategy': 'retainKeys' },
    retainKeysMergingList: arr(ref('test.MergeItem'), {
      'x-kubernetes-patch-strategy': 'merge,retainKeys',
      'x-kubernetes-patch-merge-key': 'name',
    }),
  }),
  'test.RetainKeysMergeItem': obj({
    name: str,
    value: str,
    other: str,
    simpleMap: map(str),
    mergingIntList: arr(int, { 'x-kubernetes-patch-strategy': 'merge' }),
    mergingList: arr(ref('test.MergeItem'), mergeByName),
    nonMergingList: arr(ref('test.MergeItem')),
  }),
};

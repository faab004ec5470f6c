import {
  defaultPersistentVolumeClaimSpec,
  defaultPodOnly,
  defaultPodSpec,
  defaultPodTemplateSpec,
  defaultVolumeSources,
} from './pod-spec.js';
import {
  type DefaulterTable,
  type JsonObject,
  copyJson,
  forEachObject,
  isEmptyCollection,
  isEmptyString,
  isNil,
  isObject,
  objectField,
  structField,
} from './util.js';

/**
 * core/v1 defaulters (upstream v1.32 `pkg/apis/core/v1/defaults.go` and the
 * generated `SetObjectDefaults_*`). Kinds without upstream defaults (ConfigMap
 * — its `data: {}` default is invisible on the wire —, ServiceAccount,
 * ResourceQuota, Event, Binding, ComponentStatus) have no entry.
 *
 * Left to the registries, as upstream: Namespace `spec.finalizers:
 * [kubernetes]`, Pod `status.phase`/`qosClass`, Service clusterIP/ipFamilies/
 * nodePort allocation.
 */
export const coreDefaulters: DefaulterTable = {
  Pod: (pod) => {
    defaultPodOnly(pod);
    const spec = structField(pod, 'spec');
    if (spec) defaultPodSpec(spec);
  },
  PodTemplate: (pt) => {
    const template = structField(pt, 'template');
    if (template) defaultPodTemplateSpec(template);
  },
  ReplicationController: (rc) => {
    const spec = structField(rc, 'spec');
    if (!spec) return;
    const template = objectField(spec, 'template');
    const labels = template && objectField(template, 'metadata') ? template.metadata.labels : undefined;
    // An empty label map would be invisible on a Go server's wire; copying it would not.
    if (isObject(labels) && Object.keys(labels).length > 0) {
      if (isEmptyCollection(spec.selector)) spec.selector = copyJson(labels);
      const metadata = structField(rc, 'metadata');
      if (metadata && isEmptyCollection(metadata.labels)) metadata.labels = copyJson(labels);
    }
    if (isNil(spec.replicas)) spec.replicas = 1;
    if (template) defaultPodTemplateSpec(template);
  },
  Service: defaultService,
  Namespace: (ns) => {
    const metadata = structField(ns, 'metadata');
    if (metadata && typeof metadata.name === 'string' && metadata.name !== '') {
      if (!isObject(metadata.labels)) metadata.labels = {};
      metadata.labels['kubernetes.io/metadata.name'] = metadata.name;
    }
    const status = structField(ns, 'status');
    if (status && isEmptyString(status.phase)) status.phase = 'Active';
  },
  Secret: (secret) => {
    if (isEmptyString(secret.type)) secret.type = 'Opaque';
  },
  PersistentVolume: (pv) => {
    const status = structField(pv, 'status');
    if (status && isEmptyString(status.phase)) status.phase = 'Pending';
    const spec = structField(pv, 'spec');
    if (!spec) return;
    if (isEmptyString(spec.persistentVolumeReclaimPolicy)) spec.persistentVolumeReclaimPolicy = 'Retain';
    if (isNil(spec.volumeMode)) spec.volumeMode = 'Filesystem';
    defaultVolumeSources(spec);
  },
  PersistentVolumeClaim: defaultPersistentVolumeClaim,
  Endpoints: (ep) => {
    forEachObject(ep.subsets, (subset) =>
      forEachObject(subset.ports, (p) => {
        if (isEmptyString(p.protocol)) p.protocol = 'TCP';
      }),
    );
  },
  LimitRange: (lr) => {
    const spec = objectField(lr, 'spec');
    if (spec) forEachObject(spec.limits, defaultLimitRangeItem);
  },
  Node: (node) => {
    const status = objectField(node, 'status');
    if (status && isNil(status.allocatable) && !isNil(status.capacity)) status.allocatable = copyJson(status.capacity);
  },
};

function defaultService(svc: JsonObject): void {
  const spec = structField(svc, 'spec');
  if (!spec) return;
  if (isEmptyString(spec.sessionAffinity)) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && isNil(spec.sessionAffinityConfig?.clientIP?.timeoutSeconds)) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (isEmptyString(spec.type)) spec.type = 'ClusterIP';
  forEachObject(spec.ports, (p) => {
    if (isEmptyString(p.protocol)) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') {
      p.targetPort = p.port ?? 0;
    }
  });
  const type = spec.type;
  const externallyAccessible =
    type === 'LoadBalancer' ||
    type === 'NodePort' ||
    (type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (externallyAccessible && isEmptyString(spec.externalTrafficPolicy)) spec.externalTrafficPolicy = 'Cluster';
  if (isNil(spec.internalTrafficPolicy) && (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP')) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (type === 'LoadBalancer') {
    if (isNil(spec.allocateLoadBalancerNodePorts)) spec.allocateLoadBalancerNodePorts = true;
    const lb = objectField(svc, 'status') && objectField(svc.status, 'loadBalancer');
    forEachObject(lb?.ingress, (ing) => {
      if (!isEmptyString(ing.ip) && isNil(ing.ipMode)) ing.ipMode = 'VIP';
    });
  }
}

/** A PersistentVolumeClaim object: standalone, or a StatefulSet volumeClaimTemplate. */
export function defaultPersistentVolumeClaim(pvc: JsonObject): void {
  const status = structField(pvc, 'status');
  if (status && isEmptyString(status.phase)) status.phase = 'Pending';
  const spec = structField(pvc, 'spec');
  if (spec) defaultPersistentVolumeClaimSpec(spec);
}

function defaultLimitRangeItem(item: JsonObject): void {
  if (item.type !== 'Container') return;
  // Each step fills only resources missing from the target; empty maps are
  // not created (Go's empty maps are invisible on the wire).
  const fill = (target: string, source: unknown) => {
    if (!isObject(source)) return;
    for (const [name, value] of Object.entries(source)) {
      if (!isObject(item[target])) item[target] = {};
      if (!(name in item[target])) item[target][name] = value;
    }
  };
  fill('default', item.max);
  fill('defaultRequest', item.default);
  fill('defaultRequest', item.min);
}

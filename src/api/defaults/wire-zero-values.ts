import { type Defaulter, type JsonObject, forEachObject, isObject, structField } from './util.js';

/**
 * Fields a Go kube-apiserver always writes even when nobody set them, so
 * clients see them in every response: struct-valued fields (Go's `omitempty`
 * does not apply to structs, so `status: {}`, `loadBalancer: {}`), zero
 * `metav1.Time` values (`null`), and fields declared without `omitempty`
 * (`replicas: 0`, `rules: null`). kubectl's own client-side output shows the
 * same shapes (`kubectl create deployment --dry-run=client -o json` carries
 * `status: {}`), so tools that diff server responses expect them.
 *
 * Only the top-level kinds kubets serves are listed; nested struct fields of
 * pod specs (container `resources: {}`, template `creationTimestamp: null`)
 * are written by the pod defaulters. A field is added only when absent, so a
 * value the user or a controller set is never changed.
 */
export const wireZeroValues: Readonly<Record<string, Defaulter>> = {
  '/Pod': (o) => ensure(o, 'status', {}),
  '/Service': (o) => ensure(o, 'status', { loadBalancer: {} }),
  '/ReplicationController': (o) => ensure(o, 'status', { replicas: 0 }),
  '/Namespace': (o) => {
    ensure(o, 'spec', {});
    ensure(o, 'status', {});
  },
  '/ResourceQuota': (o) => {
    ensure(o, 'spec', {});
    ensure(o, 'status', {});
  },
  '/PersistentVolume': (o) => ensure(o, 'status', {}),
  '/PersistentVolumeClaim': (o) => ensure(o, 'status', {}),
  '/Node': (o) => {
    ensure(o, 'spec', {});
    ensure(o, 'status', {
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: '',
        containerRuntimeVersion: '',
        kubeletVersion: '',
        kubeProxyVersion: '',
        operatingSystem: '',
        architecture: '',
      },
    });
  },
  '/Event': (o) => {
    ensure(o, 'involvedObject', {});
    ensure(o, 'source', {});
    for (const key of ['firstTimestamp', 'lastTimestamp', 'eventTime']) ensureValue(o, key, null);
    ensureValue(o, 'reportingComponent', '');
    ensureValue(o, 'reportingInstance', '');
  },
  'apps/Deployment': (o) => ensure(o, 'status', {}),
  'apps/ReplicaSet': (o) => ensure(o, 'status', { replicas: 0 }),
  'apps/StatefulSet': (o) => ensure(o, 'status', { replicas: 0, availableReplicas: 0 }),
  'apps/DaemonSet': (o) =>
    ensure(o, 'status', {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    }),
  'batch/Job': (o) => ensure(o, 'status', {}),
  'batch/CronJob': (o) => ensure(o, 'status', {}),
  'autoscaling/HorizontalPodAutoscaler': (o, version) =>
    ensure(
      o,
      'status',
      version === 'v1' ? { currentReplicas: 0, desiredReplicas: 0 } : { currentMetrics: null, desiredReplicas: 0 },
    ),
  'policy/PodDisruptionBudget': (o) =>
    ensure(o, 'status', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
  'networking.k8s.io/Ingress': (o) => ensure(o, 'status', { loadBalancer: {} }),
  'networking.k8s.io/IngressClass': (o) => ensure(o, 'spec', {}),
  'rbac.authorization.k8s.io/Role': (o) => ensureValue(o, 'rules', null),
  'rbac.authorization.k8s.io/ClusterRole': (o) => ensureValue(o, 'rules', null),
  'coordination.k8s.io/Lease': (o) => ensure(o, 'spec', {}),
  'discovery.k8s.io/EndpointSlice': (o) => {
    ensureValue(o, 'endpoints', null);
    ensureValue(o, 'ports', null);
    forEachObject(o.endpoints, (e) => ensure(e, 'conditions', {}));
  },
  'events.k8s.io/Event': (o) => {
    ensure(o, 'regarding', {});
    ensure(o, 'deprecatedSource', {});
    for (const key of ['eventTime', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp']) ensureValue(o, key, null);
  },
  'scheduling.k8s.io/PriorityClass': (o) => ensureValue(o, 'value', 0),
  'storage.k8s.io/VolumeAttachment': (o) => ensure(o, 'status', { attached: false }),
  'certificates.k8s.io/CertificateSigningRequest': (o) => ensure(o, 'status', {}),
  'apiextensions.k8s.io/CustomResourceDefinition': (o) =>
    ensure(o, 'status', { acceptedNames: { kind: '', plural: '' } }),
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': (o) => ensure(o, 'status', {}),
  'flowcontrol.apiserver.k8s.io/FlowSchema': (o) => ensure(o, 'status', {}),
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration': (o) => ensure(o, 'status', {}),
  'apiregistration.k8s.io/APIService': (o) => ensure(o, 'status', {}),
};

/**
 * Makes `obj[key]` an object holding at least the keys of `zero` (recursively),
 * adding only what is missing. Leaves a non-object value alone for validation.
 */
function ensure(obj: JsonObject, key: string, zero: JsonObject): void {
  const target = structField(obj, key);
  if (target) fill(target, zero);
}

function fill(target: JsonObject, zero: JsonObject): void {
  for (const [k, v] of Object.entries(zero)) {
    if (isObject(v)) {
      const child = structField(target, k);
      if (child) fill(child, v);
    } else if (!(k in target)) {
      target[k] = v;
    }
  }
}

function ensureValue(obj: JsonObject, key: string, value: unknown): void {
  if (!(key in obj)) obj[key] = value;
}

import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Container, Pod, PodSpec, PodTemplateSpec, Service } from 'kubernetes-types/core/v1.js';
import { fieldErrorString, type FieldError } from './field-error.js';

/**
 * Defaulted objects (as the apiserver's defaulting leaves them) for the
 * validation tests, plus compact renderings of error lists for assertions.
 * Test-only: nothing in the product imports this file.
 */

/** `<type> <field>` per error, e.g. `FieldValueRequired spec.containers[0].image`. */
export function kinds(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.type} ${e.field}`);
}

/** The full upstream rendering per error, e.g. `metadata.name: Invalid value: "Foo": ...`. */
export function messages(errs: FieldError[]): string[] {
  return errs.map(fieldErrorString);
}

export const clone = <T>(v: T): T => structuredClone(v);

export function container(name = 'app', extra: Partial<Container> = {}): Container {
  return {
    name,
    image: 'busybox:1.36',
    imagePullPolicy: 'IfNotPresent',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    resources: {},
    ...extra,
  };
}

export function podSpec(extra: Partial<PodSpec> = {}): PodSpec {
  return {
    containers: [container()],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
    enableServiceLinks: true,
    ...extra,
  };
}

export function pod(extra: Partial<PodSpec> = {}, name = 'web'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: 'u-1', resourceVersion: '1', labels: { app: 'web' } },
    spec: podSpec(extra),
  };
}

export function template(
  labels: Record<string, string> = { app: 'web' },
  extra: Partial<PodSpec> = {},
): PodTemplateSpec {
  return { metadata: { labels }, spec: podSpec(extra) };
}

export function deployment(): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-1', resourceVersion: '1', generation: 1 },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: template(),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
  };
}

export function replicaSet(): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-abc', namespace: 'default', uid: 'rs-1', resourceVersion: '1' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template() },
  };
}

export function statefulSet(): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default', uid: 'ss-1', resourceVersion: '1' },
    spec: {
      replicas: 1,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: template({ app: 'db' }),
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
  };
}

export function daemonSet(): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-1', resourceVersion: '1' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: template({ app: 'agent' }),
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
  };
}

export function service(extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', uid: 's-1', resourceVersion: '1' },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
      clusterIP: '10.43.0.15',
      clusterIPs: ['10.43.0.15'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ...extra,
    },
  };
}

const meta = (name: string, namespace?: string) => ({ name, namespace, uid: 'u1', resourceVersion: '1' });

/** One valid, defaulted object per registered kind: [group, kind, object]. */
export function registryFixtures(): [group: string, kind: string, obj: Record<string, any>][] {
  return [
    ['', 'Pod', pod()],
    ['', 'PodTemplate', { metadata: meta('t', 'default'), template: deployment().spec!.template }],
    [
      '',
      'ReplicationController',
      {
        metadata: meta('rc', 'default'),
        spec: { replicas: 1, selector: { app: 'web' }, template: deployment().spec!.template },
      },
    ],
    ['', 'Service', service()],
    [
      '',
      'Endpoints',
      {
        metadata: meta('web', 'default'),
        subsets: [{ addresses: [{ ip: '10.42.0.9' }], ports: [{ port: 80, protocol: 'TCP' }] }],
      },
    ],
    ['', 'ConfigMap', { metadata: meta('c', 'default'), data: { k: 'v' } }],
    ['', 'Secret', { metadata: meta('s', 'default'), type: 'Opaque', data: { k: 'dg==' } }],
    ['', 'ServiceAccount', { metadata: meta('default', 'default') }],
    ['', 'Namespace', { metadata: meta('team-a'), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }],
    [
      '',
      'Node',
      { metadata: meta('node-1'), spec: { podCIDRs: ['10.42.0.0/24'] }, status: { capacity: { cpu: '2' } } },
    ],
    [
      '',
      'Event',
      {
        metadata: meta('web.1', 'default'),
        involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
        reason: 'Started',
      },
    ],
    [
      '',
      'LimitRange',
      { metadata: meta('lr', 'default'), spec: { limits: [{ type: 'Container', default: { cpu: '1' } }] } },
    ],
    ['', 'ResourceQuota', { metadata: meta('q', 'default'), spec: { hard: { pods: '10' } } }],
    [
      '',
      'PersistentVolume',
      {
        metadata: meta('pv'),
        spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: '/d' } },
      },
    ],
    [
      '',
      'PersistentVolumeClaim',
      {
        metadata: meta('pvc', 'default'),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ],
    ['apps', 'Deployment', deployment()],
    ['apps', 'ReplicaSet', replicaSet()],
    ['apps', 'StatefulSet', statefulSet()],
    ['apps', 'DaemonSet', daemonSet()],
    ['apps', 'ControllerRevision', { metadata: meta('web-1', 'default'), data: {}, revision: 1 }],
    [
      'batch',
      'Job',
      {
        metadata: meta('j', 'default'),
        spec: {
          manualSelector: true,
          selector: { matchLabels: { app: 'j' } },
          template: { metadata: { labels: { app: 'j' } }, spec: { ...pod().spec, restartPolicy: 'Never' } },
        },
      },
    ],
    [
      'batch',
      'CronJob',
      {
        metadata: meta('c', 'default'),
        spec: {
          schedule: '@hourly',
          concurrencyPolicy: 'Forbid',
          jobTemplate: { spec: { template: { spec: { ...pod().spec, restartPolicy: 'OnFailure' } } } },
        },
      },
    ],
    [
      'rbac.authorization.k8s.io',
      'Role',
      { metadata: meta('r', 'default'), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
    ],
    [
      'rbac.authorization.k8s.io',
      'ClusterRole',
      { metadata: meta('system:r'), rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] },
    ],
    [
      'rbac.authorization.k8s.io',
      'RoleBinding',
      {
        metadata: meta('rb', 'default'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    ],
    [
      'rbac.authorization.k8s.io',
      'ClusterRoleBinding',
      {
        metadata: meta('crb'),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
      },
    ],
    [
      'coordination.k8s.io',
      'Lease',
      { metadata: meta('l', 'kube-node-lease'), spec: { holderIdentity: 'n', leaseDurationSeconds: 40 } },
    ],
    [
      'policy',
      'PodDisruptionBudget',
      { metadata: meta('p', 'default'), spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'web' } } } },
    ],
    ['scheduling.k8s.io', 'PriorityClass', { metadata: meta('high'), value: 100 }],
    [
      'networking.k8s.io',
      'Ingress',
      {
        metadata: meta('i', 'default'),
        spec: { defaultBackend: { service: { name: 'web', port: { name: 'http' } } } },
      },
    ],
    ['networking.k8s.io', 'IngressClass', { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx' } }],
    [
      'networking.k8s.io',
      'NetworkPolicy',
      { metadata: meta('np', 'default'), spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    ],
    [
      'autoscaling',
      'HorizontalPodAutoscaler',
      {
        apiVersion: 'autoscaling/v1',
        metadata: meta('h', 'default'),
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 },
      },
    ],
    [
      'apiextensions.k8s.io',
      'CustomResourceDefinition',
      {
        metadata: meta('widgets.example.com'),
        spec: {
          group: 'example.com',
          scope: 'Cluster',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
        },
      },
    ],
    [
      'storage.k8s.io',
      'StorageClass',
      {
        metadata: meta('local'),
        provisioner: 'example.com/local',
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
      },
    ],
    [
      'discovery.k8s.io',
      'EndpointSlice',
      {
        metadata: meta('es', 'default'),
        addressType: 'FQDN',
        endpoints: [{ addresses: ['db.example.com'] }],
        ports: [{ name: '', port: 5432, protocol: 'TCP' }],
      },
    ],
    [
      'events.k8s.io',
      'Event',
      {
        metadata: meta('e.1', 'default'),
        eventTime: '2026-01-01T00:00:00.000000Z',
        reportingController: 'kubelet',
        reportingInstance: 'n1',
        action: 'Pulled',
        reason: 'Pulled',
        type: 'Normal',
        regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
      },
    ],
  ];
}

import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { eventsRule, Read, rule } from '../policy-rule.js';

/**
 * The `system:controller:<name>` ClusterRoles of kube-controller-manager v1.32
 * with default feature gates (upstream `bootstrappolicy/controller_policy.go`).
 * Each is bound to the ServiceAccount `kube-system/<name>` the controller runs as.
 * Roles behind gates that are off by default in 1.32 (DRA resource-claim,
 * service-cidrs, VolumeAttributesClass, ClusterTrustBundle, SELinux warning,
 * storage-version ones) are left out.
 */
export const controllerRolePrefix = 'system:controller:';

const core = '';
const apps = 'apps';
const extensions = 'extensions';
const batch = 'batch';
const policy = 'policy';
const storage = 'storage.k8s.io';
const discovery = 'discovery.k8s.io';
const certificates = 'certificates.k8s.io';

export function controllerRoleSpecs(): { name: string; rules: PolicyRule[] }[] {
  return [
    {
      name: 'attachdetach-controller',
      rules: [
        rule(['list', 'watch'], [core], ['persistentvolumes', 'persistentvolumeclaims']),
        rule(Read, [core], ['nodes']),
        rule(['patch', 'update'], [core], ['nodes/status']),
        rule(['list', 'watch'], [core], ['pods']),
        eventsRule(),
        rule(['get', 'create', 'delete', 'list', 'watch'], [storage], ['volumeattachments']),
        rule(Read, [storage], ['csidrivers']),
        rule(Read, [storage], ['csinodes']),
      ],
    },
    {
      name: 'clusterrole-aggregation-controller',
      rules: [
        rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], ['rbac.authorization.k8s.io'], ['clusterroles']),
      ],
    },
    {
      name: 'cronjob-controller',
      rules: [
        rule(['get', 'list', 'watch', 'update'], [batch], ['cronjobs']),
        rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], [batch], ['jobs']),
        rule(['update'], [batch], ['cronjobs/status']),
        rule(['update'], [batch], ['cronjobs/finalizers']),
        rule(['list', 'watch', 'delete'], [core], ['pods']),
        eventsRule(),
      ],
    },
    {
      name: 'daemon-set-controller',
      rules: [
        rule(Read, [extensions, apps], ['daemonsets']),
        rule(['update'], [extensions, apps], ['daemonsets/status']),
        rule(['update'], [extensions, apps], ['daemonsets/finalizers']),
        rule(['list', 'watch'], [core], ['nodes']),
        rule(['list', 'watch', 'create', 'delete', 'patch'], [core], ['pods']),
        rule(['create'], [core], ['pods/binding']),
        rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], [apps], ['controllerrevisions']),
        eventsRule(),
      ],
    },
    {
      name: 'deployment-controller',
      rules: [
        rule(['get', 'list', 'watch', 'update'], [extensions, apps], ['deployments']),
        rule(['update'], [extensions, apps], ['deployments/status']),
        rule(['update'], [extensions, apps], ['deployments/finalizers']),
        rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], [apps, extensions], ['replicasets']),
        rule(['get', 'list', 'watch', 'update'], [core], ['pods']),
        eventsRule(),
      ],
    },
    {
      name: 'disruption-controller',
      rules: [
        rule(Read, [extensions, apps], ['deployments']),
        rule(Read, [apps, extensions], ['replicasets']),
        rule(Read, [core], ['replicationcontrollers']),
        rule(Read, [policy], ['poddisruptionbudgets']),
        rule(Read, [apps], ['statefulsets']),
        rule(['update'], [policy], ['poddisruptionbudgets/status']),
        rule(['patch', 'update'], [core], ['pods/status']),
        rule(['get'], ['*'], ['*/scale']),
        eventsRule(),
      ],
    },
    {
      name: 'endpoint-controller',
      rules: [
        rule(Read, [core], ['services', 'pods']),
        rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [core], ['endpoints']),
        rule(['create'], [core], ['endpoints/restricted']),
        eventsRule(),
      ],
    },
    {
      name: 'endpointslice-controller',
      rules: [
        rule(Read, [core], ['services', 'pods', 'nodes']),
        rule(['update'], [core], ['services/finalizers']),
        rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [discovery], ['endpointslices']),
        eventsRule(),
      ],
    },
    {
      name: 'endpointslicemirroring-controller',
      rules: [
        rule(Read, [core], ['services', 'endpoints']),
        rule(['update'], [core], ['services/finalizers']),
        rule(['update'], [core], ['endpoints/finalizers']),
        rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [discovery], ['endpointslices']),
        eventsRule(),
      ],
    },
    {
      name: 'expand-controller',
      rules: [
        rule(['get', 'list', 'watch', 'update', 'patch'], [core], ['persistentvolumes']),
        rule(['update', 'patch'], [core], ['persistentvolumeclaims/status']),
        rule(Read, [core], ['persistentvolumeclaims']),
        eventsRule(),
        rule(['get'], [core], ['services']),
      ],
    },
    {
      name: 'ephemeral-volume-controller',
      rules: [
        rule(Read, [core], ['pods']),
        rule(['update'], [core], ['pods/finalizers']),
        rule(['get', 'list', 'watch', 'create'], [core], ['persistentvolumeclaims']),
        eventsRule(),
      ],
    },
    {
      name: 'generic-garbage-collector',
      rules: [rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), eventsRule()],
    },
    {
      name: 'horizontal-pod-autoscaler',
      rules: [
        rule(Read, ['autoscaling'], ['horizontalpodautoscalers']),
        rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
        rule(['get', 'update'], ['*'], ['*/scale']),
        rule(['list', 'watch'], [core], ['pods']),
        rule(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
        rule(Read, ['custom.metrics.k8s.io'], ['*']),
        rule(Read, ['external.metrics.k8s.io'], ['*']),
        eventsRule(),
      ],
    },
    {
      name: 'job-controller',
      rules: [
        rule(['get', 'list', 'watch', 'update', 'patch'], [batch], ['jobs']),
        rule(['update'], [batch], ['jobs/status']),
        rule(['update'], [batch], ['jobs/finalizers']),
        rule(['list', 'watch', 'create', 'delete', 'patch'], [core], ['pods']),
        eventsRule(),
      ],
    },
    {
      name: 'namespace-controller',
      rules: [
        rule(['get', 'list', 'watch', 'delete'], [core], ['namespaces']),
        rule(['update'], [core], ['namespaces/finalize', 'namespaces/status']),
        rule(['get', 'list', 'watch', 'delete', 'deletecollection'], ['*'], ['*']),
      ],
    },
    {
      name: 'node-controller',
      rules: [
        rule(['get', 'list', 'watch', 'update', 'delete', 'patch'], [core], ['nodes']),
        rule(['patch', 'update'], [core], ['nodes/status']),
        rule(['patch', 'update'], [core], ['pods/status']),
        rule(['list', 'watch', 'get', 'delete'], [core], ['pods']),
        eventsRule(),
      ],
    },
    {
      name: 'persistent-volume-binder',
      rules: [
        rule(['get', 'list', 'watch', 'update', 'create', 'delete'], [core], ['persistentvolumes']),
        rule(['update'], [core], ['persistentvolumes/status']),
        rule(['get', 'list', 'watch', 'update'], [core], ['persistentvolumeclaims']),
        rule(['update'], [core], ['persistentvolumeclaims/status']),
        rule(['list', 'watch', 'get', 'create', 'delete'], [core], ['pods']),
        rule(Read, [storage], ['storageclasses']),
        rule(['list', 'watch'], [core], ['nodes']),
        eventsRule(),
        rule(['watch'], [core], ['events']),
        rule(['get'], [core], ['services']),
      ],
    },
    {
      name: 'pod-garbage-collector',
      rules: [
        rule(['list', 'watch', 'delete'], [core], ['pods']),
        rule(Read, [core], ['nodes']),
        rule(['patch'], [core], ['pods/status']),
      ],
    },
    {
      name: 'replicaset-controller',
      rules: [
        rule(['get', 'list', 'watch', 'update'], [apps, extensions], ['replicasets']),
        rule(['update'], [apps, extensions], ['replicasets/status']),
        rule(['update'], [apps, extensions], ['replicasets/finalizers']),
        rule(['list', 'watch', 'patch', 'create', 'delete'], [core], ['pods']),
        eventsRule(),
      ],
    },
    {
      name: 'replication-controller',
      rules: [
        rule(['get', 'list', 'watch', 'update'], [core], ['replicationcontrollers']),
        rule(['update'], [core], ['replicationcontrollers/status']),
        rule(['update'], [core], ['replicationcontrollers/finalizers']),
        rule(['list', 'watch', 'patch', 'create', 'delete'], [core], ['pods']),
        eventsRule(),
      ],
    },
    {
      name: 'resourcequota-controller',
      rules: [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [core], ['resourcequotas/status']), eventsRule()],
    },
    {
      name: 'route-controller',
      rules: [rule(['list', 'watch'], [core], ['nodes']), rule(['patch'], [core], ['nodes/status']), eventsRule()],
    },
    {
      name: 'service-account-controller',
      rules: [rule(['create'], [core], ['serviceaccounts']), eventsRule()],
    },
    {
      name: 'service-controller',
      rules: [
        rule(Read, [core], ['services']),
        rule(['patch', 'update'], [core], ['services/status']),
        rule(['list', 'watch'], [core], ['nodes']),
        eventsRule(),
      ],
    },
    {
      name: 'statefulset-controller',
      rules: [
        rule(['list', 'watch'], [core], ['pods']),
        rule(Read, [apps], ['statefulsets']),
        rule(['update'], [apps], ['statefulsets/status']),
        rule(['update'], [apps], ['statefulsets/finalizers']),
        rule(['get', 'create', 'delete', 'update', 'patch'], [core], ['pods']),
        rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], [apps], ['controllerrevisions']),
        rule(['get', 'create', 'list', 'watch'], [core], ['persistentvolumeclaims']),
        rule(['update', 'delete'], [core], ['persistentvolumeclaims']),
        rule(['update'], [core], ['pods/finalizers']),
        eventsRule(),
      ],
    },
    {
      name: 'ttl-controller',
      rules: [rule(['update', 'patch', 'list', 'watch'], [core], ['nodes']), eventsRule()],
    },
    {
      name: 'certificate-controller',
      rules: [
        rule(['get', 'list', 'watch', 'delete'], [certificates], ['certificatesigningrequests']),
        rule(['update'], [certificates], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
        rule(['approve'], [certificates], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
        rule(
          ['sign'],
          [certificates],
          ['signers'],
          [
            'kubernetes.io/legacy-unknown',
            'kubernetes.io/kube-apiserver-client',
            'kubernetes.io/kube-apiserver-client-kubelet',
            'kubernetes.io/kubelet-serving',
          ],
        ),
        rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
        eventsRule(),
      ],
    },
    {
      name: 'pvc-protection-controller',
      rules: [
        rule(['get', 'list', 'watch', 'update'], [core], ['persistentvolumeclaims']),
        rule(['list', 'watch', 'get'], [core], ['pods']),
        eventsRule(),
      ],
    },
    {
      name: 'pv-protection-controller',
      rules: [rule(['get', 'list', 'watch', 'update'], [core], ['persistentvolumes']), eventsRule()],
    },
    {
      name: 'ttl-after-finished-controller',
      rules: [rule(['get', 'list', 'watch', 'delete'], [batch], ['jobs']), eventsRule()],
    },
    {
      name: 'root-ca-cert-publisher',
      rules: [rule(['create', 'update'], [core], ['configmaps']), eventsRule()],
    },
    {
      name: 'validatingadmissionpolicy-status-controller',
      rules: [
        rule(Read, ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
        rule(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']),
        eventsRule(),
      ],
    },
    {
      name: 'legacy-service-account-token-cleaner',
      rules: [
        rule(['get'], [core], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
        rule(['patch', 'delete'], [core], ['secrets']),
      ],
    },
  ];
}

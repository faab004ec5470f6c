import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { eventsRule, Read, ReadWrite, rule, urlRule, Write } from '../policy-rule.js';

/**
 * Default ClusterRoles of kube-apiserver v1.32 with default feature gates
 * (upstream `bootstrappolicy/policy.go`, checked against `testdata/cluster-roles.yaml`).
 * Aggregated roles (admin, edit, view) carry no rules: the aggregation
 * controller fills them from the `aggregate-to-*` roles.
 */
export interface ClusterRoleSpec {
  name: string;
  rules?: PolicyRule[];
  labels?: Record<string, string>;
  /** matchLabels of the aggregation selector. */
  aggregateFrom?: Record<string, string>;
}

const core = '';
const apps = 'apps';
const authn = 'authentication.k8s.io';
const authz = 'authorization.k8s.io';
const autoscaling = 'autoscaling';
const batch = 'batch';
const certificates = 'certificates.k8s.io';
const coordination = 'coordination.k8s.io';
const discovery = 'discovery.k8s.io';
const extensions = 'extensions';
const networking = 'networking.k8s.io';
const policy = 'policy';
const rbac = 'rbac.authorization.k8s.io';
const storage = 'storage.k8s.io';
const nodeGroup = 'node.k8s.io';

const toAdmin = { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' };
const toEdit = { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' };
const toView = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' };

/** The system:node rules; also the Node authorizer's static rules (upstream `NodeRules()`). */
export function nodeRules(): PolicyRule[] {
  return [
    rule(['create'], [authn], ['tokenreviews']),
    rule(['create'], [authz], ['subjectaccessreviews', 'localsubjectaccessreviews']),
    rule(Read, [core], ['services']),
    rule(['create', 'get', 'list', 'watch'], [core], ['nodes']),
    rule(['update', 'patch'], [core], ['nodes/status']),
    rule(['update', 'patch'], [core], ['nodes']),
    rule(['create', 'update', 'patch'], [core], ['events']),
    rule(Read, [core], ['pods']),
    rule(['create', 'delete'], [core], ['pods']),
    rule(['update', 'patch'], [core], ['pods/status']),
    rule(['create'], [core], ['pods/eviction']),
    rule(['get', 'list', 'watch'], [core], ['secrets', 'configmaps']),
    rule(['get'], [core], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [core], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], [certificates], ['certificatesigningrequests']),
    rule(['get', 'create', 'update', 'patch', 'delete'], [coordination], ['leases']),
    rule(['get'], [storage], ['volumeattachments']),
    rule(['create'], [core], ['serviceaccounts/token']),
    rule(['get', 'update', 'patch'], [core], ['persistentvolumeclaims/status']),
    rule(['get', 'watch', 'list'], [storage], ['csidrivers']),
    rule(['get', 'create', 'update', 'patch', 'delete'], [storage], ['csinodes']),
    rule(['get', 'list', 'watch'], [nodeGroup], ['runtimeclasses']),
  ];
}

const approver = (signer: string) => [rule(['approve'], [certificates], ['signers'], [signer])];

export function clusterRoleSpecs(): ClusterRoleSpec[] {
  return [
    {
      name: 'cluster-admin',
      rules: [rule(['*'], ['*'], ['*']), urlRule(['*'], ['*'])],
    },
    {
      name: 'system:discovery',
      rules: [
        urlRule(
          ['get'],
          [
            '/livez',
            '/readyz',
            '/healthz',
            '/version',
            '/version/',
            '/openapi',
            '/openapi/*',
            '/api',
            '/api/*',
            '/apis',
            '/apis/*',
          ],
        ),
      ],
    },
    {
      name: 'system:monitoring',
      rules: [
        urlRule(
          ['get'],
          ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'],
        ),
      ],
    },
    {
      name: 'system:basic-user',
      rules: [
        rule(['create'], [authz], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
        rule(['create'], [authn], ['selfsubjectreviews']),
      ],
    },
    {
      name: 'system:public-info-viewer',
      rules: [urlRule(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])],
    },
    { name: 'admin', aggregateFrom: toAdmin },
    { name: 'edit', labels: toAdmin, aggregateFrom: toEdit },
    { name: 'view', labels: toEdit, aggregateFrom: toView },
    {
      name: 'system:aggregate-to-admin',
      labels: toAdmin,
      rules: [
        rule(['create'], [authz], ['localsubjectaccessreviews']),
        rule(ReadWrite, [rbac], ['roles', 'rolebindings']),
      ],
    },
    {
      name: 'system:aggregate-to-edit',
      labels: toEdit,
      rules: [
        rule(Read, [core], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
        rule(['impersonate'], [core], ['serviceaccounts']),
        rule(Write, [core], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
        rule(['create'], [core], ['pods/eviction']),
        rule(
          Write,
          [core],
          [
            'replicationcontrollers',
            'replicationcontrollers/scale',
            'serviceaccounts',
            'services',
            'services/proxy',
            'persistentvolumeclaims',
            'configmaps',
            'secrets',
            'events',
          ],
        ),
        rule(['create'], [core], ['serviceaccounts/token']),
        rule(
          Write,
          [apps],
          [
            'statefulsets',
            'statefulsets/scale',
            'daemonsets',
            'deployments',
            'deployments/scale',
            'deployments/rollback',
            'replicasets',
            'replicasets/scale',
          ],
        ),
        rule(Write, [autoscaling], ['horizontalpodautoscalers']),
        rule(Write, [batch], ['jobs', 'cronjobs']),
        rule(
          Write,
          [extensions],
          [
            'daemonsets',
            'deployments',
            'deployments/scale',
            'deployments/rollback',
            'ingresses',
            'replicasets',
            'replicasets/scale',
            'replicationcontrollers/scale',
            'networkpolicies',
          ],
        ),
        rule(Write, [policy], ['poddisruptionbudgets']),
        rule(Write, [networking], ['networkpolicies', 'ingresses']),
        rule(ReadWrite, [coordination], ['leases']),
      ],
    },
    {
      name: 'system:aggregate-to-view',
      labels: toView,
      rules: [
        rule(
          Read,
          [core],
          [
            'pods',
            'replicationcontrollers',
            'replicationcontrollers/scale',
            'serviceaccounts',
            'services',
            'services/status',
            'endpoints',
            'persistentvolumeclaims',
            'persistentvolumeclaims/status',
            'configmaps',
          ],
        ),
        rule(
          Read,
          [core],
          [
            'limitranges',
            'resourcequotas',
            'bindings',
            'events',
            'pods/status',
            'resourcequotas/status',
            'namespaces/status',
            'replicationcontrollers/status',
            'pods/log',
          ],
        ),
        rule(Read, [core], ['namespaces']),
        rule(Read, [discovery], ['endpointslices']),
        rule(
          Read,
          [apps],
          [
            'controllerrevisions',
            'statefulsets',
            'statefulsets/status',
            'statefulsets/scale',
            'daemonsets',
            'daemonsets/status',
            'deployments',
            'deployments/status',
            'deployments/scale',
            'replicasets',
            'replicasets/status',
            'replicasets/scale',
          ],
        ),
        rule(Read, [autoscaling], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        rule(Read, [batch], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
        rule(
          Read,
          [extensions],
          [
            'daemonsets',
            'daemonsets/status',
            'deployments',
            'deployments/scale',
            'deployments/status',
            'ingresses',
            'ingresses/status',
            'replicasets',
            'replicasets/scale',
            'replicasets/status',
            'replicationcontrollers/scale',
            'networkpolicies',
          ],
        ),
        rule(Read, [policy], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        rule(Read, [networking], ['networkpolicies', 'ingresses', 'ingresses/status']),
      ],
    },
    {
      name: 'system:heapster',
      rules: [rule(Read, [core], ['events', 'pods', 'nodes', 'namespaces']), rule(Read, [extensions], ['deployments'])],
    },
    { name: 'system:node', rules: nodeRules() },
    {
      name: 'system:node-problem-detector',
      rules: [rule(['get'], [core], ['nodes']), rule(['patch'], [core], ['nodes/status']), eventsRule()],
    },
    {
      name: 'system:kubelet-api-admin',
      rules: [
        rule(Read, [core], ['nodes']),
        rule(['proxy'], [core], ['nodes']),
        rule(['*'], [core], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
      ],
    },
    {
      name: 'system:node-bootstrapper',
      rules: [rule(['create', 'get', 'list', 'watch'], [certificates], ['certificatesigningrequests'])],
    },
    {
      name: 'system:auth-delegator',
      rules: [rule(['create'], [authn], ['tokenreviews']), rule(['create'], [authz], ['subjectaccessreviews'])],
    },
    { name: 'system:kube-aggregator', rules: [rule(Read, [core], ['services', 'endpoints'])] },
    {
      name: 'system:kube-controller-manager',
      rules: [
        eventsRule(),
        rule(['create'], [coordination], ['leases']),
        rule(['get', 'update'], [coordination], ['leases'], ['kube-controller-manager']),
        rule(['create'], [core], ['secrets', 'serviceaccounts']),
        rule(['delete'], [core], ['secrets']),
        rule(['get'], [core], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
        rule(['update'], [core], ['secrets', 'serviceaccounts']),
        rule(['create'], [authn], ['tokenreviews']),
        rule(['create'], [authz], ['subjectaccessreviews']),
        rule(['list', 'watch'], ['*'], ['*']),
        rule(['create'], [core], ['serviceaccounts/token']),
      ],
    },
    { name: 'system:kube-dns', rules: [rule(['list', 'watch'], [core], ['endpoints', 'services'])] },
    {
      // Not an upstream bootstrap role: kubets runs a cloud-controller-manager in the server
      // (as k3s does); rules as the role the cloud-provider docs give for it, plus what the
      // local provider reads (EndpointSlices) and its own leader lease.
      name: 'system:cloud-controller-manager',
      rules: [
        eventsRule(),
        rule(['create'], [coordination], ['leases']),
        rule(['get', 'update'], [coordination], ['leases'], ['cloud-controller-manager']),
        rule(['get', 'list', 'watch', 'update', 'patch', 'delete'], [core], ['nodes']),
        rule(['patch'], [core], ['nodes/status']),
        rule(['get', 'list', 'watch', 'update', 'patch'], [core], ['services']),
        rule(['update', 'patch'], [core], ['services/status']),
        rule(['list', 'watch'], [discovery], ['endpointslices']),
      ],
    },
    {
      name: 'system:persistent-volume-provisioner',
      rules: [
        rule(['get', 'list', 'watch', 'create', 'delete'], [core], ['persistentvolumes']),
        rule(['get', 'list', 'watch', 'update'], [core], ['persistentvolumeclaims']),
        rule(Read, [storage], ['storageclasses']),
        rule(['watch'], [core], ['events']),
        eventsRule(),
      ],
    },
    {
      name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      rules: [rule(['create'], [certificates], ['certificatesigningrequests/nodeclient'])],
    },
    {
      name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      rules: [rule(['create'], [certificates], ['certificatesigningrequests/selfnodeclient'])],
    },
    {
      name: 'system:volume-scheduler',
      rules: [
        rule(['get', 'list', 'watch', 'patch', 'update'], [core], ['persistentvolumes']),
        rule(Read, [storage], ['storageclasses']),
        rule(['get', 'list', 'watch', 'patch', 'update'], [core], ['persistentvolumeclaims']),
      ],
    },
    { name: 'system:certificates.k8s.io:legacy-unknown-approver', rules: approver('kubernetes.io/legacy-unknown') },
    { name: 'system:certificates.k8s.io:kubelet-serving-approver', rules: approver('kubernetes.io/kubelet-serving') },
    {
      name: 'system:certificates.k8s.io:kube-apiserver-client-approver',
      rules: approver('kubernetes.io/kube-apiserver-client'),
    },
    {
      name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver',
      rules: approver('kubernetes.io/kube-apiserver-client-kubelet'),
    },
    {
      name: 'system:service-account-issuer-discovery',
      rules: [urlRule(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])],
    },
    {
      name: 'system:kube-scheduler',
      rules: [
        eventsRule(),
        rule(['create'], [coordination], ['leases']),
        rule(['get', 'update'], [coordination], ['leases'], ['kube-scheduler']),
        rule(Read, [core], ['nodes']),
        rule(['get', 'list', 'watch', 'delete'], [core], ['pods']),
        rule(['create'], [core], ['pods/binding', 'bindings']),
        rule(['patch', 'update'], [core], ['pods/status']),
        rule(Read, [core], ['replicationcontrollers', 'services']),
        rule(Read, [apps, extensions], ['replicasets']),
        rule(Read, [apps], ['statefulsets']),
        rule(Read, [policy], ['poddisruptionbudgets']),
        rule(Read, [core], ['persistentvolumeclaims', 'persistentvolumes']),
        rule(['create'], [authn], ['tokenreviews']),
        rule(['create'], [authz], ['subjectaccessreviews']),
        rule(Read, [storage], ['csinodes']),
        rule(Read, [core], ['namespaces']),
        rule(Read, [storage], ['csidrivers']),
        rule(Read, [storage], ['csistoragecapacities']),
      ],
    },
    {
      name: 'system:node-proxier',
      rules: [
        rule(['list', 'watch'], [core], ['services', 'endpoints']),
        rule(Read, [core], ['nodes']),
        eventsRule(),
        rule(['list', 'watch'], [discovery], ['endpointslices']),
      ],
    },
  ];
}

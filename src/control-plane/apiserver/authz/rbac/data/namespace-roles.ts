import type { PolicyRule, Subject } from 'kubernetes-types/rbac/v1.js';
import { eventsRule, Read, rule } from '../policy-rule.js';

/**
 * Namespaced bootstrap Roles and RoleBindings of v1.32 (upstream
 * `bootstrappolicy/namespace_policy.go`, `testdata/namespace-role*.yaml`):
 * leader election, the extension-apiserver-authentication reader and the
 * kube-system/kube-public controllers that need only namespaced access.
 */
export interface NamespacedRoleSpec {
  namespace: string;
  name: string;
  rules: PolicyRule[];
}

export interface NamespacedBindingSpec {
  namespace: string;
  name: string;
  roleName: string;
  subjects: Subject[];
}

const kubeSystem = 'kube-system';
const kubePublic = 'kube-public';
const leaderLocking = [
  rule(['get', 'list', 'watch', 'create', 'update'], ['coordination.k8s.io'], ['leases']),
  rule(['get', 'list', 'watch', 'create', 'update'], ['coordination.k8s.io'], ['leasecandidates']),
];

export function namespaceRoleSpecs(): NamespacedRoleSpec[] {
  return [
    {
      namespace: kubeSystem,
      name: 'extension-apiserver-authentication-reader',
      rules: [rule(Read, [''], ['configmaps'], ['extension-apiserver-authentication'])],
    },
    { namespace: kubeSystem, name: 'system::leader-locking-kube-controller-manager', rules: leaderLocking },
    { namespace: kubeSystem, name: 'system::leader-locking-kube-scheduler', rules: leaderLocking },
    { namespace: kubeSystem, name: 'system:controller:bootstrap-signer', rules: [rule(Read, [''], ['secrets'])] },
    {
      namespace: kubeSystem,
      name: 'system:controller:cloud-provider',
      rules: [rule(['create', 'get', 'list', 'watch'], [''], ['configmaps'])],
    },
    {
      namespace: kubeSystem,
      name: 'system:controller:token-cleaner',
      rules: [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), eventsRule()],
    },
    {
      namespace: kubePublic,
      name: 'system:controller:bootstrap-signer',
      rules: [rule(Read, [''], ['configmaps']), rule(['update'], [''], ['configmaps'], ['cluster-info']), eventsRule()],
    },
  ];
}

const user = (name: string): Subject => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name });
const sa = (name: string): Subject => ({ kind: 'ServiceAccount', name, namespace: kubeSystem });

export function namespaceRoleBindingSpecs(): NamespacedBindingSpec[] {
  return [
    {
      namespace: kubeSystem,
      name: 'system::extension-apiserver-authentication-reader',
      roleName: 'extension-apiserver-authentication-reader',
      subjects: [user('system:kube-controller-manager'), user('system:kube-scheduler')],
    },
    {
      namespace: kubeSystem,
      name: 'system::leader-locking-kube-controller-manager',
      roleName: 'system::leader-locking-kube-controller-manager',
      subjects: [
        user('system:kube-controller-manager'),
        sa('kube-controller-manager'),
        sa('leader-election-controller'),
      ],
    },
    {
      namespace: kubeSystem,
      name: 'system::leader-locking-kube-scheduler',
      roleName: 'system::leader-locking-kube-scheduler',
      subjects: [user('system:kube-scheduler'), sa('kube-scheduler')],
    },
    {
      namespace: kubeSystem,
      name: 'system:controller:bootstrap-signer',
      roleName: 'system:controller:bootstrap-signer',
      subjects: [sa('bootstrap-signer')],
    },
    {
      namespace: kubeSystem,
      name: 'system:controller:cloud-provider',
      roleName: 'system:controller:cloud-provider',
      subjects: [sa('cloud-provider')],
    },
    {
      namespace: kubeSystem,
      name: 'system:controller:token-cleaner',
      roleName: 'system:controller:token-cleaner',
      subjects: [sa('token-cleaner')],
    },
    {
      namespace: kubePublic,
      name: 'system:controller:bootstrap-signer',
      roleName: 'system:controller:bootstrap-signer',
      subjects: [sa('bootstrap-signer')],
    },
  ];
}

import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { aggregateAll } from './aggregation.js';
import { clusterRoleSpecs } from './data/cluster-roles.js';
import { controllerRolePrefix, controllerRoleSpecs } from './data/controller-roles.js';
import { namespaceRoleBindingSpecs, namespaceRoleSpecs } from './data/namespace-roles.js';

/**
 * The default RBAC objects kube-apiserver v1.32 creates at start-up (upstream
 * `bootstrappolicy` + the `rbac/bootstrap-roles` post-start hook). Every object
 * carries `kubernetes.io/bootstrapping: rbac-defaults` and the annotation
 * `rbac.authorization.kubernetes.io/autoupdate: "true"`, which lets the server
 * reconcile it on upgrade unless an administrator sets it to "false".
 */
export interface BootstrapPolicy {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: ClusterRoleBinding[];
  roles: Role[];
  roleBindings: RoleBinding[];
}

export const bootstrappingLabel = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
export const autoupdateAnnotation = 'rbac.authorization.kubernetes.io/autoupdate';

const rbacAPIVersion = 'rbac.authorization.k8s.io/v1' as const;
const rbacGroup = 'rbac.authorization.k8s.io';

function meta(name: string, namespace?: string, labels?: Record<string, string>) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...bootstrappingLabel, ...labels },
    annotations: { [autoupdateAnnotation]: 'true' },
  };
}

const group = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'Group', name });
const user = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'User', name });
const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

function clusterBinding(roleName: string, subjects: Subject[], name = roleName): ClusterRoleBinding {
  const b: ClusterRoleBinding = {
    apiVersion: rbacAPIVersion,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: roleName },
  };
  if (subjects.length) b.subjects = subjects;
  return b;
}

/**
 * Default ClusterRoles, controller roles included. With `aggregate`, the
 * aggregated roles (admin, edit, view) already hold the rules the aggregation
 * controller would give them; otherwise they are created empty, as upstream.
 */
export function bootstrapClusterRoles(opts: { aggregate?: boolean } = {}): ClusterRole[] {
  const roles: ClusterRole[] = clusterRoleSpecs().map((s) => {
    const r: ClusterRole = {
      apiVersion: rbacAPIVersion,
      kind: 'ClusterRole',
      metadata: meta(s.name, undefined, s.labels),
    };
    if (s.aggregateFrom) r.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { ...s.aggregateFrom } }] };
    if (s.rules) r.rules = s.rules;
    return r;
  });
  for (const c of controllerRoleSpecs()) {
    roles.push({
      apiVersion: rbacAPIVersion,
      kind: 'ClusterRole',
      metadata: meta(controllerRolePrefix + c.name),
      rules: c.rules,
    });
  }
  return opts.aggregate ? structuredClone(aggregateAll(roles)) : roles;
}

export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  const authenticated = 'system:authenticated';
  const bindings = [
    clusterBinding('cluster-admin', [group('system:masters')]),
    clusterBinding('system:monitoring', [group('system:monitoring')]),
    clusterBinding('system:discovery', [group(authenticated)]),
    clusterBinding('system:basic-user', [group(authenticated)]),
    clusterBinding('system:public-info-viewer', [group(authenticated), group('system:unauthenticated')]),
    clusterBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    clusterBinding('system:cloud-controller-manager', [user('system:cloud-controller-manager')]),
    clusterBinding('system:kube-dns', [sa('kube-system', 'kube-dns')]),
    clusterBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterBinding('system:volume-scheduler', [user('system:kube-scheduler')]),
    // Kept without subjects since the Node authorizer took over (upstream keeps it so reconciliation can empty it).
    clusterBinding('system:node', []),
    clusterBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
  ];
  for (const c of controllerRoleSpecs()) {
    bindings.push(clusterBinding(controllerRolePrefix + c.name, [sa('kube-system', c.name)]));
  }
  return bindings;
}

export function bootstrapRoles(): Role[] {
  return namespaceRoleSpecs().map((s) => ({
    apiVersion: rbacAPIVersion,
    kind: 'Role',
    metadata: meta(s.name, s.namespace),
    rules: s.rules,
  }));
}

export function bootstrapRoleBindings(): RoleBinding[] {
  return namespaceRoleBindingSpecs().map((s) => ({
    apiVersion: rbacAPIVersion,
    kind: 'RoleBinding',
    metadata: meta(s.name, s.namespace),
    roleRef: { apiGroup: rbacGroup, kind: 'Role', name: s.roleName },
    subjects: s.subjects,
  }));
}

/** Every default object; fresh copies on each call (callers may mutate them). */
export function bootstrapPolicy(opts: { aggregate?: boolean } = {}): BootstrapPolicy {
  return {
    clusterRoles: bootstrapClusterRoles(opts),
    clusterRoleBindings: bootstrapClusterRoleBindings(),
    roles: bootstrapRoles(),
    roleBindings: bootstrapRoleBindings(),
  };
}

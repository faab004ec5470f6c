import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import type { RbacSource } from './rule-resolver.js';

/** An in-memory RbacSource for tests; `async` makes every lookup return a promise. */
export class MemoryRbacSource implements RbacSource {
  roles: Role[] = [];
  clusterRoles: ClusterRole[] = [];
  roleBindings: RoleBinding[] = [];
  clusterRoleBindings: ClusterRoleBinding[] = [];
  constructor(private readonly async = false) {}

  private wrap<T>(v: T): T | Promise<T> {
    return this.async ? Promise.resolve(v) : v;
  }
  getRole(ns: string, name: string) {
    return this.wrap(this.roles.find((r) => r.metadata?.namespace === ns && r.metadata?.name === name));
  }
  getClusterRole(name: string) {
    return this.wrap(this.clusterRoles.find((r) => r.metadata?.name === name));
  }
  listRoleBindings(ns: string) {
    return this.wrap(this.roleBindings.filter((b) => b.metadata?.namespace === ns));
  }
  listClusterRoleBindings() {
    return this.wrap(this.clusterRoleBindings);
  }

  role(ns: string, name: string, rules: PolicyRule[]): this {
    this.roles.push({ metadata: { namespace: ns, name }, rules });
    return this;
  }
  clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): this {
    this.clusterRoles.push({ metadata: { name, labels }, rules });
    return this;
  }
  roleBinding(
    ns: string,
    name: string,
    ref: { kind: 'Role' | 'ClusterRole'; name: string },
    subjects: Subject[],
  ): this {
    this.roleBindings.push({
      metadata: { namespace: ns, name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...ref },
      subjects,
    });
    return this;
  }
  clusterRoleBinding(name: string, role: string, subjects: Subject[]): this {
    this.clusterRoleBindings.push({
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects,
    });
    return this;
  }
}

export const user = (name: string): Subject => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });
export const group = (name: string): Subject => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' });
export const sa = (name: string, namespace?: string): Subject => ({
  kind: 'ServiceAccount',
  name,
  ...(namespace ? { namespace } : {}),
});

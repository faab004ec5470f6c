import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import type { UserInfo } from '../../types.js';

type MaybePromise<T> = T | Promise<T>;

/**
 * Where RBAC objects come from (the apiserver's caches). Lookups may be sync or
 * async; a missing object is `undefined`. Thrown errors become resolution errors
 * (the request is then decided on the rules that could be read).
 */
export interface RbacSource {
  getRole(namespace: string, name: string): MaybePromise<Role | undefined>;
  getClusterRole(name: string): MaybePromise<ClusterRole | undefined>;
  listRoleBindings(namespace: string): MaybePromise<readonly RoleBinding[]>;
  listClusterRoleBindings(): MaybePromise<readonly ClusterRoleBinding[]>;
}

/**
 * Called for every rule that applies to a user, with a lazy description of the
 * binding that granted it (for the Allow reason), or with a resolution error.
 * Returning false stops the walk.
 */
export type RuleVisitor = (
  describe: (() => string) | undefined,
  rule: PolicyRule | undefined,
  err: string | undefined,
) => boolean;

const serviceAccountPrefix = 'system:serviceaccount:';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether a binding subject names this user (upstream `appliesToUser`). */
export function subjectAppliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      // A RoleBinding may leave the namespace of a ServiceAccount subject implicit.
      const ns = s.namespace || bindingNamespace;
      if (!ns) return false;
      return user.username === `${serviceAccountPrefix}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

function firstApplyingSubject(
  user: UserInfo,
  subjects: readonly Subject[] | undefined,
  ns: string,
): Subject | undefined {
  for (const s of subjects ?? []) if (subjectAppliesTo(user, s, ns)) return s;
  return undefined;
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/**
 * Resolves the rules that apply to a user (upstream `DefaultRuleResolver`):
 * every ClusterRoleBinding, then (for a namespace) the RoleBindings in it.
 */
export class RbacRuleResolver {
  constructor(private readonly source: RbacSource) {}

  /** The rules a role reference grants; throws upstream's NotFound text when the role is missing. */
  async getRoleReferenceRules(ref: RoleRef, bindingNamespace: string): Promise<PolicyRule[]> {
    if (ref.kind === 'Role') {
      const role = await this.source.getRole(bindingNamespace, ref.name);
      if (!role) throw new Error(`role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`);
      return role.rules ?? [];
    }
    if (ref.kind === 'ClusterRole') {
      const role = await this.source.getClusterRole(ref.name);
      if (!role) throw new Error(`clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`);
      return role.rules ?? [];
    }
    throw new Error(`unsupported role reference kind: ${JSON.stringify(ref.kind)}`);
  }

  async visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): Promise<void> {
    let clusterBindings: readonly ClusterRoleBinding[] | undefined;
    try {
      clusterBindings = await this.source.listClusterRoleBindings();
    } catch (err) {
      if (!visit(undefined, undefined, errorText(err))) return;
    }
    for (const b of clusterBindings ?? []) {
      const subject = firstApplyingSubject(user, b.subjects, '');
      if (!subject) continue;
      let rules: PolicyRule[];
      try {
        rules = await this.getRoleReferenceRules(b.roleRef, '');
      } catch (err) {
        if (!visit(undefined, undefined, errorText(err))) return;
        continue;
      }
      const describe = () =>
        `ClusterRoleBinding ${JSON.stringify(b.metadata?.name ?? '')} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, '')}`;
      for (const r of rules) if (!visit(describe, r, undefined)) return;
    }
    if (!namespace) return;

    let bindings: readonly RoleBinding[] | undefined;
    try {
      bindings = await this.source.listRoleBindings(namespace);
    } catch (err) {
      if (!visit(undefined, undefined, errorText(err))) return;
    }
    for (const b of bindings ?? []) {
      const subject = firstApplyingSubject(user, b.subjects, namespace);
      if (!subject) continue;
      let rules: PolicyRule[];
      try {
        rules = await this.getRoleReferenceRules(b.roleRef, namespace);
      } catch (err) {
        if (!visit(undefined, undefined, errorText(err))) return;
        continue;
      }
      const describe = () =>
        `RoleBinding ${JSON.stringify(`${b.metadata?.name ?? ''}/${b.metadata?.namespace ?? namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, namespace)}`;
      for (const r of rules) if (!visit(describe, r, undefined)) return;
    }
  }

  /** Every rule that applies, plus the resolution errors met on the way (upstream `RulesFor`). */
  async rulesFor(user: UserInfo, namespace: string): Promise<{ rules: PolicyRule[]; errors: string[] }> {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    await this.visitRulesFor(user, namespace, (_d, rule, err) => {
      if (rule) rules.push(rule);
      if (err) errors.push(err);
      return true;
    });
    return { rules, errors };
  }
}

import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { forbidden } from '../../../../api/errors/status-error.js';
import type { UserInfo } from '../../types.js';
import { systemMasters } from '../privileged-groups.js';
import { resourceAttributes, type Authorizer } from '../types.js';
import { compactRules, compactString, covers, goQuoteList } from './covers.js';
import type { RbacRuleResolver } from './rule-resolver.js';

/**
 * Privilege-escalation prevention for RBAC writes (upstream
 * `registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased`):
 * a user may only write a role whose rules they already hold, unless they have
 * `escalate` on it; may only bind a role whose rules they hold, unless they
 * have `bind` on it. `system:masters` is exempt.
 */
export const rbacGroup = 'rbac.authorization.k8s.io';

/** What creating an aggregated ClusterRole requires: everything. */
const fullAuthority: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** Upstream `ConfirmNoEscalation`: throws an Error with upstream's text when `rules` exceed the user's own. */
export async function confirmNoEscalation(
  resolver: RbacRuleResolver,
  user: UserInfo,
  rules: readonly PolicyRule[],
  namespace: string,
): Promise<void> {
  const owned = await resolver.rulesFor(user, namespace);
  const { covered, missing } = covers(owned.rules, rules);
  if (covered) return;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg =
    `user ${JSON.stringify(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n` +
    descriptions.join('\n');
  if (owned.errors.length) msg += `; resolution errors: [${owned.errors.join(' ')}]`;
  throw new Error(msg);
}

/** The request performing an RBAC write. */
export interface RbacWriteRequest {
  user: UserInfo;
  /** The request's namespace ('' for ClusterRoles and ClusterRoleBindings). */
  namespace: string;
  /** The name in the request path ('' on create, which is what upstream checks `escalate` against). */
  requestName: string;
}

type AnyRole = Role | ClusterRole;
type AnyBinding = RoleBinding | ClusterRoleBinding;

const isMaster = (u: UserInfo) => u.groups.includes(systemMasters);

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function stableJSON(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return val;
  });
}

/** An update that only touches what the garbage collector needs (upstream `IsOnlyMutatingGCFields`) is never checked. */
function onlyMutatesGCFields(obj: AnyRole | AnyBinding, old: AnyRole | AnyBinding | undefined): boolean {
  if (!old) return false;
  const copy = structuredClone(obj) as AnyRole | AnyBinding;
  const meta = (copy.metadata ??= {});
  const om = old.metadata ?? {};
  for (const k of ['ownerReferences', 'finalizers', 'selfLink', 'managedFields'] as const) {
    if (om[k] === undefined) delete meta[k];
    else (meta as Record<string, unknown>)[k] = om[k];
  }
  return stableJSON(copy) === stableJSON(old);
}

export class RbacEscalationGuard {
  constructor(
    private readonly resolver: RbacRuleResolver,
    private readonly authorizer: Authorizer,
  ) {}

  /**
   * Create/update of a Role or ClusterRole. Throws a 403 StatusError
   * (`roles.rbac.authorization.k8s.io "x" is forbidden: user "bob" (groups=[...]) is attempting to grant ...`).
   */
  async checkRoleWrite(
    req: RbacWriteRequest,
    kind: 'Role' | 'ClusterRole',
    obj: AnyRole,
    old?: AnyRole,
  ): Promise<void> {
    if (isMaster(req.user) || onlyMutatesGCFields(obj, old)) return;
    const resource = kind === 'Role' ? 'roles' : 'clusterroles';
    const escalate = await this.authorizer.authorize(
      resourceAttributes(req.user, {
        verb: 'escalate',
        apiGroup: rbacGroup,
        apiVersion: '*',
        resource,
        name: req.requestName,
        namespace: req.namespace,
      }),
    );
    if (escalate.decision === 'Allow') return;
    const gr = { group: rbacGroup, resource };
    const name = obj.metadata?.name ?? '';
    try {
      await confirmNoEscalation(this.resolver, req.user, obj.rules ?? [], req.namespace);
    } catch (err) {
      throw forbidden(gr, name, messageOf(err));
    }
    const aggregated = (r: AnyRole | undefined) => !!(r as ClusterRole | undefined)?.aggregationRule;
    if (kind === 'ClusterRole' && (aggregated(obj) || aggregated(old))) {
      try {
        await confirmNoEscalation(this.resolver, req.user, fullAuthority, req.namespace);
      } catch {
        throw forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
      }
    }
  }

  /** Create/update of a RoleBinding or ClusterRoleBinding: needs `bind` on the role, or its rules. */
  async checkBindingWrite(
    req: RbacWriteRequest,
    kind: 'RoleBinding' | 'ClusterRoleBinding',
    obj: AnyBinding,
    old?: AnyBinding,
  ): Promise<void> {
    if (isMaster(req.user) || onlyMutatesGCFields(obj, old)) return;
    const ref = obj.roleRef;
    const gr = { group: rbacGroup, resource: kind === 'RoleBinding' ? 'rolebindings' : 'clusterrolebindings' };
    const name = obj.metadata?.name ?? '';
    const bindingNamespace = kind === 'RoleBinding' ? (obj.metadata?.namespace ?? req.namespace) : '';
    if (ref.kind === 'ClusterRole' || ref.kind === 'Role') {
      const bind = await this.authorizer.authorize(
        resourceAttributes(req.user, {
          verb: 'bind',
          apiGroup: ref.apiGroup,
          resource: ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles',
          name: ref.name,
          namespace: bindingNamespace,
        }),
      );
      if (bind.decision === 'Allow') return;
    }
    let rules: PolicyRule[];
    try {
      rules = await this.resolver.getRoleReferenceRules(ref, bindingNamespace);
      await confirmNoEscalation(this.resolver, req.user, rules, req.namespace);
    } catch (err) {
      throw forbidden(gr, name, messageOf(err));
    }
  }
}

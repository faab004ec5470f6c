import type { Attributes, AuthorizationResult, Authorizer } from './types.js';

/** The superuser group: members may do anything (upstream `user.SystemPrivilegedGroup`). */
export const systemMasters = 'system:masters';

/**
 * Allows every request from members of the given groups (upstream
 * `authorizerfactory.NewPrivilegedGroups`), placed first in the chain so that
 * `system:masters` works even before RBAC objects exist.
 */
export class PrivilegedGroupsAuthorizer implements Authorizer {
  private readonly groups: ReadonlySet<string>;
  constructor(groups: readonly string[] = [systemMasters]) {
    this.groups = new Set(groups);
  }

  async authorize(a: Attributes): Promise<AuthorizationResult> {
    for (const g of a.user.groups) if (this.groups.has(g)) return { decision: 'Allow', reason: '' };
    return { decision: 'NoOpinion', reason: '' };
  }
}

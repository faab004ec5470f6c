import { unauthorized } from '../../../api/errors/status-error.js';
import type { ApiRequest } from '../types.js';
import { allAuthenticated, allUnauthenticated, anonymousUser, type AuthResult, type Authenticator } from './types.js';

/**
 * Request authenticators in order (upstream `request/union` + `group.AuthenticatedGroupAdder`):
 * the first that returns an identity wins and the user gains
 * `system:authenticated`. Invalid credentials of one kind do not stop the
 * others (a good client certificate still wins over a bad token), but when
 * nobody succeeded and someone refused, the request is refused with 401.
 */
export class UnionAuthenticator implements Authenticator {
  constructor(private readonly authenticators: readonly Authenticator[]) {}

  async authenticate(req: ApiRequest): Promise<AuthResult | undefined> {
    let refused = false;
    for (const a of this.authenticators) {
      let r: AuthResult | undefined;
      try {
        r = await a.authenticate(req);
      } catch {
        refused = true;
        continue;
      }
      if (r) return withAuthenticatedGroup(r);
    }
    if (refused) throw unauthorized();
    return undefined;
  }
}

/** Adds `system:authenticated` unless the user is anonymous or already marked either way. */
export function withAuthenticatedGroup(r: AuthResult): AuthResult {
  const u = r.user;
  if (u.username === anonymousUser) return r;
  if (u.groups.includes(allAuthenticated) || u.groups.includes(allUnauthenticated)) return r;
  return { ...r, user: { ...u, groups: [...u.groups, allAuthenticated] } };
}

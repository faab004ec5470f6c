import type { ApiRequest } from '../types.js';
import type { AuthResult, Authenticator } from './types.js';

/**
 * Components running inside the server process carry their identity on the
 * in-process transport; it is taken as given (it never crossed a socket) and
 * still goes through authorization and admission.
 */
export class InProcessAuthenticator implements Authenticator {
  async authenticate(req: ApiRequest): Promise<AuthResult | undefined> {
    const u = req.peer.inProcessUser;
    if (!u) return undefined;
    const user = { ...u, groups: [...u.groups] };
    if (u.extra) user.extra = Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, [...v]]));
    return { user };
  }
}

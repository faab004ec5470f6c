import type { ApiRequest } from '../types.js';
import { firstHeader } from './headers.js';
import { authenticateTokenWith } from './token-union.js';
import type { AuthResult, Authenticator, TokenAuthenticator } from './types.js';

/**
 * `Authorization: Bearer <token>` (upstream `request/bearertoken`). Only the
 * header counts (no `access_token` query parameter). An empty token is no
 * credential; any other token must be accepted by one of the token
 * authenticators or the request is refused with 401.
 */
export class BearerTokenAuthenticator implements Authenticator {
  constructor(private readonly tokens: readonly TokenAuthenticator[]) {}

  async authenticate(req: ApiRequest): Promise<AuthResult | undefined> {
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    return authenticateTokenWith(this.tokens, token);
  }
}

/** The token of an `Authorization: Bearer` header, or undefined when there is none (or it is empty). */
export function bearerToken(req: ApiRequest): string | undefined {
  const auth = firstHeader(req, 'authorization')?.trim();
  if (!auth) return undefined;
  const parts = auth.split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  const token = parts[1]!;
  return token === '' ? undefined : token;
}

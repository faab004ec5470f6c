import { unauthorized } from '../../../api/errors/status-error.js';
import type { AuthResult, TokenAuthenticator } from './types.js';

/**
 * Tries token authenticators in order (upstream `token/union`): the first that
 * accepts the token wins. A token nobody accepts is invalid, so this throws 401
 * rather than returning undefined: the caller has already established that the
 * request presents a bearer token. Whatever an authenticator throws (invalid
 * token, failed lookup) also ends as a plain 401, as upstream aggregates token
 * errors: the caller learns nothing beyond "Unauthorized".
 */
export async function authenticateTokenWith(
  authenticators: readonly TokenAuthenticator[],
  token: string,
): Promise<AuthResult> {
  for (const a of authenticators) {
    let r: AuthResult | undefined;
    try {
      r = await a.authenticateToken(token);
    } catch {
      continue;
    }
    if (r) return r;
  }
  throw unauthorized();
}

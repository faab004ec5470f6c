import type { ApiRequest, UserInfo } from '../types.js';

/**
 * Authentication (upstream `apiserver/pkg/authentication`). A request
 * authenticator looks for one kind of credential: it returns undefined when the
 * request carries none of its kind, the identity when the credential is good,
 * and throws `unauthorized()` (401) when it is of its kind but invalid.
 */
export interface AuthResult {
  user: UserInfo;
  /** Audiences the credential is valid for, when it is audience-bound (ServiceAccount tokens). */
  audiences?: string[];
}

export interface Authenticator {
  authenticate(req: ApiRequest): Promise<AuthResult | undefined>;
}

/**
 * A bearer-token authenticator (upstream `authenticator.Token`): undefined when
 * the token is not of its kind (another may accept it), throws when it is but
 * is invalid.
 */
export interface TokenAuthenticator {
  authenticateToken(token: string): Promise<AuthResult | undefined>;
}

/** Well-known user and group names (upstream `apiserver/pkg/authentication/user`). */
export const allAuthenticated = 'system:authenticated';
export const allUnauthenticated = 'system:unauthenticated';
export const anonymousUser = 'system:anonymous';
export const systemPrivilegedGroup = 'system:masters';
export const nodesGroup = 'system:nodes';
export const monitoringGroup = 'system:monitoring';

/** Keys of `UserInfo.extra` set by the ServiceAccount token authenticator. */
export const credentialIDKey = 'authentication.kubernetes.io/credential-id';
export const podNameKey = 'authentication.kubernetes.io/pod-name';
export const podUIDKey = 'authentication.kubernetes.io/pod-uid';
export const nodeNameKey = 'authentication.kubernetes.io/node-name';
export const nodeUIDKey = 'authentication.kubernetes.io/node-uid';

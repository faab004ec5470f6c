/** Authentication building blocks; see each module for the upstream behaviour it follows. */
export * from './types.js';
export { AnonymousAuthenticator, anonymous, defaultAnonymousPaths } from './anonymous.js';
export { BasicAuthRefuser } from './basic.js';
export { BearerTokenAuthenticator, bearerToken } from './bearer.js';
export {
  BootstrapTokenAuthenticator,
  bootstrapTokenExpired,
  bootstrapTokenGroups,
  parseBootstrapToken,
  type BootstrapTokenOptions,
} from './bootstrap-token.js';
export { secretsEqual } from './constant-time.js';
export { impersonate, impersonationRequests } from './impersonation.js';
export { InProcessAuthenticator } from './in-process.js';
export { CredentialRejected } from './rejected.js';
export { RequestAuthenticator, type RequestAuthenticatorOptions } from './request-authenticator.js';
export { StaticTokenAuthenticator, parseTokenFile, type StaticToken } from './token-file.js';
export { UnionAuthenticator, withAuthenticatedGroup } from './union.js';
export {
  WebSocketProtocolAuthenticator,
  bearerProtocolPrefix,
  isWebSocketRequest,
  stripTokenProtocol,
} from './websocket-protocol.js';
export { X509Authenticator } from './x509.js';
export {
  OpenIDMetadata,
  jwksPath,
  openIDConfigurationPath,
  type OpenIDMetadataOptions,
} from './serviceaccount/oidc.js';
export { type ServiceAccountLookups } from './serviceaccount/lookups.js';
export {
  TokenIssuer,
  defaultIssuer,
  type IssueTokenRequest,
  type IssuedToken,
  type TokenIssuerOptions,
} from './serviceaccount/token-request.js';
export {
  ServiceAccountTokenAuthenticator,
  type ServiceAccountTokenAuthenticatorOptions,
} from './serviceaccount/verifier.js';
export { makeGroupNames, makeUsername, splitUsername } from './serviceaccount/username.js';
export { keyIdOf, publicJwk } from './serviceaccount/jws.js';

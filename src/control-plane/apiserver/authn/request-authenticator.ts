import { unauthorized } from '../../../api/errors/status-error.js';
import type { ApiRequest } from '../types.js';
import { AnonymousAuthenticator } from './anonymous.js';
import { BasicAuthRefuser } from './basic.js';
import { BearerTokenAuthenticator } from './bearer.js';
import { InProcessAuthenticator } from './in-process.js';
import { UnionAuthenticator } from './union.js';
import type { AuthResult, Authenticator, TokenAuthenticator } from './types.js';
import { WebSocketProtocolAuthenticator } from './websocket-protocol.js';
import { X509Authenticator } from './x509.js';

/**
 * The apiserver's authentication step: in-process identity, client
 * certificate, bearer token (header, then WebSocket subprotocol), with Basic
 * credentials refused; then, for requests that carry no credentials at all,
 * the anonymous user on the allowed paths. Always yields an identity or throws
 * the 401 StatusError (`{"message":"Unauthorized","reason":"Unauthorized","code":401}`).
 */
export interface RequestAuthenticatorOptions {
  /** Static token file, bootstrap tokens, ServiceAccount tokens..., tried in order. */
  tokenAuthenticators: readonly TokenAuthenticator[];
  /** Paths served to anonymous callers; false disables anonymous access. Default: health and version paths. */
  anonymousPaths?: readonly string[] | false;
  /** Extra request authenticators tried after the built-in ones. */
  extra?: readonly Authenticator[];
}

export class RequestAuthenticator implements Authenticator {
  private readonly union: UnionAuthenticator;
  private readonly anonymous: AnonymousAuthenticator | undefined;

  constructor(opts: RequestAuthenticatorOptions) {
    this.union = new UnionAuthenticator([
      new InProcessAuthenticator(),
      new X509Authenticator(),
      new BearerTokenAuthenticator(opts.tokenAuthenticators),
      new WebSocketProtocolAuthenticator(opts.tokenAuthenticators),
      new BasicAuthRefuser(),
      ...(opts.extra ?? []),
    ]);
    this.anonymous = opts.anonymousPaths === false ? undefined : new AnonymousAuthenticator(opts.anonymousPaths);
  }

  async authenticate(req: ApiRequest): Promise<AuthResult> {
    const r = await this.union.authenticate(req);
    if (r) return r;
    const anon = await this.anonymous?.authenticate(req);
    if (anon) return anon;
    throw unauthorized();
  }
}

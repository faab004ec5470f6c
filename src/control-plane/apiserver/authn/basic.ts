import { unauthorized } from '../../../api/errors/status-error.js';
import type { ApiRequest } from '../types.js';
import { firstHeader } from './headers.js';
import type { AuthResult, Authenticator } from './types.js';

/**
 * `Authorization: Basic` was removed from kube-apiserver in 1.19, but client-go
 * still sends it for kubeconfig username/password. Such credentials are never
 * accepted: a request whose only credential is Basic gets 401 rather than
 * being treated as anonymous.
 */
export class BasicAuthRefuser implements Authenticator {
  async authenticate(req: ApiRequest): Promise<AuthResult | undefined> {
    const auth = firstHeader(req, 'authorization')?.trim();
    if (auth && /^basic(\s|$)/i.test(auth)) throw unauthorized();
    return undefined;
  }
}

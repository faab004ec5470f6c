import type { ApiRequest } from '../types.js';
import type { AuthResult, Authenticator } from './types.js';

/**
 * Client certificates (upstream `authentication/request/x509` with
 * CommonNameUserConversion): the TLS layer has verified the chain against the
 * client CA; the subject's CN is the user name and its O values the groups.
 * A certificate without a CN identifies nobody.
 */
export class X509Authenticator implements Authenticator {
  async authenticate(req: ApiRequest): Promise<AuthResult | undefined> {
    const cert = req.peer.certificate;
    if (!cert || !cert.commonName) return undefined;
    return { user: { username: cert.commonName, groups: [...cert.organizations] } };
  }
}

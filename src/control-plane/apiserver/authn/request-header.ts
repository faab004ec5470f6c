import { X509Certificate } from 'node:crypto';
import { unauthorized } from '../../../api/errors/status-error.js';
import type { ApiRequest, UserInfo } from '../types.js';
import { allHeaders, firstHeader, headerNamesWithPrefix } from './headers.js';
import type { AuthResult, Authenticator } from './types.js';
import { withAuthenticatedGroup } from './union.js';

/**
 * Request-header (front-proxy) settings, as kube-apiserver's
 * `--requestheader-*` flags. Header names are matched case-insensitively.
 */
export interface RequestHeaderConfig {
  /** PEM of the CA that signs front-proxy client certificates (only this CA, never the client CA). */
  clientCAPEM: string;
  /** Allowed client certificate CNs; empty = any certificate signed by the CA. */
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

/** kube-apiserver's defaults for the header names (k3s sets the same). */
export function defaultRequestHeaderConfig(
  clientCAPEM: string,
  allowedNames = ['front-proxy-client'],
): RequestHeaderConfig {
  return {
    clientCAPEM,
    allowedNames,
    usernameHeaders: ['X-Remote-User'],
    groupHeaders: ['X-Remote-Group'],
    extraHeaderPrefixes: ['X-Remote-Extra-'],
  };
}

/** Go's url.PathUnescape, keeping the input when it is not a valid escape sequence (upstream unescapeExtraKey). */
function unescapeExtraKey(encoded: string): string {
  if (!/^(?:[^%]|%[0-9a-fA-F]{2})*$/.test(encoded)) return encoded;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/**
 * Upstream `authentication/request/headerrequest` behind an x509 verifier for
 * the request-header CA: a request whose client certificate is signed by that
 * CA (and, when names are configured, has an allowed CN) is the user named in
 * the first non-empty username header, with every value of the group headers
 * and the extras of the prefixed headers (keys lower-cased and
 * percent-decoded). Without a username header it yields nothing.
 */
export class RequestHeaderAuthenticator implements Authenticator {
  private readonly ca: X509Certificate[];
  private readonly lower: { user: string[]; group: string[]; extra: string[] };

  constructor(readonly config: RequestHeaderConfig) {
    this.ca = splitPEM(config.clientCAPEM).map((p) => new X509Certificate(p));
    this.lower = {
      user: config.usernameHeaders.map((h) => h.toLowerCase()),
      group: config.groupHeaders.map((h) => h.toLowerCase()),
      extra: config.extraHeaderPrefixes.map((h) => h.toLowerCase()),
    };
  }

  /** Whether the request's client certificate was issued by the request-header CA. */
  signedByProxyCA(req: ApiRequest): boolean {
    const der = req.peer.certificate?.der;
    if (!der) return false;
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(der);
    } catch {
      return false;
    }
    return this.ca.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  }

  async authenticate(req: ApiRequest): Promise<AuthResult | undefined> {
    if (!this.signedByProxyCA(req)) return undefined;
    const cn = req.peer.certificate!.commonName;
    // Upstream: "x509: subject with cn=<cn> is not in the allowed list".
    if (this.config.allowedNames.length > 0 && !this.config.allowedNames.includes(cn)) throw unauthorized();
    let username = '';
    for (const h of this.lower.user) {
      const v = firstHeader(req, h);
      if (v) {
        username = v;
        break;
      }
    }
    if (!username) return undefined;
    const groups: string[] = [];
    for (const h of this.lower.group) for (const v of allHeaders(req, h)) if (v) groups.push(v);
    const extra: Record<string, string[]> = {};
    for (const prefix of this.lower.extra) {
      for (const name of headerNamesWithPrefix(req, prefix)) {
        const key = unescapeExtraKey(name.slice(prefix.length));
        (extra[key] ??= []).push(...allHeaders(req, name));
      }
    }
    const user: UserInfo = { username, groups };
    if (Object.keys(extra).length > 0) user.extra = extra;
    return { user };
  }
}

function splitPEM(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Puts the request-header authenticator in front of `inner` (upstream lists it
 * first in the union). A certificate signed by the request-header CA is never
 * a client certificate of its own: when it carries no asserted user, the
 * request continues without it (upstream's x509 authenticator would not
 * verify it against the client CA), so it cannot authenticate as its CN.
 */
export class FrontProxyAuthenticator implements Authenticator {
  constructor(
    private readonly requestHeader: RequestHeaderAuthenticator,
    private readonly inner: Authenticator,
  ) {}

  async authenticate(req: ApiRequest): Promise<AuthResult | undefined> {
    if (!this.requestHeader.signedByProxyCA(req)) return this.inner.authenticate(req);
    let r: AuthResult | undefined;
    try {
      r = await this.requestHeader.authenticate(req);
    } catch {
      r = undefined;
    }
    if (r) return withAuthenticatedGroup(r);
    return this.inner.authenticate({ ...req, peer: { ...req.peer, certificate: undefined } });
  }
}

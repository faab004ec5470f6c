import type { ApiRequest } from '../types.js';
import { allUnauthenticated, anonymousUser, type AuthResult, type Authenticator } from './types.js';

/**
 * The anonymous identity (`system:anonymous` in `system:unauthenticated`),
 * granted only on the listed paths (upstream AnonymousAuthConfigurableEndpoints
 * as kubeadm-style clusters configure it): health checks, version, and the
 * `kube-public/cluster-info` ConfigMap joining nodes discover the cluster CA
 * from (RBAC still decides; the server binds it to `system:anonymous`).
 */
export const defaultAnonymousPaths: readonly string[] = [
  '/healthz',
  '/livez',
  '/readyz',
  '/version',
  '/api/v1/namespaces/kube-public/configmaps/cluster-info',
];

export function anonymous(): AuthResult {
  return { user: { username: anonymousUser, groups: [allUnauthenticated] } };
}

export class AnonymousAuthenticator implements Authenticator {
  private readonly paths: ReadonlySet<string>;

  constructor(paths: readonly string[] = defaultAnonymousPaths) {
    this.paths = new Set(paths);
  }

  /** Whether the path (without query) may be served to anonymous callers; `/livez/ping`-style subpaths included. */
  allows(path: string): boolean {
    if (this.paths.has(path)) return true;
    for (const p of this.paths) if (path.startsWith(`${p}/`)) return true;
    return false;
  }

  async authenticate(req: ApiRequest): Promise<AuthResult | undefined> {
    return this.allows(req.path) ? anonymous() : undefined;
  }
}

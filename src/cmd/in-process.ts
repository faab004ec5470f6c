import { InProcessTransport, RestClient, defaultUserAgent, type InProcessHandler } from '../client/index.js';
import type { ApiServer } from '../control-plane/apiserver/server.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';

/** Identities of the components that run inside `kubets server`. */
export const componentUsers = {
  controllerManager: { username: 'system:kube-controller-manager', groups: ['system:authenticated'] },
  scheduler: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
} as const;

/** The identity of a kube-system ServiceAccount a controller acts as. */
export function serviceAccountUser(name: string, namespace = 'kube-system') {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

/**
 * A REST client for a component running in the API server's process: requests
 * go straight into the server's handler chain (authorization and admission
 * still apply) without a socket or JSON round trip. Components in one process
 * are not rate-limited against their own server beyond a generous bucket.
 */
export function inProcessRest(
  apiserver: ApiServer,
  user: { username: string; groups: readonly string[] },
  component: string,
  opts: { clock?: Clock; log?: Logger; qps?: number; burst?: number } = {},
): RestClient {
  const transport = new InProcessTransport({
    handler: ((req) => apiserver.handle(req as never)) as InProcessHandler,
    user: { username: user.username, groups: [...user.groups] },
    userAgent: defaultUserAgent(component),
  });
  return new RestClient({
    transport,
    qps: opts.qps ?? 1000,
    burst: opts.burst ?? 2000,
    clock: opts.clock,
    log: opts.log,
  });
}

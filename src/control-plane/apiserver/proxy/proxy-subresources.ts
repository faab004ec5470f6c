import type { Duplex } from 'node:stream';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { pathNotFound, serviceUnavailable } from '../../../api/errors/status-error.js';
import type { ApiServerCore } from '../api-server-core.js';
import { forbiddenError } from '../authz/forbidden.js';
import { attributesFrom } from '../authz/types.js';
import type { RequestInfo } from '../http/request-info.js';
import type { ApiRequest, ApiResponse, RequestContext, UserInfo } from '../types.js';
import { proxyAddressPolicy } from './address-policy.js';
import { forwardHttp } from './http-forward.js';
import { kubeletFor } from './kubelet-location.js';
import { spliceUpgrade } from './proxy-upgrade.js';
import {
  nodeProxyTarget,
  podProxyTarget,
  serviceProxyTarget,
  type ProxyObjects,
  type ProxyTarget,
} from './proxy-target.js';
import { escapePath, splitProxyPath } from './proxy-url.js';

/** The core resources with a `proxy` subresource. */
const proxied = new Set(['pods', 'services', 'nodes']);

/** Reads pods, services, EndpointSlices and nodes straight from the API server's stores. */
export function proxyObjects(server: ApiServerCore): ProxyObjects {
  const store = (plural: string) => server.resource('', 'v1', plural)!.store;
  return {
    pod: async (ns, name) => (await store('pods').get(ns, name)) as unknown as Pod,
    podIfExists: async (ns, name) => (await store('pods').getFromStorage(ns, name)) as unknown as Pod | undefined,
    service: async (ns, name) => (await store('services').get(ns, name)) as unknown as Service,
    endpointSlices: async (ns, service) => {
      const r = server.preferred('discovery.k8s.io', 'endpointslices');
      if (!r) return [];
      const deps = r.store.deps;
      return deps.cache
        .list(deps.prefixFor(ns), (e) => e.object.metadata?.labels?.['kubernetes.io/service-name'] === service)
        .items.map((e) => e.object as unknown as EndpointSlice);
    },
    kubelet: (nodeName) => kubeletFor(server, nodeName),
  };
}

function resolveTarget(
  server: ApiServerCore,
  objects: ProxyObjects,
  resource: string,
  ns: string,
  id: string,
): Promise<ProxyTarget> {
  const policy = proxyAddressPolicy(server);
  if (resource === 'pods') return podProxyTarget(objects, ns, id, policy);
  if (resource === 'services') return serviceProxyTarget(objects, ns, id);
  return nodeProxyTarget(objects, id, policy);
}

function requestBody(req: ApiRequest): Uint8Array | undefined {
  if (req.body) return req.body;
  return req.object === undefined ? undefined : Buffer.from(JSON.stringify(req.object));
}

/**
 * One proxied request (any verb): resolve the backend from the objects, then
 * forward. As upstream, a GET/HEAD of the bare `.../proxy` is redirected to
 * `.../proxy/` so relative links in the backend's pages resolve.
 */
async function serveProxy(
  server: ApiServerCore,
  objects: ProxyObjects,
  resource: string,
  ctx: RequestContext,
  ns: string,
  id: string,
): Promise<ApiResponse> {
  const req = ctx.request;
  const split = splitProxyPath(req.path, resource, id);
  if (!split) throw pathNotFound();
  const target = await resolveTarget(server, objects, resource, ns, id);
  const query = req.query.toString();
  if (split.path === '' && (req.method === 'GET' || req.method === 'HEAD'))
    return { type: 'redirect', status: 301, location: `${escapePath(req.path)}/${query ? `?${query}` : ''}` };
  if (target.kubelet && !server.kubeletClient) throw serviceUnavailable('no kubelet client credentials configured');
  return forwardHttp({
    target,
    kubeletClient: server.kubeletClient,
    method: req.method,
    path: split.path,
    query,
    headers: req.headers,
    body: requestBody(req),
    remoteAddress: req.peer.remoteAddress,
    prefix: split.prefix,
    signal: ctx.signal,
  });
}

/**
 * Registers `pods/proxy`, `services/proxy` and `nodes/proxy`. The router has
 * already authorized the request on the `proxy` subresource with the verb of
 * its HTTP method (get, create, update, patch, delete), as upstream.
 */
export function installProxySubresources(server: ApiServerCore): void {
  const objects = proxyObjects(server);
  for (const plural of proxied) {
    const r = server.resource('', 'v1', plural);
    if (!r) continue;
    r.subresources.set('proxy', {
      connect: (ctx, ns, name) => serveProxy(server, objects, plural, ctx, ns, name),
    });
  }
}

/**
 * An HTTP/1.1 Upgrade (WebSocket) on a proxy subresource, called by the
 * upgrade handler after authentication: authorize with the request's own verb,
 * resolve the backend and splice the connection through. Errors are thrown
 * for the caller to answer with a Status.
 */
export async function handleProxyUpgrade(
  server: ApiServerCore,
  info: RequestInfo,
  user: UserInfo,
  req: ApiRequest,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  if (info.group !== '' || info.version !== 'v1' || !proxied.has(info.resource) || !info.name) throw pathNotFound();
  if ((info.resource === 'nodes') !== (info.namespace === '')) throw pathNotFound();
  if (server.authorizer) {
    const attrs = attributesFrom(info, user, req.query);
    const d = await server.authorizer.authorize(attrs);
    if (d.decision !== 'Allow') throw forbiddenError(attrs, d.reason);
  }
  const split = splitProxyPath(req.path, info.resource, info.name);
  if (!split) throw pathNotFound();
  const target = await resolveTarget(server, proxyObjects(server), info.resource, info.namespace, info.name);
  if (target.kubelet && !server.kubeletClient) throw serviceUnavailable('no kubelet client credentials configured');
  await spliceUpgrade(
    {
      target,
      method: req.method,
      path: split.path,
      query: req.query.toString(),
      headers: req.headers,
      remoteAddress: req.peer.remoteAddress,
      prefix: split.prefix,
    },
    socket,
    head,
    server.kubeletClient,
  );
}

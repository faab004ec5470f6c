import type { Duplex } from 'node:stream';
import { methodNotSupported, pathNotFound, StatusError, toStatusError } from '../../../api/errors/status-error.js';
import { impersonate } from '../authn/impersonation.js';
import { forbiddenError } from '../authz/forbidden.js';
import { attributesFrom } from '../authz/types.js';
import { parseRequestInfo } from '../http/request-info.js';
import type { ApiServerCore } from '../api-server-core.js';
import type { ApiRequest } from '../types.js';
import { podTarget } from './kubelet-location.js';
import { proxyUpgrade } from './kubelet-proxy.js';
import { handleProxyUpgrade } from './proxy-subresources.js';

const streaming: Record<string, string> = { exec: 'exec', attach: 'attach', portforward: 'portForward' };

function writeStatus(socket: Duplex, err: unknown): void {
  const se = toStatusError(err);
  const body = JSON.stringify(se.toStatus());
  socket.end(
    `HTTP/1.1 ${se.code} ${se.reason || 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * HTTP/1.1 Upgrade requests (`kubectl exec|attach|port-forward` over WebSocket
 * or SPDY): authenticate, authorize (WebSocket GETs need `create` on the
 * subresource, as kube-apiserver 1.32 requires), find the pod's kubelet, and
 * splice the connection through to it. Errors before the upgrade are answered
 * with a Status body, as upstream.
 */
export async function handleUpgrade(
  server: ApiServerCore,
  req: ApiRequest,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  try {
    const auth = await server.authenticator.authenticate(req);
    if (!auth) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
    let user = auth.user;
    if (server.authorizer) user = await impersonate(req, user, server.authorizer);
    const info = parseRequestInfo(req.method, req.path, req.query);
    // WebSockets through pods|services|nodes/proxy are authorized with the request's own verb.
    if (info.isResourceRequest && info.subresource === 'proxy')
      return await handleProxyUpgrade(server, info, user, req, socket, head);
    const kubeletPath = streaming[info.subresource];
    if (!info.isResourceRequest || info.group !== '' || info.resource !== 'pods' || !kubeletPath || !info.name)
      throw pathNotFound();
    if (info.verb !== 'get' && info.verb !== 'create')
      throw methodNotSupported({ group: '', resource: `pods/${info.subresource}` }, info.verb);
    if (server.authorizer) {
      const attrs = { ...attributesFrom(info, user, req.query), verb: 'create' };
      const d = await server.authorizer.authorize(attrs);
      if (d.decision !== 'Allow') throw forbiddenError(attrs, d.reason);
    }
    const kc = server.kubeletClient;
    if (!kc) throw new StatusError(503, 'ServiceUnavailable', 'no kubelet client credentials configured');
    const q = new URLSearchParams(req.query);
    const wantContainer = q.get('container');
    q.delete('container');
    const t = await podTarget(
      server,
      info.namespace,
      info.name,
      kubeletPath === 'portForward' ? (wantContainer ?? '') || null : wantContainer,
      kubeletPath !== 'portForward',
    );
    const path =
      kubeletPath === 'portForward'
        ? `/portForward/${info.namespace}/${info.name}${q.size ? `?${q}` : ''}`
        : `/${kubeletPath}/${info.namespace}/${info.name}/${t.container}${q.size ? `?${q}` : ''}`;
    await proxyUpgrade(kc, t.kubelet, path, req.method, req.headers, socket, head);
  } catch (err) {
    writeStatus(socket, err);
  }
}

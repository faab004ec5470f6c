/**
 * Who may call the kubelet API. Callers authenticate with a client
 * certificate that chains to the cluster's client CA (the TLS server asks
 * for one and verifies it); the subject's CN is the user and its O values
 * the groups, as the API server reads them. The API server itself
 * (`kube-apiserver-kubelet-client`, or any `system:masters` member) is
 * trusted; everyone else is authorized per request the way the upstream
 * kubelet builds SubjectAccessReview attributes: resource `nodes`, the node
 * name, the verb from the HTTP method and a subresource from the path.
 */
import type { TLSSocket } from 'node:tls';

export interface KubeletUser {
  username: string;
  groups: string[];
}

export interface KubeletRequestAttributes {
  verb: string;
  resource: 'nodes';
  subresource: string;
  namespace: '';
  name: string;
}

export const apiServerClientUser = 'kube-apiserver-kubelet-client';
export const mastersGroup = 'system:masters';

/** The user of a verified client certificate on the connection, or undefined. */
export function authenticateTls(socket: TLSSocket): KubeletUser | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const username = Array.isArray(cn) ? cn[0] : cn;
  if (!username) return undefined;
  const o = cert.subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username, groups: [...groups, 'system:authenticated'] };
}

export function isApiServer(user: KubeletUser): boolean {
  return user.username === apiServerClientUser || user.groups.includes(mastersGroup);
}

const verbs: Record<string, string> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** The authorization attributes of a request (upstream `server/auth.go` GetRequestAttributes). */
export function requestAttributes(method: string, path: string, nodeName: string): KubeletRequestAttributes {
  const seg = (p: string) => path === p || path.startsWith(`${p}/`);
  let subresource = 'proxy';
  if (seg('/stats')) subresource = 'stats';
  else if (seg('/metrics')) subresource = 'metrics';
  else if (seg('/logs')) subresource = 'log';
  else if (seg('/spec')) subresource = 'spec';
  else if (seg('/checkpoint')) subresource = 'checkpoint';
  return {
    verb: verbs[method.toUpperCase()] ?? method.toLowerCase(),
    resource: 'nodes',
    subresource,
    namespace: '',
    name: nodeName,
  };
}

/** The 403 text the kubelet answers with. */
export function forbiddenMessage(user: KubeletUser, a: KubeletRequestAttributes): string {
  return `Forbidden (user=${user.username}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})`;
}

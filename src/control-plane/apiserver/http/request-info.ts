/**
 * What a request is about, parsed from its path, method and query (upstream
 * `apiserver/pkg/endpoints/request/requestinfo.go`). Authorization, admission,
 * audit and routing all read this one parse.
 */
export interface RequestInfo {
  /** True for `/api/...` and `/apis/...` paths that name a resource. */
  isResourceRequest: boolean;
  path: string;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection (resource requests), or the lower-cased HTTP method. */
  verb: string;
  apiPrefix: '' | 'api' | 'apis';
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after the resource (`[name, subresource, ...rest]`), e.g. proxy paths. */
  parts: string[];
}

/** Subresources addressed directly on a namespace object (`/api/v1/namespaces/x/status`). */
const namespaceSubresources = new Set(['status', 'finalize']);

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    group: '',
    version: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  let parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return info;
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  parts = parts.slice(1);
  if (prefix === 'apis') {
    if (parts.length < 1) return info;
    info.group = parts[0]!;
    parts = parts.slice(1);
  }
  if (parts.length < 1) return info;
  info.version = parts[0]!;
  parts = parts.slice(1);
  if (parts.length < 1) return info;
  info.isResourceRequest = true;

  let watchPath = false;
  if (parts[0] === 'watch') {
    watchPath = true;
    parts = parts.slice(1);
  }
  if (parts[0] === 'namespaces' && parts.length > 1) {
    info.namespace = parts[1]!;
    if (parts.length > 2 && !namespaceSubresources.has(parts[2]!)) parts = parts.slice(2);
  }
  info.parts = parts;
  info.resource = parts[0] ?? '';
  if (parts.length >= 2) info.name = parts[1]!;
  if (parts.length >= 3) info.subresource = parts[2]!;
  // A namespace object: /api/v1/namespaces/foo -> resource namespaces, name foo, not a namespace scope.
  if (info.resource === 'namespaces') info.namespace = info.name ? info.name : '';

  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name ? 'get' : 'list';
      if (watchPath || isTrue(query.get('watch'))) info.verb = 'watch';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = method.toLowerCase();
  }
  // A list/watch restricted to one name is authorized as that name (upstream behaviour).
  if ((info.verb === 'list' || info.verb === 'watch') && !info.name) {
    const fs = query.get('fieldSelector');
    if (fs) {
      for (const term of fs.split(',')) {
        const m = /^metadata\.name(==|=)(.*)$/.exec(term.trim());
        if (m) info.name = m[2]!;
      }
    }
  }
  return info;
}

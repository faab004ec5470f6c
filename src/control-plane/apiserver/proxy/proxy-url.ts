/**
 * URL pieces of the proxy subresources (`pods/proxy`, `services/proxy`,
 * `nodes/proxy`): the `[scheme:]name[:port]` id in the path, the part of the
 * request path that goes to the backend, and the escaping of that path.
 */

export interface ProxyId {
  /** '' (the default for the resource), 'http' or 'https'. */
  scheme: '' | 'http' | 'https';
  name: string;
  /** '' when not given; a number or a port name otherwise. */
  port: string;
}

/**
 * Splits `name`, `name:port` or `scheme:name:port` (upstream
 * `utilnet.SplitSchemeNamePort`); undefined when the id has more than three
 * parts, an empty name or a scheme other than http/https.
 */
export function splitSchemeNamePort(id: string): ProxyId | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = parts as [string, string];
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string];
  else return undefined;
  if (!name || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme: scheme as ProxyId['scheme'], name, port };
}

export interface ProxyPath {
  /** The API path up to and including `/proxy` (maps onto the backend's root). */
  prefix: string;
  /** The decoded backend path: '' (nothing after `/proxy`), '/' or '/a/b...'. */
  path: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Splits a decoded request path such as `/api/v1/namespaces/ns/pods/p:80/proxy/a/b/`
 * at the proxy subresource. The trailing slash is kept: backends tell `/dir` from `/dir/`.
 */
export function splitProxyPath(requestPath: string, resource: string, id: string): ProxyPath | undefined {
  const re = new RegExp(`^(.*?/${escapeRegExp(resource)}/${escapeRegExp(id)}/proxy)(/.*)?$`);
  const m = re.exec(requestPath);
  if (!m) return undefined;
  return { prefix: m[1]!, path: m[2] ?? '' };
}

/** Characters Go's `url.URL.EscapedPath` leaves alone in a path segment besides unreserved ones. */
const keepInSegment = /%(21|24|26|27|28|29|2A|2B|2C|3B|3D|3A|40)/g;

/** Escapes a decoded path for the request line (segment by segment, `/` kept). */
export function escapePath(path: string): string {
  return path
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(keepInSegment, (e) => decodeURIComponent(e)))
    .join('/');
}

/**
 * The secure port of an embedded control-plane component (kube-controller-
 * manager :10257, kube-scheduler :10259): HTTPS with the cluster's serving
 * certificate, serving health endpoints and `/metrics`.
 *
 * Access follows upstream's delegated authentication/authorization:
 * - `/healthz`, `/livez`, `/readyz` (and their sub-checks) are anonymous,
 *   as `--authorization-always-allow-paths` makes them upstream;
 * - everything else needs authorization: a verified client certificate from
 *   the cluster client CA names the user (CN) and groups (O); without one the
 *   caller is `system:anonymous`. `system:masters` is always allowed
 *   (upstream `--authorization-always-allow-groups`); anyone else is asked
 *   of the API server (`authorize`, a SubjectAccessReview for the
 *   non-resource path). Denied: 403 with the API server's Status body.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { StatusError } from '../../api/errors/status-error.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { prometheusContentType } from '../../lib/prometheus-text.js';
import { answerHealth, type HealthCheck } from './health-checks.js';

export interface ComponentUser {
  username: string;
  groups: string[];
}

/** Non-resource authorization attributes (what a SubjectAccessReview's nonResourceAttributes carry). */
export interface NonResourceAttributes {
  verb: string;
  path: string;
}

export type ComponentAuthorizer = (user: ComponentUser, attrs: NonResourceAttributes) => Promise<boolean>;

export interface ComponentServerOptions {
  /** For logs, e.g. `kube-scheduler`. */
  component: string;
  host: string;
  /** 0 = an ephemeral port (read it back from `port`). */
  port: number;
  /** Serving certificate chain and key, PEM. */
  certPEM: string;
  keyPEM: string;
  /** Client certificates must chain to this CA to identify a user. */
  clientCAPEM: string;
  /** Checks per health root; a root without an entry is not served (404). */
  health: Partial<Record<'healthz' | 'livez' | 'readyz', readonly HealthCheck[]>>;
  /** The Prometheus text exposition, rendered on each scrape. */
  metrics(): string | Promise<string>;
  authorize: ComponentAuthorizer;
  log?: Logger;
}

export interface RunningComponentServer extends Disposable {
  host: string;
  /** The bound port (the ephemeral one when configured with 0). */
  port: number;
  /** `https://host:port`. */
  url: string;
}

const anonymous: ComponentUser = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const alwaysAllowGroups = ['system:masters'];
const verbs: Record<string, string> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'post',
  PUT: 'put',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** The user named by a verified client certificate, or undefined. */
export function certificateUser(socket: TLSSocket): ComponentUser | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  const subject = cert?.subject as unknown as Record<string, string | string[] | undefined> | undefined;
  if (!subject) return undefined;
  const cn = Array.isArray(subject.CN) ? subject.CN[0] : subject.CN;
  if (!cn) return undefined;
  const o = subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username: cn, groups: [...groups, 'system:authenticated'] };
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendStatus(res: ServerResponse, err: StatusError): void {
  send(res, err.code, `${JSON.stringify(err.toStatus())}\n`, 'application/json');
}

export async function startComponentServer(o: ComponentServerOptions): Promise<RunningComponentServer> {
  const log = o.log ?? nullLogger;

  const authorized = async (req: IncomingMessage, path: string): Promise<StatusError | undefined> => {
    const user = certificateUser(req.socket as TLSSocket) ?? anonymous;
    if (user.groups.some((g) => alwaysAllowGroups.includes(g))) return undefined;
    const attrs = { verb: verbs[req.method ?? 'GET'] ?? (req.method ?? '').toLowerCase(), path };
    let allowed: boolean;
    try {
      allowed = await o.authorize(user, attrs);
    } catch (err) {
      log.warn('authorization failed', { user: user.username, path, err: String(err) });
      return new StatusError(500, 'InternalError', `Internal error occurred: authorization failed: ${String(err)}`);
    }
    if (allowed) return undefined;
    return new StatusError(
      403,
      'Forbidden',
      `forbidden: User ${JSON.stringify(user.username)} cannot ${attrs.verb} path ${JSON.stringify(path)}`,
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://component');
    const path = url.pathname;
    const [, root, sub, ...rest] = path.split('/');
    const checks = (root === 'healthz' || root === 'livez' || root === 'readyz') && o.health[root];
    if (checks && rest.length === 0 && sub !== '') {
      const answer = await answerHealth(root!, checks, sub, url.searchParams, (failures) =>
        log.info(`${root} check failed`, {
          failures: failures.map((f) => `${f.name}: ${f.err.message}`).join('; '),
        }),
      );
      if (answer) return send(res, answer.status, answer.body);
    }
    const denied = await authorized(req, path);
    if (denied) return sendStatus(res, denied);
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD'))
      return send(res, 200, await o.metrics(), prometheusContentType);
    send(res, 404, '404 page not found\n');
  };

  const server: Server = createServer({
    cert: o.certPEM,
    key: o.keyPEM,
    ca: o.clientCAPEM,
    requestCert: true,
    rejectUnauthorized: false,
  });
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      log.warn('request failed', { path: req.url, err: String(err) });
      if (!res.headersSent) send(res, 500, `${String((err as Error)?.message ?? err)}\n`);
      else res.destroy();
    });
  });
  server.on('tlsClientError', (err) => log.debug('TLS handshake failed', { err: String(err) }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  log.info('serving securely', { component: o.component, address: `${host}:${port}` });
  let closed: Promise<void> | undefined;
  return {
    host: o.host,
    port,
    url: `https://${host}:${port}`,
    dispose() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}

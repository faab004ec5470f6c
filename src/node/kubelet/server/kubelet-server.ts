/**
 * The kubelet API server (upstream `pkg/kubelet/server`, the secure port
 * 10250): HTTPS with HTTP/1.1 (exec, attach and port-forward are upgrades),
 * client certificates verified against the cluster's client CA, the API
 * server trusted, everyone else authorized per request through
 * `deps.authorize` (a SubjectAccessReview).
 *
 * Routes: `/healthz`, `/pods`, `/stats/summary`, `/metrics`,
 * `/metrics/resource`, `/containerLogs/{ns}/{pod}/{container}`,
 * `/run/{ns}/{pod}[/{uid}]/{container}` (POST, runs `cmd` and returns its
 * output), and the upgrades `/exec|/attach/{ns}/{pod}[/{uid}]/{container}` and
 * `/portForward/{ns}/{pod}[/{uid}]`. Errors are plain text, as the kubelet's.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { realClock, type Clock } from '../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../lib/log.js';
import { writePlainError } from '../streaming/http-upgrade.js';
import { serveRemoteCommand, servePortForward } from '../streaming/index.js';
import { authenticateTls, forbiddenMessage, isApiServer, requestAttributes, type KubeletUser } from './auth.js';
import { criRemoteCommandHandler } from './exec/cri-remote-command.js';
import { serveContainerLogs } from './logs/container-logs.js';
import { kubeletMetrics, prometheusContentType, RequestCounter, resourceMetrics } from './metrics.js';
import { criPortConnector } from './port-forward.js';
import { SummaryProvider } from './stats/summary-provider.js';
import type { Summary } from './stats/summary-types.js';
import type { KubeletServerDeps } from './types.js';

export interface KubeletServerOptions {
  deps: KubeletServerDeps;
  /** Listen address; upstream default 0.0.0.0. */
  host: string;
  /** 10250 upstream; 0 picks a free port. */
  port: number;
  /** PEM serving certificate (chain) and key. */
  tls: { certPEM: string; keyPEM: string };
  /** PEM bundle client certificates must chain to (`--client-ca-file`). */
  clientCAPEM: string;
  log?: Logger;
  /** Source of `/stats/summary`; default a SummaryProvider over deps and `rootDir`. */
  stats?: { summary(): Promise<Summary> };
  /** The kubelet root dir for the default stats provider; default /var/lib/kubelet. */
  rootDir?: string;
  /** Where container logs live, for the default stats provider; default /var/log/pods. */
  podLogsRoot?: string;
  clock?: Clock;
}

export interface RunningKubeletServer {
  host: string;
  port: number;
  /** `https://<host>:<port>` */
  url: string;
  /** Stops listening, ends streaming sessions and waits for them (idempotent). */
  close(): Promise<void>;
  /** Same as close(), for DisposableStore owners. */
  dispose(): Promise<void>;
}

type Route = { kind: string; ns: string; pod: string; uid?: string; container?: string };

/** `/exec/ns/pod/c`, `/exec/ns/pod/uid/c`, `/portForward/ns/pod[/uid]`, `/containerLogs/ns/pod/c`, `/run/...`. */
export function parseStreamingPath(path: string): Route | undefined {
  const segs = path.split('/').slice(1).map(decodeURIComponent);
  const [kind, ns, pod, a, b] = segs;
  if (!ns || !pod) return undefined;
  if (kind === 'portForward') {
    if (segs.length === 3) return { kind, ns, pod };
    if (segs.length === 4 && a) return { kind, ns, pod, uid: a };
    return undefined;
  }
  if (!['exec', 'attach', 'run', 'containerLogs'].includes(kind)) return undefined;
  if (segs.length === 4 && a) return { kind, ns, pod, container: a };
  if (segs.length === 5 && kind !== 'containerLogs' && a && b) return { kind, ns, pod, uid: a, container: b };
  return undefined;
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${message}\n`);
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });

export async function startKubeletServer(opts: KubeletServerOptions): Promise<RunningKubeletServer> {
  const { deps } = opts;
  const log = opts.log ?? nullLogger;
  const clock = opts.clock ?? realClock;
  const stats =
    opts.stats ??
    new SummaryProvider({
      nodeName: deps.nodeName,
      runtime: deps.runtime,
      pods: () => deps.pods(),
      rootDir: opts.rootDir ?? '/var/lib/kubelet',
      podLogsRoot: opts.podLogsRoot,
      clock,
    });
  const requests = new RequestCounter();
  const sessions = new Set<Promise<void>>();
  const shutdown = new AbortController();
  const track = (p: Promise<void>) => {
    const t = p.catch((err: unknown) => log.debug('streaming session failed', { err: String(err) }));
    sessions.add(t);
    void t.finally(() => sessions.delete(t));
  };

  /** Authenticates and authorizes; returns the user, or writes the refusal and returns undefined. */
  const admit = async (
    socket: TLSSocket,
    method: string,
    path: string,
    refuse: (status: number, msg: string) => void,
  ): Promise<KubeletUser | undefined> => {
    const user = authenticateTls(socket);
    if (!user) {
      refuse(401, 'Unauthorized');
      return undefined;
    }
    if (isApiServer(user)) return user;
    const attrs = requestAttributes(method, path, deps.nodeName);
    let allowed: boolean;
    try {
      allowed = await deps.authorize(user, attrs);
    } catch (err) {
      log.warn('authorization failed', { err: String(err) });
      refuse(
        500,
        `Authorization error (user=${user.username}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})`,
      );
      return undefined;
    }
    if (!allowed) {
      refuse(403, forbiddenMessage(user, attrs));
      return undefined;
    }
    return user;
  };

  const findPod = (r: Route): Pod | undefined => {
    const pod = deps.getPod(r.ns, r.pod);
    if (pod && r.uid && pod.metadata?.uid !== r.uid) return undefined;
    return pod;
  };

  /** The running container's runtime ID, or undefined (upstream: "container not found"). */
  const runningContainer = async (pod: Pod, name: string): Promise<string | undefined> => {
    const id = deps.containerId(pod.metadata?.uid ?? '', name);
    if (!id) return undefined;
    const st = await deps.runtime.containerStatus(id).catch(() => undefined);
    return st?.state === 'CONTAINER_RUNNING' ? id : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const path = url.pathname;
    res.once('finish', () => requests.add(req.method ?? 'GET', path, res.statusCode));
    const user = await admit(req.socket as TLSSocket, req.method ?? 'GET', path, (s, m) => plain(res, s, m));
    if (!user) return;
    const method = req.method ?? 'GET';
    if (path === '/healthz' || path.startsWith('/healthz/')) return plain(res, 200, 'ok');
    if (path === '/pods' || path === '/pods/') {
      return json(res, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: deps.pods() });
    }
    if (path === '/stats/summary' || path === '/stats/summary/') {
      const s = await stats.summary();
      if (url.searchParams.get('only_cpu_and_memory') === 'true') {
        const cm = <T extends { cpu?: unknown; memory?: unknown }>(x: T) => ({ cpu: x.cpu, memory: x.memory });
        return json(res, {
          node: {
            nodeName: s.node.nodeName,
            startTime: s.node.startTime,
            ...cm(s.node),
            systemContainers: s.node.systemContainers,
          },
          pods: s.pods.map((p) => ({
            podRef: p.podRef,
            startTime: p.startTime,
            ...cm(p),
            containers: p.containers.map((c) => ({ name: c.name, startTime: c.startTime, ...cm(c) })),
          })),
        });
      }
      return json(res, s);
    }
    if (path === '/metrics') {
      const containers = await deps.runtime.listContainers().catch(() => []);
      res.writeHead(200, { 'Content-Type': prometheusContentType });
      return void res.end(kubeletMetrics(deps.nodeName, deps.pods(), containers, requests));
    }
    if (path === '/metrics/resource') {
      res.writeHead(200, { 'Content-Type': prometheusContentType });
      return void res.end(resourceMetrics(await stats.summary()));
    }
    const route = parseStreamingPath(path);
    if (route?.kind === 'containerLogs' && (method === 'GET' || method === 'HEAD')) {
      return serveContainerLogs(
        req,
        res,
        deps,
        { namespace: route.ns, pod: route.pod, container: route.container! },
        log,
      );
    }
    if (route?.kind === 'run' && method === 'POST') {
      const pod = findPod(route);
      if (!pod) return plain(res, 404, 'pod does not exist');
      const body = await readBody(req);
      const cmd = (url.searchParams.get('cmd') ?? new URLSearchParams(body).get('cmd') ?? '')
        .split(' ')
        .filter(Boolean);
      const id = await runningContainer(pod, route.container!);
      if (!id) return plain(res, 500, `container not found (${JSON.stringify(route.container)})`);
      const r = await deps.runtime.execSync(id, cmd);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end(r.stdout + r.stderr);
    }
    if (route && ['exec', 'attach', 'portForward'].includes(route.kind)) {
      return plain(res, 400, 'Upgrade request required');
    }
    plain(res, 404, '404 page not found');
  };

  const handleUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const path = new URL(req.url ?? '/', 'https://kubelet').pathname;
    const refuse = (s: number, m: string) => writePlainError(socket, s, m);
    const user = await admit(req.socket as TLSSocket, req.method ?? 'GET', path, refuse);
    if (!user) return;
    const route = parseStreamingPath(path);
    if (!route || !['exec', 'attach', 'portForward'].includes(route.kind)) return refuse(404, '404 page not found');
    const pod = findPod(route);
    if (!pod) return refuse(404, 'pod does not exist');
    const common = { signal: shutdown.signal, clock, logger: log };
    if (route.kind === 'portForward') {
      const uid = pod.metadata?.uid ?? '';
      const connect = criPortConnector(deps.runtime, () => deps.sandboxId(uid));
      return track(servePortForward(socket, head, req, connect, { ...common, podName: route.pod, uid }));
    }
    const id = await runningContainer(pod, route.container!);
    if (!id) return refuse(500, `container not found (${JSON.stringify(route.container)})`);
    const handler = criRemoteCommandHandler(deps.runtime, id, route.kind as 'exec' | 'attach', log);
    track(serveRemoteCommand(socket, head, req, handler, common));
  };

  const server: Server = createServer({
    cert: opts.tls.certPEM,
    key: opts.tls.keyPEM,
    ca: opts.clientCAPEM,
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on('request', (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.warn('kubelet request failed', { path: req.url, err: String(err) });
      if (!res.headersSent) plain(res, 500, String((err as Error)?.message ?? err));
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handleUpgrade(req, socket, head).catch((err: unknown) => {
      log.warn('kubelet upgrade failed', { path: req.url, err: String(err) });
      writePlainError(socket, 500, String((err as Error)?.message ?? err));
    });
  });
  server.on('tlsClientError', (err) => log.debug('kubelet TLS handshake failed', { err: String(err) }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      shutdown.abort(new Error('kubelet server shutting down'));
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([...sessions]);
      await done;
    })());
  return { host: opts.host, port, url: `https://${host}:${port}`, close, dispose: close };
}

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { FailoverTransport } from '../../client/failover-transport.js';
import {
  HttpTransport,
  ResourceClient,
  RestClient,
  defaultUserAgent,
  type KubeObject,
  type RestClientOptions,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from '../../client/index.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';

/**
 * The servers a joined node talks to, with client-side failover (k3s's agent
 * load balancer): the server given at join time plus every API server listed
 * in the `default/kubernetes` Endpoints, which each server keeps pointing at
 * itself. All node components share one FailoverTransport, so when one server
 * goes away they move to the next together; the join URL is always kept, so a
 * node can come back through it after every discovered server changed.
 *
 * With `stateFile`, the list survives restarts (k3s's
 * `etc/k3s-agent-load-balancer.json`): it is saved whenever it changes and,
 * at the next start, the saved servers follow the `--server` ones, so an
 * agent whose join server is down still reaches the others. Saved servers
 * are only used when they were learnt through the same first server: a new
 * `--server` may be another cluster.
 */
export interface ServerPoolOptions {
  /** Initial servers (`--server`), tried first in this order. */
  servers: string[];
  /** Where the known servers are kept between starts (see serverPoolStateFile); absent = not kept. */
  stateFile?: string;
  /** The cluster's server CA (verifies every server). */
  caPEM: string;
  /** The node's client certificate and key. */
  certPEM: string;
  keyPEM: string;
  /** How long a failed server is skipped (default 15 s). */
  cooldownMs?: number;
  clock?: Clock;
  log?: Logger;
}

/** The agent's saved server list under its data dir (k3s: `<data-dir>/agent/etc/k3s-agent-load-balancer.json`). */
export const serverPoolStateFile = (dataDir: string) =>
  join(dataDir, 'agent', 'etc', 'kubets-agent-load-balancer.json');

/** The file's content: the first `--server` it was learnt through, and every server known then, in order. */
export interface SavedServerList {
  serverURL: string;
  servers: string[];
}

/**
 * The saved servers, if `path` holds a list learnt through `serverURL`;
 * otherwise (missing, unreadable, another server) none: the file is only a
 * hint, never a reason not to start.
 */
export function loadServerList(path: string, serverURL: string): string[] {
  if (!existsSync(path)) return [];
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<SavedServerList>;
    if (saved?.serverURL !== serverURL || !Array.isArray(saved.servers)) return [];
    return saved.servers.filter((s): s is string => typeof s === 'string' && /^https:\/\//.test(s));
  } catch {
    return [];
  }
}

/** Replaces the file atomically (write + rename), mode 0600, creating its folder (0700). */
export function saveServerList(path: string, list: SavedServerList): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(list, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export class ServerPool {
  readonly transport: FailoverTransport;
  private readonly initial: string[];
  private readonly clock: Clock;
  private readonly log: Logger;
  private discovery: AbortController | undefined;
  /** The list as last written (JSON), so an unchanged list is not rewritten at every refresh. */
  private savedList: string | undefined;

  constructor(private readonly o: ServerPoolOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? nullLogger;
    this.initial = [...o.servers];
    const saved = o.stateFile && o.servers[0] ? loadServerList(o.stateFile, o.servers[0]) : [];
    this.transport = new FailoverTransport({
      servers: [...o.servers, ...saved],
      cooldownMs: o.cooldownMs,
      clock: this.clock,
      log: this.log,
      transportFor: (server) =>
        new HttpTransport({ server, ca: o.caPEM, cert: o.certPEM, key: o.keyPEM, clock: this.clock, log: this.log }),
    });
    this.savedList = saved.length ? JSON.stringify(saved) : undefined;
    this.save();
  }

  /** Writes the current list when it differs from the saved one; failures are logged, never thrown. */
  private save(): void {
    const path = this.o.stateFile;
    const serverURL = this.initial[0];
    if (!path || !serverURL) return;
    const servers = this.transport.servers;
    const json = JSON.stringify(servers);
    if (json === this.savedList) return;
    try {
      saveServerList(path, { serverURL, servers });
      this.savedList = json;
    } catch (err) {
      this.log.warn('cannot save the API server list', { path, err });
    }
  }

  get servers(): string[] {
    return this.transport.servers;
  }

  /**
   * A REST client over the pool that identifies as `component` (User-Agent).
   * Its own rate limits apply; disposing it leaves the pool open.
   */
  rest(component: string, opts: Partial<Omit<RestClientOptions, 'transport'>> = {}): RestClient {
    return new RestClient({
      clock: this.clock,
      log: this.log,
      ...opts,
      transport: this.view(defaultUserAgent(component)),
    });
  }

  /** A transport sharing the pool's connections, with its own User-Agent. */
  view(userAgent: string): Transport {
    const inner = this.transport;
    return {
      kind: 'http',
      roundTrip: (req: TransportRequest): Promise<TransportResponse> =>
        inner.roundTrip({ ...req, headers: { 'user-agent': userAgent, ...req.headers } }),
      dispose: () => undefined,
    };
  }

  /**
   * Reads `default/kubernetes` Endpoints and makes the pool the initial
   * servers plus every endpoint address (`https://<ip>:<https port>`).
   * Returns the new list; a failed read, or Endpoints without addresses,
   * leaves the list as it was.
   */
  async refresh(signal?: AbortSignal): Promise<string[]> {
    const client = new ResourceClient<Endpoints & KubeObject>(
      this.rest('kubets-agent', { qps: Infinity, maxRetries: 1 }),
      { group: '', version: 'v1', resource: 'endpoints' },
      'default',
    );
    const ep = await client.get('kubernetes', { signal });
    const discovered: string[] = [];
    for (const subset of ep.subsets ?? []) {
      const port = subset.ports?.find((p) => p.name === 'https') ?? subset.ports?.[0];
      if (!port) continue;
      for (const a of subset.addresses ?? []) {
        const host = a.ip.includes(':') ? `[${a.ip}]` : a.ip;
        discovered.push(`https://${host}:${port.port}`);
      }
    }
    // An Endpoints without addresses (a server advertising loopback) tells nothing: keep what works.
    if (discovered.length) {
      this.transport.setServers([...this.initial, ...discovered]);
      this.save();
    }
    return this.servers;
  }

  /** Refreshes now and then every `intervalMs` (default 30 s) until `signal` aborts or the pool is disposed. */
  startDiscovery(signal?: AbortSignal, intervalMs = 30_000): void {
    this.discovery?.abort();
    const ctrl = new AbortController();
    this.discovery = ctrl;
    signal?.addEventListener('abort', () => ctrl.abort(), { once: true });
    void (async () => {
      while (!ctrl.signal.aborted) {
        try {
          await this.refresh(ctrl.signal);
        } catch (err) {
          if (!ctrl.signal.aborted) this.log.debug('API server discovery failed; keeping the current list', { err });
        }
        try {
          await this.clock.sleep(intervalMs, ctrl.signal);
        } catch {
          return;
        }
      }
    })();
  }

  async dispose(): Promise<void> {
    this.discovery?.abort();
    await this.transport.dispose();
  }
}

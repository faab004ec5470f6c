import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Disposable, track, untrack } from '../../../lib/disposable.js';

/** Server-side TLS for the client URLs (PEM file paths). Clients must then present a cert signed by `caFile`. */
export interface EtcdServerTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** A client certificate for health checks (signed by caFile). */
  clientCertFile: string;
  clientKeyFile: string;
}

export interface LaunchEtcdOptions {
  /** Number of members (default 1). */
  members?: number;
  /** Base directory for member data and logs; default: a new temp dir removed on dispose. */
  dir?: string;
  /** etcd binary (default /usr/bin/etcd, Debian package etcd-server). */
  binary?: string;
  tls?: EtcdServerTls;
  /** etcd's --experimental-watch-progress-notify-interval (default '1s' here; etcd's own default is 10m). */
  progressNotifyInterval?: string;
  /** etcd's --max-request-bytes (default 2 MiB so 1.5 MiB objects fit, as Kubernetes expects). */
  maxRequestBytes?: number;
  extraArgs?: string[];
  /** How long to wait for the cluster to become healthy (default 30 s). */
  startTimeoutMs?: number;
}

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
}

/** Finds a free loopback TCP port (bind to port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
/** Last resort: kill members still running when this process exits (by PID, synchronously). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) if (c.pid !== undefined && c.exitCode === null) c.kill('SIGKILL');
  });
}

/**
 * Runs real etcd members on loopback ports (an embedded etcd for a kubets
 * server, and what tests and benchmarks run against). Each member has its own
 * data dir and log file under `dir`; members are stopped by PID.
 */
export class LocalEtcdCluster implements Disposable {
  private readonly procs: (ChildProcess | undefined)[];
  private disposed = false;

  private constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
    readonly members: readonly EtcdMember[],
    private readonly args: string[][],
    private readonly opts: LaunchEtcdOptions,
  ) {
    this.procs = members.map(() => undefined);
    track(this, `etcd cluster ${dir}`);
  }

  static async start(opts: LaunchEtcdOptions = {}): Promise<LocalEtcdCluster> {
    const n = opts.members ?? 1;
    const ownsDir = opts.dir === undefined;
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'kubets-etcd-'));
    const scheme = opts.tls ? 'https' : 'http';
    const members: EtcdMember[] = [];
    for (let i = 0; i < n; i++) {
      const [cp, pp] = [await freePort(), await freePort()];
      members.push({
        name: `m${i}`,
        clientUrl: `${scheme}://127.0.0.1:${cp}`,
        peerUrl: `http://127.0.0.1:${pp}`,
        dataDir: join(dir, `m${i}`),
        logFile: join(dir, `m${i}.log`),
      });
    }
    const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    const token = `kubets-${process.pid}-${Date.now()}`;
    const args = members.map((m) => [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientUrl,
      '--advertise-client-urls', m.clientUrl,
      '--listen-peer-urls', m.peerUrl,
      '--initial-advertise-peer-urls', m.peerUrl,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', token,
      '--log-level', 'error',
      '--logger', 'zap',
      '--max-request-bytes', String(opts.maxRequestBytes ?? 2 * 1024 * 1024),
      '--experimental-watch-progress-notify-interval', opts.progressNotifyInterval ?? '1s',
      ...(opts.tls
        ? ['--cert-file', opts.tls.certFile, '--key-file', opts.tls.keyFile,
           '--trusted-ca-file', opts.tls.caFile, '--client-cert-auth']
        : []),
      ...(opts.extraArgs ?? []),
    ]); // prettier-ignore
    const cluster = new LocalEtcdCluster(dir, ownsDir, members, args, opts);
    try {
      for (let i = 0; i < n; i++) cluster.spawnMember(i);
      await Promise.all(members.map((_, i) => cluster.waitHealthy(i)));
    } catch (err) {
      await cluster.dispose();
      throw err;
    }
    return cluster;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  pid(member: number): number | undefined {
    return this.procs[member]?.pid;
  }

  isRunning(member: number): boolean {
    const p = this.procs[member];
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  private spawnMember(i: number): void {
    const m = this.members[i];
    mkdirSync(m.dataDir, { recursive: true, mode: 0o700 });
    const log = openSync(m.logFile, 'a');
    try {
      const child = spawn(this.opts.binary ?? '/usr/bin/etcd', this.args[i], {
        stdio: ['ignore', log, log],
      });
      child.on('error', () => undefined);
      child.once('exit', () => running.delete(child));
      this.procs[i] = child;
      running.add(child);
      installExitHook();
    } finally {
      closeSync(log);
    }
  }

  /** Waits until `member` answers /health with true (it has a leader). */
  async waitHealthy(member: number, timeoutMs = this.opts.startTimeoutMs ?? 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const p = this.procs[member];
      if (!p || p.exitCode !== null || p.signalCode !== null) {
        throw new Error(`etcd member ${this.members[member].name} exited: ${this.tail(member)}`);
      }
      try {
        const body = await this.health(member);
        if (/"health":\s*"true"/.test(body)) return;
        last = body;
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd member ${this.members[member].name} not healthy after ${timeoutMs}ms: ${last}`);
  }

  private health(member: number): Promise<string> {
    const url = new URL('/health', this.members[member].clientUrl);
    const tls = this.opts.tls;
    if (!tls) {
      return fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.text());
    }
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          ca: readFileSync(tls.caFile),
          cert: readFileSync(tls.clientCertFile),
          key: readFileSync(tls.clientKeyFile),
          timeout: 2000,
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        },
      );
      req.on('timeout', () => req.destroy(new Error('health check timed out')));
      req.on('error', reject);
      req.end();
    });
  }

  private tail(member: number): string {
    try {
      return readFileSync(this.members[member].logFile, 'utf8').slice(-2000);
    } catch {
      return '(no log)';
    }
  }

  /** Stops a member by PID (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
  async stop(member: number, opts: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
    const p = this.procs[member];
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(opts.signal ?? 'SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.graceMs ?? 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Restarts a stopped member on its data dir and ports; waits until it is healthy. */
  async start(member: number): Promise<void> {
    if (this.isRunning(member)) return;
    this.spawnMember(member);
    await this.waitHealthy(member);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    untrack(this);
    await Promise.all(this.members.map((_, i) => this.stop(i, { graceMs: 3000 })));
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

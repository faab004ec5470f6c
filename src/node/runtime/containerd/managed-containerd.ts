/**
 * A containerd the node agent runs itself when no external CRI endpoint is
 * given (like k3s): configuration generated under one data directory
 * (config.ts), the daemon a supervised child process — restarted with backoff
 * when it dies — and ready when CRI `Version` answers.
 *
 * Pods outlive the daemon: containerd's shims keep containers running while it is
 * down, and a restarted containerd re-attaches to them. So `stop()` ends only the
 * daemon (by PID) unless asked to kill pods too, which tears every sandbox down
 * through CRI and then removes whatever is left (shims of our socket, mounts under
 * the data dir).
 *
 * Never two daemons on one data dir: the daemon's PID is recorded in
 * `<data>/containerd.pid`. When a previous agent was killed without stopping its
 * daemon, start() adopts that daemon — its command line names our config file,
 * the config is unchanged and CRI answers — and supervises it by polling its PID
 * (it is no child of ours). Otherwise such a leftover daemon is stopped by PID
 * before a new one starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Backoff, type BackoffOptions } from '../../../lib/backoff.js';
import { realClock, type Clock, type Timer } from '../../../lib/clock.js';
import { track, untrack, type Disposable } from '../../../lib/disposable.js';
import { nullLogger, type Logger } from '../../../lib/log.js';
import { CriClient } from '../cri/cri-client.js';
import { containerdPaths, renderContainerdConfig, type ContainerdPaths } from './config.js';
import { importImage, type ImportedImage } from './ctr.js';
import { detectCgroupDriver, overlaySupported, type CgroupDriver } from './host-probe.js';
import { killShims, processRunning, shimSocketPaths, unmountUnder, waitForExit } from './host-cleanup.js';
import { ensureStateTmpfs } from './state-tmpfs.js';
import { pauseImage } from '../images/test-images.js';
import { ensureLocalImages, type LocalImage } from '../images/local-images.js';

export interface ManagedContainerdOptions {
  /** Holds config, socket, root, state, logs (see config.ts). Socket path must stay < 100 bytes. */
  dataDir: string;
  /** Default: the locally built `kubets.local/pause:1`, imported on start when missing. */
  sandboxImage?: string;
  /** Default `auto`: overlayfs when it works under the data dir, else native. */
  snapshotter?: 'overlayfs' | 'native' | 'auto';
  /** Default: detected (systemd when systemd runs the host). */
  cgroupDriver?: CgroupDriver;
  cniBinDir?: string;
  /** Default `<dataDir>/cni/net.d`. */
  cniConfDir?: string;
  /** Default `containerd` on PATH. */
  containerdPath?: string;
  runcPath?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** How long start() waits for CRI to answer; default 30 s. */
  readyTimeoutMs?: number;
  /** Restart delays after unexpected exits; default 0.5 s doubling to 30 s. */
  restartBackoff?: BackoffOptions;
  /** Builds the command line; for tests that stand in a fake daemon. */
  command?: (configPath: string) => { file: string; args: string[] };
  /**
   * Keep the state dir on a tmpfs mounted there (state-tmpfs.ts), as a system
   * containerd keeps it in /run; default true unless `command` stands in a fake daemon.
   */
  stateTmpfs?: boolean;
  clock?: Clock;
  logger?: Logger;
}

export interface StopOptions {
  /** Also stop and remove every pod sandbox and clean up leftovers (default false). */
  killPods?: boolean;
  /** Grace before SIGKILL of the daemon; default 10 s. */
  timeoutMs?: number;
}

/** A daemon that stayed up this long is healthy again: the restart backoff starts over. */
const stableAfterMs = 60_000;

/** How often an adopted daemon (not our child: no exit event) is checked. */
const adoptedPollMs = 500;

const runningDaemons = new Set<ChildProcess>();
const adoptedDaemons = new Set<number>();
let exitHookInstalled = false;

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Whether `pid` runs and its command line is `... --config <configPath> ...` (the identity of our daemon). */
export function isDaemonFor(pid: number, configPath: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !processRunning(pid)) return false;
  const argv = cmdline(pid);
  const i = argv.indexOf('--config');
  return i >= 0 && argv[i + 1] === configPath;
}

/** Running processes whose command line names `configPath` after `--config`. */
export function daemonsFor(configPath: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (/^\d+$/.test(d) && Number(d) !== process.pid && isDaemonFor(Number(d), configPath)) out.push(Number(d));
  }
  return out;
}

/**
 * Last resort: a daemon still running when this process exits gets SIGTERM (by
 * PID, synchronously), so a crashed agent or test leaves no containerd behind.
 * Pods survive it, as with stop().
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of runningDaemons) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    for (const pid of adoptedDaemons) signalPid(pid, 'SIGTERM');
  });
}

export class ManagedContainerd implements Disposable {
  readonly paths: ContainerdPaths;
  /** `unix://<socket>`: the CRI endpoint. */
  readonly endpoint: string;
  private child: ChildProcess | undefined;
  /** A daemon a previous agent started, supervised by PID (exclusive with `child`). */
  private adoptedPid: number | undefined;
  private adoptedWatch: Timer | undefined;
  private readonly pidFile: string;
  private exited: Promise<void> | undefined;
  private stopping = false;
  /** Set once the daemon was ready: from then on an exit means restart; before, start() fails. */
  private supervising = false;
  private restartTimer: Timer | undefined;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private readonly log: Logger;
  private resolvedSnapshotter: 'overlayfs' | 'native' | undefined;
  private startedAt = 0;
  private restartCount = 0;

  constructor(private readonly opts: ManagedContainerdOptions) {
    this.paths = containerdPaths(opts.dataDir, opts.cniConfDir);
    this.endpoint = `unix://${this.paths.socket}`;
    this.pidFile = join(this.paths.dataDir, 'containerd.pid');
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? nullLogger).child('containerd');
    this.backoff = new Backoff(opts.restartBackoff ?? { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.1 });
  }

  get pid(): number | undefined {
    return this.child?.pid ?? this.adoptedPid;
  }

  get running(): boolean {
    return this.child !== undefined || this.adoptedPid !== undefined;
  }

  /** Whether the running daemon was adopted from a previous agent rather than started by this one. */
  get adopted(): boolean {
    return this.adoptedPid !== undefined;
  }

  /** How many times the supervisor restarted the daemon after it died. */
  get restarts(): number {
    return this.restartCount;
  }

  get snapshotter(): 'overlayfs' | 'native' {
    this.resolvedSnapshotter ??=
      this.opts.snapshotter === 'overlayfs' || this.opts.snapshotter === 'native'
        ? this.opts.snapshotter
        : overlaySupported(this.paths.root)
          ? 'overlayfs'
          : 'native';
    return this.resolvedSnapshotter;
  }

  /** Writes the config, starts the daemon and waits until CRI answers; imports the pause image if needed. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`containerd for ${this.paths.dataDir} is already running (pid ${this.pid})`);
    this.stopping = false;
    this.supervising = false;
    track(this, `ManagedContainerd(${this.paths.dataDir})`);
    let mountedState = false;
    try {
      const configChanged = this.writeConfig();
      if (!(await this.adoptOrStopLeftover(configChanged, signal))) {
        if (this.opts.stateTmpfs ?? !this.opts.command) {
          const r = ensureStateTmpfs(this.paths.state);
          mountedState = r === 'mounted';
          if (r !== 'mounted' && r !== 'already-mounted') this.log.info('state dir stays on disk', { reason: r });
        }
        this.spawnDaemon();
        await this.waitReady(signal);
      }
      this.supervising = true;
      if ((this.opts.sandboxImage ?? pauseImage) === pauseImage) await this.ensureImages(['pause']);
    } catch (err) {
      await this.stop();
      // A tmpfs mounted for a daemon that never came up holds nothing anyone uses.
      if (mountedState) unmountUnder(this.paths.state);
      throw err;
    }
  }

  /** Stops the daemon and starts it again (pods keep running). */
  async restart(signal?: AbortSignal): Promise<void> {
    await this.stop();
    await this.start(signal);
  }

  /** A CRI client for this containerd; the caller closes it. */
  client(timeoutMs?: number): CriClient {
    return new CriClient({ endpoint: this.endpoint, timeoutMs });
  }

  /** Imports an image archive, unpacked for this containerd's snapshotter. */
  importImage(file: string, signal?: AbortSignal): Promise<ImportedImage[]> {
    return importImage(this.paths.socket, file, { snapshotter: this.snapshotter, signal });
  }

  /** Builds and imports the named local images that are not present yet (archives under `<dataDir>/images`). */
  async ensureImages(names: LocalImage[]): Promise<string[]> {
    const cri = this.client(30_000);
    try {
      return await ensureLocalImages(cri, names, `${this.paths.dataDir}/images`, (f) => this.importImage(f));
    } finally {
      cri.close();
    }
  }

  /**
   * Deals with a daemon a previous agent left running on this data dir (the one
   * in the PID file, or any naming our config): adopts it when the config is
   * unchanged and CRI answers; otherwise stops it by PID. Returns whether it adopted.
   */
  private async adoptOrStopLeftover(configChanged: boolean, signal?: AbortSignal): Promise<boolean> {
    let recorded: number | undefined;
    try {
      recorded = Number(readFileSync(this.pidFile, 'utf8').trim());
    } catch {
      recorded = undefined;
    }
    const leftovers = daemonsFor(this.paths.config);
    if (recorded !== undefined && !leftovers.includes(recorded)) recorded = undefined;
    const candidate = recorded ?? (leftovers.length === 1 ? leftovers[0] : undefined);
    if (candidate !== undefined && !configChanged && (await this.answers(signal))) {
      for (const pid of leftovers) if (pid !== candidate) await this.stopPid(pid, 10_000);
      if (isDaemonFor(candidate, this.paths.config)) {
        this.adopt(candidate);
        this.log.info('adopted the running daemon', { pid: candidate });
        return true;
      }
    }
    for (const pid of leftovers) {
      this.log.warn('stopping a leftover daemon of this data dir', { pid, configChanged });
      await this.stopPid(pid, 10_000);
    }
    return false;
  }

  private async answers(signal?: AbortSignal): Promise<boolean> {
    const cri = this.client(2000);
    try {
      await cri.version({ signal });
      return true;
    } catch {
      return false;
    } finally {
      cri.close();
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  private async stopPid(pid: number, graceMs: number): Promise<void> {
    signalPid(pid, 'SIGTERM');
    if ((await waitForExit([pid], graceMs)).length === 0) return;
    signalPid(pid, 'SIGKILL');
    await waitForExit([pid], 5000);
  }

  /** Supervises a daemon that is not our child: polls its PID, and treats its end like a child's exit. */
  private adopt(pid: number): void {
    this.adoptedPid = pid;
    adoptedDaemons.add(pid);
    installExitHook();
    this.startedAt = this.clock.monotonic();
    this.exited = new Promise((resolve) => {
      this.adoptedWatch = this.clock.setInterval(() => {
        if (isDaemonFor(pid, this.paths.config)) return;
        this.adoptedWatch?.cancel();
        this.adoptedWatch = undefined;
        adoptedDaemons.delete(pid);
        if (this.adoptedPid === pid) {
          this.adoptedPid = undefined;
          this.afterExit(null, null);
        }
        resolve();
      }, adoptedPollMs);
    });
  }

  /** Writes config.toml; returns whether its content changed. */
  private writeConfig(): boolean {
    const p = this.paths;
    for (const d of [p.dataDir, p.root, p.state, p.cniConfDir]) mkdirSync(d, { recursive: true });
    const config = renderContainerdConfig({
      paths: p,
      sandboxImage: this.opts.sandboxImage ?? pauseImage,
      snapshotter: this.snapshotter,
      cgroupDriver: this.opts.cgroupDriver ?? detectCgroupDriver(),
      cniBinDir: this.opts.cniBinDir,
      runcPath: this.opts.runcPath,
      logLevel: this.opts.logLevel,
    });
    let previous: string | undefined;
    try {
      previous = readFileSync(p.config, 'utf8');
    } catch {
      previous = undefined;
    }
    if (previous === config) return false;
    writeFileSync(p.config, config);
    return true;
  }

  private spawnDaemon(): void {
    const cmd = this.opts.command?.(this.paths.config) ?? {
      file: this.opts.containerdPath ?? 'containerd',
      args: ['--config', this.paths.config],
    };
    const logFd = openSync(this.paths.log, 'a');
    // The shim finds runc on PATH; make sure the sbin directories are there even for a trimmed environment.
    const path = [process.env.PATH ?? '', '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']
      .filter(Boolean)
      .join(':');
    let child: ChildProcess;
    try {
      child = spawn(cmd.file, cmd.args, { stdio: ['ignore', logFd, logFd], env: { ...process.env, PATH: path } });
    } finally {
      closeSync(logFd);
    }
    this.child = child;
    runningDaemons.add(child);
    if (child.pid !== undefined) writeFileSync(this.pidFile, `${child.pid}\n`);
    installExitHook();
    this.startedAt = this.clock.monotonic();
    this.log.info('started', { pid: child.pid, config: this.paths.config });
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.log.error('failed to start', { err });
        // 'exit' may not follow a spawn error; settle the same way.
        this.onExit(child, null, null);
        resolve();
      });
      child.once('exit', (code, sig) => {
        this.onExit(child, code, sig);
        resolve();
      });
    });
  }

  private onExit(child: ChildProcess, code: number | null, sig: NodeJS.Signals | null): void {
    runningDaemons.delete(child);
    if (this.child !== child) return;
    this.child = undefined;
    this.afterExit(code, sig);
  }

  /** The daemon (child or adopted) ended: restart it with backoff unless stopping or still starting. */
  private afterExit(code: number | null, sig: NodeJS.Signals | null): void {
    if (this.stopping || !this.supervising) return;
    const uptime = this.clock.monotonic() - this.startedAt;
    if (uptime >= stableAfterMs) this.backoff.reset();
    const delay = this.backoff.next();
    this.log.warn('exited unexpectedly; restarting', { code, signal: sig, uptimeMs: Math.round(uptime), delay });
    this.restartTimer = this.clock.setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping || this.running) return;
      this.restartCount++;
      try {
        this.writeConfig();
        this.spawnDaemon();
      } catch (err) {
        this.log.error('restart failed', { err });
      }
    }, delay);
  }

  /** Resolves once CRI Version answers; rejects when the daemon exits first or the timeout passes. */
  async waitReady(signal?: AbortSignal): Promise<void> {
    const timeoutMs = this.opts.readyTimeoutMs ?? 30_000;
    const deadline = this.clock.monotonic() + timeoutMs;
    const cri = this.client(1000);
    try {
      for (;;) {
        signal?.throwIfAborted();
        if (!this.child) throw new Error(`containerd exited during startup:\n${this.logTail()}`);
        // Wakes early when the daemon exits, so a failed start is reported at once.
        const exited = this.exited;
        try {
          await cri.version({ signal });
          this.log.info('ready', { pid: this.child?.pid });
          return;
        } catch (err) {
          if (signal?.aborted) throw err;
        }
        if (this.clock.monotonic() >= deadline) {
          throw new Error(
            `containerd did not answer CRI at ${this.paths.socket} within ${timeoutMs}ms:\n${this.logTail()}`,
          );
        }
        await Promise.race([this.clock.sleep(50, signal), exited]);
      }
    } finally {
      cri.close();
    }
  }

  /** The last lines of the daemon's log, for error messages. */
  logTail(lines = 20): string {
    try {
      return readFileSync(this.paths.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Ends the daemon by PID (SIGTERM, then SIGKILL after the timeout); see StopOptions.killPods. */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.stopping = true;
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    if (opts.killPods && this.running) await this.removeAllPods();
    const child = this.child;
    const adopted = this.adoptedPid;
    if (child?.pid !== undefined) {
      child.kill('SIGTERM');
      const killTimer = this.clock.setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 10_000);
      await this.exited;
      killTimer.cancel();
      this.log.info('stopped', { pid: child.pid });
    } else if (adopted !== undefined) {
      // Not our child: no exit event, so wait on the PID itself (the clock's timers do not hold the process up).
      this.adoptedWatch?.cancel();
      this.adoptedWatch = undefined;
      await this.stopPid(adopted, opts.timeoutMs ?? 10_000);
      adoptedDaemons.delete(adopted);
      this.log.info('stopped', { pid: adopted });
    }
    this.child = undefined;
    this.adoptedPid = undefined;
    if (child || adopted !== undefined) rmSync(this.pidFile, { force: true });
    if (opts.killPods) {
      // Whatever CRI could not tear down: kill it, and wait so its cgroups can be removed afterwards.
      const sockets = shimSocketPaths(this.paths.state);
      await waitForExit(killShims(this.paths.socket));
      for (const s of sockets) rmSync(s, { force: true });
      unmountUnder(this.paths.dataDir);
    }
    untrack(this);
  }

  private async removeAllPods(): Promise<void> {
    const cri = this.client(60_000);
    try {
      for (const s of await cri.listPodSandbox()) {
        try {
          await cri.stopPodSandbox(s.id);
          await cri.removePodSandbox(s.id);
        } catch (err) {
          this.log.warn('could not remove pod sandbox', { id: s.id, err });
        }
      }
    } catch (err) {
      this.log.warn('could not list pod sandboxes', { err });
    } finally {
      cri.close();
    }
  }

  dispose(): Promise<void> {
    return this.stop();
  }
}

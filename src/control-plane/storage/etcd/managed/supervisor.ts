import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { Backoff, type BackoffOptions } from '../../../../lib/backoff.js';
import { type Clock, type Timer, realClock } from '../../../../lib/clock.js';
import { pause } from './pause.js';
import { type Disposable, track, untrack } from '../../../../lib/disposable.js';
import { type Logger, nullLogger } from '../../../../lib/log.js';

export interface EtcdSupervisorOptions {
  /** Arguments for the etcd binary (see member-args.ts). */
  args: string[];
  /** etcd's `--data-dir`: identifies this member's process when adopting a pid file. */
  dataDir: string;
  /** etcd binary (default /usr/bin/etcd, Debian package etcd-server). */
  binary?: string;
  /** etcd's stdout/stderr go here (appended; rotated once past `maxLogBytes`). */
  logFile: string;
  /** The running member's PID, so a kubets that was killed can stop its orphaned etcd on the next start. */
  pidFile: string;
  maxLogBytes?: number;
  /** Delay between restarts after crashes (default 1 s doubling to 30 s). */
  restartBackoff?: BackoffOptions;
  /** A member that ran this long counts as healthy again: the backoff resets (default 60 s). */
  stableAfterMs?: number;
  clock?: Clock;
  log?: Logger;
}

const live = new Set<ChildProcess>();
let exitHook = false;
/** If kubets exits without disposing (a crash), its etcd members go down with it rather than linger. */
function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  });
}

/** Whether `pid` runs an etcd on `dataDir` (so it is ours to stop, not an unrelated process that reused the PID). */
export function isEtcdFor(pid: number, dataDir: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => /etcd$/.test(a)) && argv.some((a) => a === `--data-dir=${dataDir}`);
  } catch {
    return false;
  }
}

/** Running (a zombie waiting for its new parent to reap it counts as gone). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
};

/**
 * Keeps one etcd member process running: spawns it, restarts it with backoff
 * when it dies, and stops it (by PID) on dispose. A pid file next to the
 * data dir lets the next start stop a member left running by a kubets that
 * was killed (checked against /proc/<pid>/cmdline first).
 */
export class EtcdSupervisor implements Disposable {
  private child: ChildProcess | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private restartTimer: Timer | undefined;
  private startedAt = 0;
  private stopping = false;
  private exits = 0;
  private lastExit = '';

  private constructor(private readonly opts: EtcdSupervisorOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.backoff = new Backoff(opts.restartBackoff ?? { initialMs: 1000, maxMs: 30_000, jitter: 0.2 });
  }

  /** Stops a leftover member of the same data dir, then spawns etcd. */
  static async start(opts: EtcdSupervisorOptions): Promise<EtcdSupervisor> {
    const s = new EtcdSupervisor(opts);
    await s.stopOrphan();
    track(s, `etcd supervisor ${opts.dataDir}`);
    s.spawn();
    return s;
  }

  /** PID of the running member, if any. */
  get pid(): number | undefined {
    const c = this.child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  get logFile(): string {
    return this.opts.logFile;
  }

  /** How many times the member exited without being asked to. */
  get crashes(): number {
    return this.exits;
  }

  /** The last lines etcd wrote (for error messages). */
  tail(bytes = 1500): string {
    try {
      const text = readFileSync(this.opts.logFile, 'utf8');
      return text.slice(-bytes).trim();
    } catch {
      return this.lastExit;
    }
  }

  private async stopOrphan(): Promise<void> {
    const { pidFile, dataDir } = this.opts;
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid) && isEtcdFor(pid, dataDir)) {
      this.log.warn('stopping etcd left running by a previous kubets', { pid });
      process.kill(pid, 'SIGTERM');
      const deadline = this.clock.monotonic() + 10_000;
      while (alive(pid) && this.clock.monotonic() < deadline) await pause(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      while (alive(pid)) await pause(50);
    }
    rmSync(pidFile, { force: true });
  }

  private rotateLog(): void {
    const { logFile } = this.opts;
    try {
      if (statSync(logFile).size > (this.opts.maxLogBytes ?? 20 * 1024 * 1024)) renameSync(logFile, `${logFile}.1`);
    } catch {
      // No log yet.
    }
  }

  private spawn(): void {
    this.restartTimer = undefined;
    if (this.stopping) return;
    mkdirSync(dirname(this.opts.logFile), { recursive: true });
    this.rotateLog();
    const fd = openSync(this.opts.logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(this.opts.binary ?? '/usr/bin/etcd', this.opts.args, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.startedAt = this.clock.monotonic();
    live.add(child);
    installExitHook();
    child.on('error', (err) => {
      this.lastExit = String(err);
      this.log.error('cannot run etcd', { binary: this.opts.binary ?? '/usr/bin/etcd', err });
    });
    if (child.pid !== undefined) writeFileSync(this.opts.pidFile, `${child.pid}\n`, { mode: 0o600 });
    child.once('exit', (code, signal) => {
      live.delete(child);
      if (this.stopping) return;
      this.exits++;
      this.lastExit = `etcd exited (${signal ?? `code ${code}`})`;
      if (this.clock.monotonic() - this.startedAt > (this.opts.stableAfterMs ?? 60_000)) this.backoff.reset();
      const delay = this.backoff.next();
      this.log.warn('etcd exited; restarting', { code, signal, inMs: Math.round(delay), tail: this.tail(400) });
      this.restartTimer = this.clock.setTimeout(() => this.spawn(), delay);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; waits for the exit and removes the pid file. */
  async dispose(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    untrack(this);
    this.restartTimer?.cancel();
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      const timer = this.clock.setTimeout(() => c.kill('SIGKILL'), graceMs);
      await exited;
      timer.cancel();
    }
    rmSync(this.opts.pidFile, { force: true });
  }
}

import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * How the proxier reaches the host's tools (`nft`, `iptables-restore`,
 * `conntrack`, `sysctl`). Injected so that tests run every command inside a
 * network namespace they created (`netnsRunner`) and unit tests record
 * scripts instead of touching netfilter (a fake runner).
 */
export interface CommandResult {
  /** Exit code; -1 when the process could not be started or was killed. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin (scripts for `nft -f -`, `iptables-restore`). */
  input?: string;
  /** Kills the command after this long (default 60 s): a wedged tool must not stall syncs forever. */
  timeoutMs?: number;
}

/** A command left running with pipes (the nftables proxier's persistent `nft -i`). */
export interface StartedProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  kill(signal?: NodeJS.Signals): boolean;
  /** 'exit' (code, signal) once it ended; 'error' when it could not be started. */
  on(event: 'exit' | 'error', listener: (...args: unknown[]) => void): unknown;
  /** Whether the process and its pipes keep this process's event loop alive. */
  ref(): void;
  unref(): void;
}

export interface CommandRunner {
  /** Runs `cmd args`. Never throws for a failing command: the result carries the code. */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<CommandResult>;
  /**
   * Starts `cmd args` where `run` would run it and leaves it running; the
   * caller owns it. Optional: callers fall back to `run` without it.
   */
  start?(cmd: string, args: readonly string[]): StartedProcess;
  /** Shown in logs: where commands run ("host", "netns kpn-1"). */
  readonly where: string;
}

/** Thrown by `runChecked` with the command line and its stderr. */
export class CommandError extends Error {
  constructor(
    readonly cmd: string,
    readonly result: CommandResult,
  ) {
    super(`${cmd} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim().slice(0, 2000)}`);
    this.name = 'CommandError';
  }
}

function spawnCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    };
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const timer = setTimeout(() => {
      stderr += `\nkilled after ${opts.timeoutMs ?? 60_000} ms`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      stderr += String(err.message);
      finish(-1);
    });
    child.on('close', (code) => finish(code ?? -1));
    // A tool that exits before reading all of stdin raises EPIPE; the exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

function startCommand(cmd: string, args: readonly string[]): StartedProcess {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  // Pipes are sockets; they must follow the child's ref state or they alone keep the loop alive.
  const pipes = [child.stdin, child.stdout, child.stderr] as unknown as { ref?(): void; unref?(): void }[];
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    kill: (signal) => child.kill(signal),
    on: (event, listener) => child.on(event, listener),
    ref: () => {
      child.ref();
      for (const p of pipes) p.ref?.();
    },
    unref: () => {
      child.unref();
      for (const p of pipes) p.unref?.();
    },
  };
}

/** Runs commands directly on this machine (in this process's network namespace). */
export const hostRunner: CommandRunner = { where: 'host', run: spawnCommand, start: startCommand };

/**
 * Runs every command inside network namespace `ns` (`ip netns exec`), so
 * rules land in the namespace's own netfilter tables and never the host's.
 */
export function netnsRunner(ns: string): CommandRunner {
  return {
    where: `netns ${ns}`,
    run: (cmd, args, opts) => spawnCommand('ip', ['netns', 'exec', ns, cmd, ...args], opts),
    start: (cmd, args) => startCommand('ip', ['netns', 'exec', ns, cmd, ...args]),
  };
}

/** Runs and throws CommandError unless the command exits 0. */
export async function runChecked(
  runner: CommandRunner,
  cmd: string,
  args: readonly string[],
  opts?: RunOptions,
): Promise<CommandResult> {
  const res = await runner.run(cmd, args, opts);
  if (res.code !== 0) throw new CommandError([cmd, ...args].join(' '), res);
  return res;
}

/** True when `cmd args` starts and exits 0 (used to probe for tools such as `conntrack`). */
export async function commandWorks(runner: CommandRunner, cmd: string, args: readonly string[]): Promise<boolean> {
  const res = await runner.run(cmd, args, { timeoutMs: 10_000 });
  return res.code === 0;
}

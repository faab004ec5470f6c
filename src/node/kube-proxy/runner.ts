import { spawn } from 'node:child_process';

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

export interface CommandRunner {
  /** Runs `cmd args`. Never throws for a failing command: the result carries the code. */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<CommandResult>;
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

/** Runs commands directly on this machine (in this process's network namespace). */
export const hostRunner: CommandRunner = { where: 'host', run: spawnCommand };

/**
 * Runs every command inside network namespace `ns` (`ip netns exec`), so
 * rules land in the namespace's own netfilter tables and never the host's.
 */
export function netnsRunner(ns: string): CommandRunner {
  return {
    where: `netns ${ns}`,
    run: (cmd, args, opts) => spawnCommand('ip', ['netns', 'exec', ns, cmd, ...args], opts),
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

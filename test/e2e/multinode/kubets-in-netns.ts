// `kubets` processes inside the network namespaces of a NetnsLan: long-running
// `server` / `agent` children whose output is captured and matched, one-shot
// CLI runs, and real kubectl run in the server's namespace (the API server is
// reachable only on the test LAN). Every child is tracked by PID so the test
// can stop exactly what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { kubetsInvocation } from '../../../src/cmd/cli-launcher.js';
import { runProcess, type RunResult } from '../../../src/cmd/testing/server-process.js';
import { inNetns } from './netns-lan.js';

export interface NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** performance.now() just before spawning. */
  readonly launchedAt: number;
  output(): string;
  /** First match of `re` in the output; rejects when the process exits first or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The exit code, or the signal name when killed. */
  readonly exited: Promise<number | string>;
  running(): boolean;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves with how it ended. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

/** Starts `kubets <args>` in network namespace `ns`; the child's PID is kubets itself. */
export function startKubetsIn(ns: string, name: string, args: readonly string[]): NodeProcess {
  const inv = kubetsInvocation(args);
  const cmd = inNetns(ns, inv.file, inv.args);
  const launchedAt = performance.now();
  const child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of [...listeners]) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  let done = false;
  void exited.then(() => (done = true));
  const waitFor = (re: RegExp, timeoutMs = 120_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const finish = () => {
        listeners.delete(check);
        clearTimeout(timer);
      };
      const check = () => {
        const m = re.exec(out);
        if (m) {
          finish();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${name}: no ${re} within ${timeoutMs} ms; output:\n${out}`));
      }, timeoutMs);
      listeners.add(check);
      void exited.then((code) => {
        if (!listeners.has(check)) return;
        finish();
        reject(new Error(`${name} exited (${code}) before printing ${re}; output:\n${out}`));
      });
      check();
    });
  const running = () => !done && child.exitCode === null && child.signalCode === null;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000) => {
    if (running() && child.pid !== undefined) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    }
    return exited;
  };
  return { name, child, launchedAt, output: () => out, waitFor, exited, running, stop };
}

/** A one-shot `kubets <args>` in `ns`. */
export function runKubetsIn(ns: string, args: readonly string[], timeoutMs = 120_000): Promise<RunResult> {
  const inv = kubetsInvocation(args);
  const cmd = inNetns(ns, inv.file, inv.args);
  return runProcess(cmd.file, cmd.args, { timeoutMs });
}

/** Real kubectl in `ns` with `kubeconfig`; never throws for a non-zero exit. */
export function kubectlIn(
  ns: string,
  kubectl: string,
  kubeconfig: string,
  home: string,
  args: readonly string[],
  o: { stdin?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const cmd = inNetns(ns, kubectl, ['--request-timeout=20s', ...args]);
  return runProcess(cmd.file, cmd.args, {
    timeoutMs: o.timeoutMs ?? 60_000,
    stdin: o.stdin,
    env: { KUBECONFIG: kubeconfig, HOME: home, KUBECACHEDIR: `${home}/.kube/cache` },
  });
}

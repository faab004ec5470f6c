import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlPath } from '../harness/clients.js';
import type { RunResult, TestCluster } from '../harness/control-plane.js';

/**
 * Shared helpers of the API acceptance suite (test/integration/api-*.test.ts).
 * Everything here waits by polling with a bound, never by sleeping a fixed
 * time, so the suite stays green on a loaded 2-core machine.
 */

const here = dirname(fileURLToPath(import.meta.url));

/** Absolute path of a file in test/integration/fixtures (works from src via tsx and from dist). */
export function fixturePath(name: string): string {
  const candidates = [
    join(here, 'fixtures', name),
    join(process.env.KUBETS_ROOT ?? process.cwd(), 'test', 'integration', 'fixtures', name),
    join(here, '..', '..', '..', 'test', 'integration', 'fixtures', name),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`fixture ${name} not found in ${candidates.join(', ')}`);
  return found;
}

/** One line describing a finished command, for assertion messages. */
export function describeRun(args: readonly string[], r: RunResult): string {
  return `kubectl ${args.join(' ')} -> exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

/** Runs kubectl, asserts exit code 0 and returns stdout. */
export async function kubectlOk(
  c: TestCluster,
  args: string[],
  opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<string> {
  const r = await c.kubectl(args, opts);
  assert.equal(r.code, 0, describeRun(args, r));
  return r.stdout;
}

/**
 * Creates a pod with `kubectl run`, retrying while the namespace's `default`
 * ServiceAccount does not exist yet (the ServiceAccount admission plugin refuses
 * pods until the serviceaccount controller has created it, as upstream does).
 */
export async function runPod(c: TestCluster, name: string, ns: string, extra: string[] = []): Promise<void> {
  const args = ['run', name, '-n', ns, '--image=nginx:1.27', ...extra];
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await c.kubectl(args);
    if (r.code === 0) return;
    const waitingForAccount = /serviceaccount "default" not found|service account .*default/i.test(r.stderr);
    if (!waitingForAccount || Date.now() > deadline) assert.fail(describeRun(args, r));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Published by the root-CA controller into every namespace, like upstream; listings ignore it. */
export const rootCAConfigMap = 'kube-root-ca.crt';

/** Runs kubectl expecting a failure; returns the result for message checks. */
export async function kubectlFails(
  c: TestCluster,
  args: string[],
  opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<RunResult> {
  const r = await c.kubectl(args, opts);
  assert.notEqual(r.code, 0, `expected a failure: ${describeRun(args, r)}`);
  return r;
}

/** `kubectl get ... -o json` parsed. */
export async function getJson<T = Record<string, unknown>>(c: TestCluster, args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk(c, ['get', ...args, '-o', 'json'])) as T;
}

/**
 * Polls `probe` until it returns something other than undefined (or stops
 * throwing), at most `timeoutMs`; the last error/value goes into the failure.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : String(last);
      throw new Error(`timed out waiting for ${what}; last error: ${detail}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/** The environment the harness gives kubectl (kubeconfig and an isolated $HOME). */
export function kubectlEnv(c: TestCluster): Record<string, string> {
  const home = join(c.dir, 'home');
  return { KUBECONFIG: c.kubeconfig, HOME: home, KUBECACHEDIR: join(home, '.kube', 'cache') };
}

/**
 * A long-running kubectl (`get -w`, `wait`, `delete --wait`) whose output is
 * read while it runs. `stop()` kills it by PID; call it in `finally`.
 */
export class KubectlProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';
  private readonly closed: Promise<RunResult>;
  private readonly listeners = new Set<() => void>();
  private exitCode: number | undefined;

  constructor(
    c: TestCluster,
    readonly args: string[],
    env: Record<string, string> = {},
  ) {
    this.child = spawn(kubectlPath(), args, {
      env: { ...process.env, ...kubectlEnv(c), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdin.end();
    const notify = () => this.listeners.forEach((l) => l());
    this.child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString();
      notify();
    });
    this.child.stderr.on('data', (d: Buffer) => {
      this.err += d.toString();
      notify();
    });
    this.closed = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.err += String(e);
        this.exitCode = -1;
        resolve({ code: -1, stdout: this.out, stderr: this.err });
      });
      this.child.on('close', (code) => {
        this.exitCode = code ?? -1;
        notify();
        resolve({ code: this.exitCode, stdout: this.out, stderr: this.err });
      });
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves once `pred(stdout, stderr)` holds; fails after `timeoutMs` or if kubectl exits first. */
  waitForOutput(what: string, pred: (stdout: string, stderr: string) => boolean, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred(this.out, this.err)) {
          done();
          resolve();
        } else if (this.exitCode !== undefined) {
          done();
          reject(new Error(`kubectl ${this.args.join(' ')} exited ${this.exitCode} before ${what}\n${this.dump()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what} from kubectl ${this.args.join(' ')}\n${this.dump()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Waits for kubectl to exit by itself (bounded). */
  async exited(timeoutMs = 60_000): Promise<RunResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`kubectl ${this.args.join(' ')} still running after ${timeoutMs} ms\n${this.dump()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills kubectl (by its PID) if it still runs and waits for it to be gone. */
  async stop(): Promise<RunResult> {
    if (this.exitCode === undefined && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return this.closed;
  }

  private dump(): string {
    return `stdout: ${this.out}\nstderr: ${this.err}`;
  }
}

/** The rows of a table printed by kubectl (header dropped), split into cells on whitespace. */
export function tableRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(1)
    .map((l) => l.trim().split(/\s+/));
}

/** The header cells of a table printed by kubectl. */
export function tableHeader(stdout: string): string[] {
  // Header cells may contain single spaces (NOMINATED NODE); columns are at least 3 spaces apart.
  const first = stdout.split('\n').find((l) => l.trim() !== '') ?? '';
  return first.trim().split(/\s{2,}/);
}

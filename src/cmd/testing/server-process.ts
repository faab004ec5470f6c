/**
 * `kubets` as a child process for end-to-end tests: a `kubets server` with a
 * local node on a temp data dir, isolated from anything else on the machine
 * (free API port, kubelet on a free loopback port, its own bridge, a free
 * test subnet as pod CIDR, its own cgroup root), one-shot CLI runs, and real
 * kubectl against it. Cleanup is `kubets uninstall`, which the caller runs in
 * `after` so a failed test leaves nothing behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { kubetsInvocation } from '../cli-launcher.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (SIGKILL after `timeoutMs`). */
export function runProcess(
  file: string,
  args: readonly string[],
  o: { env?: Record<string, string>; timeoutMs?: number; stdin?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, o.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    // A command that exits before reading stdin raises EPIPE here; its exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.stdin ?? '');
  });
}

/** `kubets <args>` from this checkout. */
export function runKubets(args: readonly string[], o: { timeoutMs?: number } = {}): Promise<RunResult> {
  const inv = kubetsInvocation(args);
  return runProcess(inv.file, inv.args, o);
}

/** A /24 in 10.244.64.0/18 with no route on this host, picked at random (tests run in parallel). */
export function pickFreeTestSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  const used = new Set([...routes.matchAll(/^10\.244\.(\d+)\.\d+\/\d+ /gm)].map((m) => Number(m[1])));
  const free = Array.from({ length: 64 }, (_, i) => 64 + i).filter((n) => !used.has(n));
  if (free.length === 0) throw new Error('no free test subnet in 10.244.64.0/18');
  return `10.244.${free[randomInt(free.length)]}.0/24`;
}

export interface ServerProcessOptions {
  /** The test's temp dir, short (containerd's socket path lives below it and must stay < 100 bytes). */
  dir: string;
  /** The kubectl binary (test/harness/clients.ts `kubectlPath()`). */
  kubectl: string;
  extraArgs?: string[];
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly nodeName: string;
  readonly kubeconfig: string;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first match of `re` in the output; rejects on exit or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Real kubectl against this server. */
  kubectl(args: string[], o?: { timeoutMs?: number; stdin?: string }): Promise<RunResult>;
}

/** Starts `kubets server` with a node, isolated as described above; `launchedAt` is taken just before spawning. */
export function startServerProcess(o: ServerProcessOptions): ServerProcess & { launchedAt: number } {
  const id = randomBytes(3).toString('hex');
  const nodeName = `kbt-e2e-${id}`;
  const dataDir = join(o.dir, 'data');
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const home = join(o.dir, 'home');
  mkdirSync(home, { recursive: true });
  const inv = kubetsInvocation([
    'server',
    '--data-dir',
    dataDir,
    '--https-listen-port',
    '0',
    '--bind-address',
    '127.0.0.1',
    '--advertise-address',
    '127.0.0.1',
    '--node-ip',
    '127.0.0.1',
    '--node-name',
    nodeName,
    '--cluster-cidr',
    pickFreeTestSubnet(),
    '--cni-bridge',
    `kbt${id}`,
    '--kubelet-arg',
    'address=127.0.0.1',
    '--kubelet-arg',
    'port=0',
    '--kubelet-arg',
    `cgroup-root=/kubets-e2e-${id}`,
    // Host-wide pieces parallel tests would share (the kube-proxy nftables table, DNS on
    // the node IP's port 53) stay off; tests of them run in network namespaces.
    '--disable-kube-proxy',
    '--disable',
    'coredns',
    '--log-level',
    process.env.KUBETS_TEST_LOG ?? 'warn',
    ...(o.extraArgs ?? []),
  ]);
  const launchedAt = performance.now();
  const child = spawn(inv.file, inv.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = (re: RegExp, timeoutMs = 120_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const done = () => {
        listeners.delete(check);
        clearTimeout(timer);
      };
      const check = () => {
        const m = re.exec(out);
        if (m) {
          done();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${re} in kubets server output within ${timeoutMs} ms:\n${out}`));
      }, timeoutMs);
      listeners.add(check);
      void exited.then((code) => {
        if (!listeners.has(check)) return;
        done();
        reject(new Error(`kubets server exited (${code}) before printing ${re}:\n${out}`));
      });
      check();
    });
  return {
    child,
    dataDir,
    nodeName,
    kubeconfig,
    launchedAt,
    output: () => out,
    waitFor,
    exited,
    kubectl: (args, k = {}) =>
      runProcess(o.kubectl, args, {
        timeoutMs: k.timeoutMs ?? 60_000,
        stdin: k.stdin,
        env: { KUBECONFIG: kubeconfig, HOME: home, KUBECACHEDIR: join(home, '.kube', 'cache') },
      }),
  };
}

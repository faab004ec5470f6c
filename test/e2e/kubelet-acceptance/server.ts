/**
 * A `kubets server` (control plane + local node) for the kubelet acceptance
 * suite that can be killed and launched again with exactly the same flags on
 * the same data dir, which `src/cmd/testing/server-process.ts` cannot (it
 * picks a fresh node name, bridge, subnet and cgroup root per start). The
 * isolation is the same: free API port, kubelet on a free loopback port, its
 * own bridge, a free test subnet, its own cgroup root, kube-proxy and cluster
 * DNS off. Cleanup is the caller's: `kubets uninstall --data-dir` in `after`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { kubetsInvocation } from '../../../src/cmd/cli-launcher.js';
import { pickFreeTestSubnet, runProcess, type RunResult } from '../../../src/cmd/testing/server-process.js';

/** One launch of the server: a child process and what it printed. */
export interface ServerRun {
  readonly child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first match of `re` in the output; rejects on exit or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Whether the process is still running. */
  alive(): boolean;
}

export interface AcceptanceServerOptions {
  /** A short temp dir (containerd's socket path lives below it and must stay < 100 bytes). */
  dir: string;
  /** The kubectl binary (test/harness/clients.ts `kubectlPath()`). */
  kubectl: string;
  /** More `kubets server` flags, the same on every launch. */
  extraArgs?: string[];
}

export class AcceptanceServer {
  readonly dataDir: string;
  readonly nodeName: string;
  readonly kubeconfig: string;
  readonly podCIDR: string;
  private readonly home: string;
  private readonly args: string[];
  private current: ServerRun | undefined;

  constructor(private readonly o: AcceptanceServerOptions) {
    const id = randomBytes(3).toString('hex');
    this.nodeName = `kbt-acc-${id}`;
    this.dataDir = join(o.dir, 'data');
    this.kubeconfig = join(this.dataDir, 'kubeconfig.yaml');
    this.home = join(o.dir, 'home');
    mkdirSync(this.home, { recursive: true });
    this.podCIDR = pickFreeTestSubnet();
    this.args = [
      'server',
      '--data-dir',
      this.dataDir,
      '--https-listen-port',
      '0',
      '--bind-address',
      '127.0.0.1',
      '--advertise-address',
      '127.0.0.1',
      '--node-ip',
      '127.0.0.1',
      '--node-name',
      this.nodeName,
      '--cluster-cidr',
      this.podCIDR,
      '--cni-bridge',
      `kbt${id}`,
      '--kubelet-arg',
      'address=127.0.0.1',
      '--kubelet-arg',
      'port=0',
      '--kubelet-arg',
      `cgroup-root=/kubets-acc-${id}`,
      // Host-wide pieces that parallel test files would share stay off (DESIGN.md §5).
      '--disable-kube-proxy',
      '--disable',
      'coredns',
      '--log-level',
      process.env.KUBETS_TEST_LOG ?? 'warn',
      ...(o.extraArgs ?? []),
    ];
  }

  /** The running (or last) launch. */
  get run(): ServerRun {
    if (!this.current) throw new Error('the server was never launched');
    return this.current;
  }

  /** Launches `kubets server` with this instance's flags; the previous launch must have exited. */
  launch(): ServerRun {
    if (this.current?.alive()) throw new Error('the server is still running');
    const inv = kubetsInvocation(this.args);
    this.current = watchOutput(spawn(inv.file, inv.args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    return this.current;
  }

  /** Stops the current launch with `signal` and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const run = this.current;
    if (!run) return null;
    if (run.alive()) run.child.kill(signal);
    return run.exited;
  }

  /** The environment real kubectl runs with (own HOME and cache, this server's kubeconfig). */
  kubectlEnv(): Record<string, string> {
    return { KUBECONFIG: this.kubeconfig, HOME: this.home, KUBECACHEDIR: join(this.home, '.kube', 'cache') };
  }

  /** Runs real kubectl to completion against this server. */
  kubectl(args: string[], o: { timeoutMs?: number; stdin?: string } = {}): Promise<RunResult> {
    return runProcess(this.o.kubectl, args, {
      timeoutMs: o.timeoutMs ?? 60_000,
      stdin: o.stdin,
      env: this.kubectlEnv(),
    });
  }

  /** Starts real kubectl without waiting for it (port-forward); the caller kills it. */
  spawnKubectl(args: string[]): ChildProcess {
    return spawn(this.o.kubectl, args, {
      env: { ...process.env, ...this.kubectlEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}

function watchOutput(child: ChildProcess): ServerRun {
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running = false;
      resolve(code);
    }),
  );
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
  return { child, output: () => out, waitFor, exited, alive: () => running };
}

/**
 * `kubets server` (control plane, containerd, kubelet, kube-proxy, cluster DNS)
 * running inside a NetnsNode, driven with real kubectl from inside the same
 * namespace. Everything host-wide is made unique per run (bridge, cgroup
 * root, node name, temp dir); `dispose()` stops the server by PID (SIGTERM,
 * then SIGKILL), runs `kubets uninstall` in the namespace and removes the
 * temp dir, also after failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kubetsInvocation } from '../../../src/cmd/cli-launcher.js';
import type { RunResult } from '../../../src/cmd/testing/server-process.js';
import type { NetnsNode } from './netns-node.js';

export interface NetnsServerOptions {
  node: NetnsNode;
  kubectl: string;
  extraArgs?: string[];
}

export class NetnsServer {
  readonly dir: string;
  readonly dataDir: string;
  readonly nodeName: string;
  readonly kubeconfig: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private out = '';

  constructor(private readonly o: NetnsServerOptions) {
    const n = o.node;
    this.dir = mkdtempSync('/tmp/kbt-net-');
    this.dataDir = join(this.dir, 'data');
    this.kubeconfig = join(this.dataDir, 'kubeconfig.yaml');
    this.nodeName = `kbt-net-${n.id}`;
    mkdirSync(join(this.dir, 'home'));
    const inv = kubetsInvocation([
      'server',
      '--data-dir',
      this.dataDir,
      '--https-listen-port',
      '6443',
      '--bind-address',
      '0.0.0.0',
      '--advertise-address',
      n.nodeIP,
      '--node-ip',
      n.nodeIP,
      '--node-name',
      this.nodeName,
      '--service-cidr',
      n.serviceCIDR,
      '--cni-bridge',
      `kbtnb${n.id}`,
      '--kubelet-arg',
      `cgroup-root=/kubets-net-${n.id}`,
      '--log-level',
      process.env.KUBETS_TEST_LOG ?? 'warn',
      ...(o.extraArgs ?? []),
    ]);
    const ns = n.nsArgs(inv.file, inv.args);
    this.child = spawn(ns.file, ns.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (d: Buffer) => (this.out += d.toString());
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  output(): string {
    return this.out;
  }

  /** Resolves with the first match of `re` in the server's output; rejects when it exits first or on timeout. */
  async waitFor(re: RegExp, timeoutMs = 180_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const m = re.exec(this.out);
      if (m) return m;
      if (exited) throw new Error(`kubets server exited before printing ${re}:\n${this.out}`);
      if (Date.now() > deadline)
        throw new Error(`no ${re} in kubets server output within ${timeoutMs} ms:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kubectl(args: string[], o: { timeoutMs?: number; stdin?: string } = {}): Promise<RunResult> {
    const home = join(this.dir, 'home');
    return this.o.node.run(this.o.kubectl, args, {
      timeoutMs: o.timeoutMs ?? 60_000,
      stdin: o.stdin,
      env: { KUBECONFIG: this.kubeconfig, HOME: home, KUBECACHEDIR: join(home, '.kube', 'cache') },
    });
  }

  /** kubectl that must succeed; returns stdout. */
  async ok(args: string[], o: { timeoutMs?: number; stdin?: string } = {}): Promise<string> {
    const r = await this.kubectl(args, o);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} -> ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /** Stops the server (SIGTERM, SIGKILL after `graceMs`), uninstalls inside the namespace, removes the temp dir. */
  async dispose(graceMs = 30_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    const un = kubetsInvocation(['uninstall', '--data-dir', this.dataDir]);
    const r = await this.o.node.run(un.file, un.args, { timeoutMs: 120_000 }).catch((err: unknown) => ({
      code: -1,
      stdout: '',
      stderr: String(err),
    }));
    if (r.code !== 0) console.log(`# kubets uninstall failed: ${r.stdout}${r.stderr}`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

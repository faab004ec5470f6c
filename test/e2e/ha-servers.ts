// Helpers for the HA e2e tests: real `kubets server` processes (the built
// bin/kubets) with managed etcd on loopback addresses, real kubectl, and a
// cleanup that stops every process they started by PID, etcd members included.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { kubectlPath } from '../harness/clients.js';
import type { RunResult } from '../harness/control-plane.js';

export const root = process.env.KUBETS_ROOT ?? process.cwd();
export const kubetsBin = join(root, 'bin', 'kubets');
export const isBuilt = () => existsSync(join(root, 'dist', 'src', 'cmd', 'main.js'));

/** A free TCP port on `host` (bind to port 0, read it, release it). */
export function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServerSpec {
  name: string;
  ip: string;
  dataDir: string;
  port: number;
  etcdClientPort: number;
  etcdPeerPort: number;
  /** HA flags: ['--cluster-init'] or ['--server', url, '--token', token] (and anything else). */
  extra: string[];
}

export interface ServerProcess {
  spec: ServerSpec;
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far. */
  output(): string;
  stderr(): string;
  exited: Promise<number>;
  kubeconfig: string;
  url: string;
  /** Its controller-manager leader-election identity (printed at startup). */
  identity(): string | undefined;
  /** The PID of its etcd member, from the pid file it keeps. */
  etcdPid(): number | undefined;
}

const live = new Set<ServerProcess>();

export function serverArgs(s: ServerSpec): string[] {
  return [
    'server',
    '--disable-agent',
    '--data-dir', s.dataDir,
    '--bind-address', s.ip,
    '--advertise-address', s.ip,
    '--https-listen-port', String(s.port),
    '--etcd-client-port', String(s.etcdClientPort),
    '--etcd-peer-port', String(s.etcdPeerPort),
    '--log-level', 'error',
    ...s.extra,
  ]; // prettier-ignore
}

/** Spawns `kubets server`; resolves once it wrote its kubeconfig, or when it exits (then check `exited`). */
export async function startServer(spec: ServerSpec, timeoutMs = 90_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [kubetsBin, ...serverArgs(spec)], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    out += d.toString();
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const kubeconfig = join(spec.dataDir, 'kubeconfig.yaml');
  const proc: ServerProcess = {
    spec,
    child,
    output: () => out,
    stderr: () => err,
    exited,
    kubeconfig,
    url: `https://${spec.ip}:${spec.port}`,
    identity: () => /leader election as (\S+?)\)/.exec(out)?.[1],
    etcdPid: () => {
      const f = join(spec.dataDir, 'server', 'db', 'etcd.pid');
      if (!existsSync(f)) return undefined;
      const pid = Number(readFileSync(f, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void exited.then(() => (done = true));
  while (!done && !/kubeconfig written to/.test(out)) {
    if (Date.now() > deadline) throw new Error(`${spec.name} not ready after ${timeoutMs} ms:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Whether `pid` is the etcd member of `dataDir` (never signal a PID the kernel reused for something else). */
function isEtcdOf(pid: number, dataDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--data-dir=${join(dataDir, 'server', 'db', 'etcd')}`);
  } catch {
    return false;
  }
}

/** kill -9 of a server and its etcd member, as a machine dying would do. */
export async function killServer(p: ServerProcess): Promise<void> {
  const etcd = p.etcdPid();
  if (p.child.pid !== undefined) killPid(p.child.pid, 'SIGKILL');
  if (etcd !== undefined && isEtcdOf(etcd, p.spec.dataDir)) killPid(etcd, 'SIGKILL');
  await p.exited;
}

/** Stops every server still running (SIGTERM, SIGKILL after 15 s), then any etcd they left, and removes `dirs`. */
export async function cleanup(servers: ServerProcess[], dirs: string[]): Promise<void> {
  const all = new Set([...servers, ...live]);
  await Promise.all(
    [...all].map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null && p.child.pid !== undefined) {
        killPid(p.child.pid, 'SIGTERM');
        const timer = setTimeout(() => killPid(p.child.pid!, 'SIGKILL'), 15_000);
        await p.exited;
        clearTimeout(timer);
      }
    }),
  );
  for (const p of all) {
    const etcd = p.etcdPid();
    if (etcd !== undefined && isEtcdOf(etcd, p.spec.dataDir)) killPid(etcd, 'SIGKILL');
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** Runs real kubectl with `kubeconfig`; never throws for a non-zero exit. */
export function kubectl(kubeconfig: string, args: string[], home: string, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(kubectlPath(), ['--request-timeout=10s', ...args], {
      env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home, KUBECACHEDIR: join(home, '.kube', 'cache') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killPid(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end();
  });
}

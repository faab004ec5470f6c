/**
 * `npm run bench -- server-startup [--rounds N] [--idle-seconds S]`
 *
 * The one-command cluster as a user starts it: `kubets server` (control plane
 * and a local node on a fresh data dir) launched as a process, timed from
 * spawn to "API server ready" and to "node X Ready" as the server prints
 * them, then left idle for S seconds (default 15) to read its resident memory:
 * the kubets process alone (control plane + kubelet + addons in one process)
 * and containerd with its shims separately. A `--disable-agent` round times
 * the control plane alone. Each round stops the server with SIGTERM and runs
 * `kubets uninstall` on its data dir. Isolated as the e2e tests are (loopback
 * addresses, a private CNI bridge and pod subnet, kube-proxy and cluster DNS
 * off so nothing host-wide changes). Needs root and containerd.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { runKubets, startServerProcess } from '../src/cmd/testing/server-process.js';
import { BenchReport, summarize } from './lib/report.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : dflt;
}

/** VmRSS of one process in MiB (0 when it is gone). */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of `root`, with its command line. */
function descendants(root: number): { pid: number; cmd: string }[] {
  const parent = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const e of readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmd.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // exited meanwhile
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) {
      if (pp !== p) continue;
      out.push({ pid: c, cmd: cmd.get(c) ?? '' });
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** Shims re-parent to init, so they are found by the data dir in their command line. */
function shimsOf(dataDir: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid)) continue;
    try {
      const c = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (c.includes('containerd-shim') && c.includes(dataDir)) pids.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const kubectl = process.env.KUBECTL ?? 'kubectl';

async function round(withNode: boolean, idleSeconds: number) {
  const dir = mkdtempSync('/tmp/kbs-');
  const server = startServerProcess({ dir, kubectl, extraArgs: withNode ? [] : ['--disable-agent'] });
  try {
    await server.waitFor(/API server ready/, 60_000);
    const apiMs = performance.now() - server.launchedAt;
    if (!withNode) return { apiMs };
    await server.waitFor(/node \S+ Ready \d+ ms after launch/, 120_000);
    const readyMs = performance.now() - server.launchedAt;
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const pid = server.child.pid!;
    const kids = descendants(pid);
    const containerd = kids.filter((k) => /(^|\/)containerd( |$)/.test(k.cmd.split(' ')[0] ?? ''));
    const kubets = rssMiB(pid) + kids.filter((k) => !containerd.includes(k)).reduce((s, k) => s + rssMiB(k.pid), 0);
    const runtime =
      containerd.reduce((s, k) => s + rssMiB(k.pid), 0) + shimsOf(server.dataDir).reduce((s, p) => s + rssMiB(p), 0);
    return { apiMs, readyMs, kubetsRss: kubets, runtimeRss: runtime };
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGTERM');
    await server.exited;
    const r = await runKubets(['uninstall', '--data-dir', server.dataDir], { timeoutMs: 120_000 });
    if (r.code !== 0) console.error(`# kubets uninstall failed: ${r.stdout}${r.stderr}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('server-startup needs root (it runs a node with containerd)');
  const rounds = arg('rounds', 3);
  const idleSeconds = arg('idle-seconds', 15);
  const report = new BenchReport('server-startup', { rounds, idleSeconds });
  const api: number[] = [];
  const ready: number[] = [];
  const rss: number[] = [];
  const runtime: number[] = [];
  const cpOnly: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = await round(true, idleSeconds);
    api.push(r.apiMs);
    ready.push(r.readyMs!);
    rss.push(r.kubetsRss!);
    runtime.push(r.runtimeRss!);
    console.log(
      `# round ${i + 1}: API ${Math.round(r.apiMs)} ms, node Ready ${Math.round(r.readyMs!)} ms, kubets ${r.kubetsRss!.toFixed(1)} MiB, containerd+shims ${r.runtimeRss!.toFixed(1)} MiB`,
    );
    cpOnly.push((await round(false, 0)).apiMs);
  }
  const p50 = (xs: number[]) => summarize(xs).p50;
  report.add('launch_to_api_ready.p50', p50(api), 'ms');
  report.add('launch_to_node_ready.p50', p50(ready), 'ms');
  report.add('launch_to_node_ready.max', Math.max(...ready), 'ms');
  report.add('control_plane_only.launch_to_api_ready.p50', p50(cpOnly), 'ms');
  report.add('kubets_process_rss_idle.p50', p50(rss), 'MiB');
  report.add('containerd_and_shims_rss_idle.p50', p50(runtime), 'MiB');
  console.log(`saved ${report.save()}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

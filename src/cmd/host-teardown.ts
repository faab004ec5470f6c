/**
 * The host-level removal steps of `kubets uninstall`, each limited to what
 * kubets itself created: processes are signalled by PID only after their
 * identity is confirmed (a PID file with a matching start time, or a
 * containerd whose command line names our config file), links only when they
 * are our bridge or enslaved to it, netfilter state only under kubets' own
 * table and chain names. Every step is idempotent and reports what it removed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processRunning, waitForExit } from '../node/runtime/containerd/host-cleanup.js';
import { hostRunner, IptablesProxier, NftablesProxier, removeServiceAddresses } from '../node/kube-proxy/index.js';
import type { ProxyNetworkConfig } from '../node/kube-proxy/index.js';
import { removePodMasquerade } from '../node/routes/index.js';

function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** PIDs of containerd daemons started with `--config <configPath>` (ours: the config lives in our data dir). */
export function findContainerdDaemons(configPath: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const argv = cmdline(Number(d));
    if (!argv || !/(^|\/)containerd$/.test(argv[0] ?? '')) continue;
    const i = argv.indexOf('--config');
    if (i >= 0 && argv[i + 1] === configPath) out.push(Number(d));
  }
  return out;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves true when the process is gone. */
export async function stopProcess(pid: number, graceMs = 30_000): Promise<boolean> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  if ((await waitForExit([pid], graceMs)).length === 0) return true;
  signal('SIGKILL');
  return (await waitForExit([pid], 5000)).length === 0 || !processRunning(pid);
}

function ip(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, out: r.stdout ?? '' };
}

/** Removes the veths enslaved to `bridge`, then the bridge; returns the links deleted. */
export function removeBridge(bridge: string): string[] {
  if (!ip(['link', 'show', 'dev', bridge]).ok) return [];
  const removed: string[] = [];
  const ports = ip(['-o', 'link', 'show', 'master', bridge]).out;
  for (const m of ports.matchAll(/^\d+:\s+([^:@\s]+)/gm)) {
    if (ip(['link', 'del', 'dev', m[1]]).ok) removed.push(m[1]);
  }
  if (ip(['link', 'del', 'dev', bridge]).ok) removed.push(bridge);
  return removed;
}

function output(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? (r.stdout ?? '') : undefined;
}

const noNetwork: ProxyNetworkConfig = {
  nodeName: '',
  clusterCIDR: undefined,
  serviceCIDR: undefined,
  nodePortAddresses: [],
  masqueradeAll: false,
  nodeIPs: [],
};

/**
 * kube-proxy's netfilter state: the `kubets-proxy` nftables table and the
 * KUBETS-* iptables chains with their hooks, removed through the proxiers'
 * own cleanup so names never drift, and the userspace proxier's service
 * addresses on `lo`. Returns what was there.
 */
export async function removeProxyRules(): Promise<string[]> {
  const removed: string[] = [];
  const tables = output('nft', ['list', 'tables']);
  if (tables !== undefined && /\bkubets-proxy\b/.test(tables)) {
    await new NftablesProxier({ runner: hostRunner, config: noNetwork }).cleanup();
    removed.push('nftables table kubets-proxy');
  }
  const rules = output('iptables-save', []);
  if (rules !== undefined && /^:KUBETS-/m.test(rules)) {
    await new IptablesProxier({ runner: hostRunner, config: noNetwork }).cleanup();
    removed.push('iptables KUBETS-* chains');
  }
  for (const ip of await removeServiceAddresses(hostRunner)) removed.push(`userspace proxy service address ${ip}`);
  return removed;
}

/**
 * The node agent's pod masquerade: the `ip kubets-masq` nftables table and
 * the KUBETS-POD-MASQ iptables chain with its POSTROUTING jump, whichever is
 * there. Returns what was removed.
 */
export function removeMasqueradeRules(): Promise<string[]> {
  return removePodMasquerade(hostRunner);
}

/** Where libcni caches ADD results (`<network>-<container id>-<ifname>`). */
export const cniResultsDir = '/var/lib/cni/results';

/**
 * Cached CNI results of our sandboxes (IDs are 64 hex digits, unique to our
 * containerd). CNI DEL removes its network's entry, but containerd's loopback
 * attachment leaves one per sandbox; returns the files removed.
 */
export function removeCniResults(sandboxIds: readonly string[], dir = cniResultsDir): string[] {
  if (sandboxIds.length === 0) return [];
  const ids = new Set(sandboxIds);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const id = /-([0-9a-f]{64})-[^-]+$/.exec(n)?.[1];
    if (!id || !ids.has(id)) continue;
    rmSync(join(dir, n), { force: true });
    removed.push(n);
  }
  return removed;
}

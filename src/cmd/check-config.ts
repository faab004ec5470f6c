import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from '../cli/command.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 }).trim();
  } catch {
    return undefined;
  }
}

function fileCheck(name: string, path: string, fix: string): Check {
  return { name, ok: existsSync(path), detail: path, fix };
}

/** What this host offers kubets, with the fix for each missing piece (k3s `check-config`). */
export function hostChecks(): Check[] {
  const checks: Check[] = [];
  const containerd = run('containerd', ['--version']);
  checks.push({
    name: 'containerd',
    ok: !!containerd,
    detail: containerd ?? 'not found',
    fix: 'apt-get install -y containerd',
  });
  const runc = run('runc', ['--version']);
  checks.push({
    name: 'runc',
    ok: !!runc,
    detail: runc?.split('\n')[0] ?? 'not found',
    fix: 'apt-get install -y runc',
  });
  for (const p of ['bridge', 'host-local', 'loopback', 'portmap'])
    checks.push(fileCheck(`CNI plugin ${p}`, `/usr/lib/cni/${p}`, 'apt-get install -y containernetworking-plugins'));
  const cgroup2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const cgroup1 = existsSync('/sys/fs/cgroup/memory');
  checks.push({
    name: 'cgroups',
    ok: cgroup1 || cgroup2,
    detail: cgroup2 ? 'v2 (unified)' : cgroup1 ? 'v1 (or hybrid)' : 'not mounted',
    fix: 'mount cgroups (systemd does this) or boot with cgroup support',
  });
  const nft = run('nft', ['--version']);
  checks.push({ name: 'nftables', ok: !!nft, detail: nft ?? 'not found', fix: 'apt-get install -y nftables' });
  const ipt = run('iptables', ['--version']);
  checks.push({ name: 'iptables', ok: !!ipt, detail: ipt ?? 'not found', fix: 'apt-get install -y iptables' });
  const ct = run('conntrack', ['--version']);
  checks.push({
    name: 'conntrack (stale UDP flows after endpoint changes)',
    ok: !!ct,
    detail: ct ?? 'not found',
    fix: 'apt-get install -y conntrack',
  });
  const fwd = existsSync('/proc/sys/net/ipv4/ip_forward')
    ? readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()
    : '';
  checks.push({
    name: 'IPv4 forwarding',
    ok: fwd === '1',
    detail: fwd === '1' ? 'enabled' : 'disabled (kubets enables it when it starts a node, as root)',
    fix: 'sysctl -w net.ipv4.ip_forward=1',
  });
  const modules = existsSync('/proc/modules') ? readFileSync('/proc/modules', 'utf8') : '';
  for (const m of ['overlay', 'br_netfilter']) {
    const builtin = m === 'br_netfilter' ? existsSync('/proc/sys/net/bridge') : existsSync('/sys/module/overlay');
    checks.push({
      name: `kernel module ${m}`,
      ok: builtin || modules.includes(`${m} `),
      detail: builtin || modules.includes(`${m} `) ? 'loaded' : 'not loaded',
      fix: `modprobe ${m}`,
    });
  }
  const etcd = run('etcd', ['--version']);
  checks.push({
    name: 'etcd (for --cluster-init / HA)',
    ok: !!etcd,
    detail: etcd?.split('\n')[0] ?? 'not found (only needed for HA)',
    fix: 'apt-get install -y etcd-server',
  });
  return checks;
}

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'Check what this host supports (containerd, cgroups, nftables, CNI plugins...)',
  async run({ stdout }) {
    const checks = hostChecks();
    for (const c of checks) {
      stdout.write(
        `${c.ok ? '  ok ' : 'MISSING'.padEnd(5)} ${c.name.padEnd(32)} ${c.detail}${c.ok || !c.fix ? '' : `\n        fix: ${c.fix}`}\n`,
      );
    }
    const missing = checks.filter((c) => !c.ok && !c.name.startsWith('etcd') && c.name !== 'IPv4 forwarding');
    stdout.write(missing.length ? `\n${missing.length} required piece(s) missing.\n` : '\nThis host can run kubets.\n');
    return missing.length ? 1 : 0;
  },
};

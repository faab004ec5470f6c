import type { Logger } from '../../lib/log.js';
import type { CommandRunner } from './runner.js';

/** Kernel settings the kernel proxiers need (forwarding; bridged pod traffic through netfilter for hairpin). */
export const requiredSysctls: Readonly<Record<string, string>> = {
  'net.ipv4.ip_forward': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
};

export interface SysctlChange {
  key: string;
  from: string;
  to: string;
}

/**
 * Sets each sysctl that differs, through the runner (so a test's namespace
 * gets them, not the host), and logs every change. A key the kernel lacks
 * (br_netfilter not loaded) is reported, not loaded: loading modules is the
 * administrator's call.
 */
export async function ensureSysctls(
  runner: CommandRunner,
  log: Logger,
  wanted: Readonly<Record<string, string>> = requiredSysctls,
): Promise<SysctlChange[]> {
  const changes: SysctlChange[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    const cur = await runner.run('sysctl', ['-n', key], { timeoutMs: 10_000 });
    if (cur.code !== 0) {
      log.warn('sysctl not available; bridged traffic may bypass service rules', { key, err: cur.stderr.trim() });
      continue;
    }
    const from = cur.stdout.trim();
    if (from === value) continue;
    const set = await runner.run('sysctl', ['-w', `${key}=${value}`], { timeoutMs: 10_000 });
    if (set.code !== 0) {
      log.warn('cannot set sysctl', { key, value, err: set.stderr.trim() });
      continue;
    }
    log.info('changed sysctl', { key, from, to: value, where: runner.where });
    changes.push({ key, from, to: value });
  }
  return changes;
}

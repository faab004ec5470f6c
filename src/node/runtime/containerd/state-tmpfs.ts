/**
 * containerd's `state` directory holds only what dies with the machine: shim
 * sockets, task bundles (config.json, rootfs mount points), the sandboxes'
 * network-namespace mounts. A system containerd keeps it in /run/containerd, a
 * tmpfs; ours lives under the data dir, so it is given a tmpfs of its own. That
 * takes the per-pod directory and file churn of sandbox and task creation off
 * the disk filesystem (on this project's test machines — ext4 without a journal —
 * inode allocation under churn was about a quarter of containerd's CPU per pod
 * start), and a stale state from before a reboot can no longer confuse the daemon.
 *
 * The mount is kept across daemon restarts (running shims keep their sockets in
 * it) and goes with everything else mounted under the data dir when pods are
 * killed (ManagedContainerd.stop({ killPods }), uninstall).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mountsUnder } from './host-cleanup.js';

export type StateTmpfsResult = 'mounted' | 'already-mounted' | 'in-use' | 'failed';

/**
 * Mounts a tmpfs on `dir` unless something is mounted there already. A
 * non-empty directory is left alone: it may be the on-disk state of shims still
 * running from an earlier daemon, which a mount would hide. Needs root; without
 * it (or without `mount`) the result is 'failed' and the directory stays on disk.
 */
export function ensureStateTmpfs(dir: string, mountinfo = '/proc/self/mountinfo'): StateTmpfsResult {
  if (mountsUnder(dir, mountinfo).includes(dir)) return 'already-mounted';
  try {
    if (readdirSync(dir).length > 0) return 'in-use';
  } catch {
    return 'failed';
  }
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'mode=0711,nosuid,nodev', 'kubets-containerd-state', dir], {
    stdio: 'ignore',
  });
  return r.status === 0 ? 'mounted' : 'failed';
}

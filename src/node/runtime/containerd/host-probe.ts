/**
 * Facts about the host that decide how containerd is configured: whether the
 * overlayfs snapshotter can work under a given directory, and which cgroup
 * driver the host uses. Probes are cheap and side-effect free apart from the
 * overlay probe's scratch mount, which it always removes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupDriver = 'systemd' | 'cgroupfs';

/**
 * `systemd` when systemd is PID 1 (it owns the cgroup tree and runc must create
 * cgroups through it), otherwise `cgroupfs` — the kubelet's driver must match.
 */
export function detectCgroupDriver(root = '/'): CgroupDriver {
  return existsSync(join(root, 'run/systemd/system')) ? 'systemd' : 'cgroupfs';
}

/** True on the unified (v2-only) hierarchy; false on v1 or hybrid layouts. */
export function isCgroupV2Unified(root = '/'): boolean {
  try {
    const mounts = readFileSync(join(root, 'proc/self/mountinfo'), 'utf8');
    return mounts.split('\n').some((l) => / \/sys\/fs\/cgroup .* - cgroup2 /.test(l));
  } catch {
    return false;
  }
}

function kernelHasOverlay(): boolean {
  try {
    return /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Whether an overlay mount works with its upper directory under `dir` (what
 * containerd's overlayfs snapshotter needs: e.g. it fails when `dir` itself is
 * on overlayfs). Mounts and unmounts a scratch overlay, so it needs root.
 */
export function overlaySupported(dir: string): boolean {
  if (!kernelHasOverlay()) return false;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return false;
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(dir, '.overlay-probe-'));
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(scratch, d));
  try {
    for (const d of [lower, upper, work, merged]) mkdirSync(d);
    const opts = `lowerdir=${lower},upperdir=${upper},workdir=${work}`;
    const mount = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', opts, merged], { stdio: 'ignore' });
    if (mount.status !== 0) return false;
    spawnSync('umount', [merged], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    try {
      rmSync(scratch, { recursive: true, force: true });
    } catch {
      // A scratch dir that cannot be removed (the unmount failed) is left behind rather than failing the probe.
    }
  }
}

/**
 * The few mount operations volumes need: tmpfs for memory-backed emptyDirs,
 * secrets and projected volumes, and unmounting everything under a pod's
 * volume directory before it is removed. Needs root (CAP_SYS_ADMIN).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

const unescapeMountPath = (p: string) =>
  p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));

/** Mount points from /proc/self/mountinfo. */
export async function mountPoints(mountinfo = '/proc/self/mountinfo'): Promise<string[]> {
  const text = await readFile(mountinfo, 'utf8');
  return text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && p !== '')
    .map(unescapeMountPath);
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).includes(path);
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export async function mountsBelow(dir: string): Promise<string[]> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = (await mountPoints()).filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Mounts a tmpfs at `dir` unless one is already there; `sizeBytes` caps it (upstream `size=`). */
export async function ensureTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  if (await isMountPoint(dir)) return;
  const opts = ['mode=0777', ...(sizeBytes && sizeBytes > 0 ? [`size=${sizeBytes}`] : [])].join(',');
  try {
    await run('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`mount failed: ${stderr || (err as Error).message}`);
  }
}

/** Unmounts everything at or below `dir` (lazily when busy). Throws when something stays mounted. */
export async function unmountBelow(dir: string): Promise<void> {
  for (const point of await mountsBelow(dir)) {
    try {
      await run('umount', [point]);
    } catch {
      await run('umount', ['-l', point]).catch(() => undefined);
    }
  }
  const left = await mountsBelow(dir);
  if (left.length > 0) throw new Error(`unable to unmount ${left.join(', ')}`);
}

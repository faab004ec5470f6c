/**
 * Node-level measurements read from the kernel (what cAdvisor gives the
 * upstream kubelet): CPU time and memory of the root cgroup (cgroup v1 or
 * v2, /proc as a fallback), filesystem capacity with statfs, process count
 * and limit, network interface counters, and disk usage of directory trees.
 */
import { lstat, readFile, readdir, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FsStats, InterfaceStats, MemoryStats } from './summary-types.js';

const num = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined;
  const n = Number(s.trim());
  return Number.isFinite(n) ? n : undefined;
};

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `key value` lines (memory.stat, cpu.stat) as numbers. */
export function parseKeyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    const n = num(v);
    if (k && n !== undefined) out[k] = n;
  }
  return out;
}

/** /proc/meminfo in bytes (`MemTotal`, `MemAvailable`, `Inactive(file)`...). */
export async function readMeminfo(path = '/proc/meminfo'): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of ((await readText(path)) ?? '').split('\n')) {
    const m = /^([^:]+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (line.includes('kB') ? 1024 : 1);
  }
  return out;
}

/** The cgroup hierarchy layout: v1 per-controller mounts or the v2 unified tree. */
export async function cgroupVersion(root = '/sys/fs/cgroup'): Promise<1 | 2> {
  return (await readText(join(root, 'cgroup.controllers'))) !== undefined ? 2 : 1;
}

/** Cumulative CPU time of a cgroup in nanoseconds (`cgroupPath` in cgroupfs syntax, `/` for the root). */
export async function cgroupCpuUsageNs(cgroupPath: string, root = '/sys/fs/cgroup'): Promise<number | undefined> {
  if ((await cgroupVersion(root)) === 2) {
    const us = parseKeyValues(await readText(join(root, cgroupPath, 'cpu.stat'))).usage_usec;
    return us === undefined ? undefined : us * 1000;
  }
  return num(await readText(join(root, 'cpuacct', cgroupPath, 'cpuacct.usage')));
}

/** Memory of a cgroup: usage, working set (usage minus inactive file), RSS and page faults. */
export async function cgroupMemory(
  cgroupPath: string,
  root = '/sys/fs/cgroup',
): Promise<Omit<MemoryStats, 'time' | 'availableBytes'> | undefined> {
  if ((await cgroupVersion(root)) === 2) {
    const usage = num(await readText(join(root, cgroupPath, 'memory.current')));
    if (usage === undefined) return undefined;
    const st = parseKeyValues(await readText(join(root, cgroupPath, 'memory.stat')));
    return {
      usageBytes: usage,
      workingSetBytes: Math.max(0, usage - (st.inactive_file ?? 0)),
      rssBytes: st.anon,
      pageFaults: st.pgfault,
      majorPageFaults: st.pgmajfault,
    };
  }
  const dir = join(root, 'memory', cgroupPath);
  const usage = num(await readText(join(dir, 'memory.usage_in_bytes')));
  if (usage === undefined) return undefined;
  const st = parseKeyValues(await readText(join(dir, 'memory.stat')));
  return {
    usageBytes: usage,
    workingSetBytes: Math.max(0, usage - (st.total_inactive_file ?? 0)),
    rssBytes: st.total_rss,
    pageFaults: st.total_pgfault,
    majorPageFaults: st.total_pgmajfault,
  };
}

/** Node CPU time in nanoseconds: the root cgroup, else /proc/stat (USER_HZ 100). */
export async function nodeCpuUsageNs(root = '/sys/fs/cgroup'): Promise<number | undefined> {
  const fromCgroup = await cgroupCpuUsageNs('/', root);
  if (fromCgroup !== undefined) return fromCgroup;
  const line = ((await readText('/proc/stat')) ?? '').split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0] + f[1] + f[2] + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return busy * 1e7;
}

/** Node memory from /proc/meminfo, with the kubelet's definitions (working set = used - inactive file). */
export async function nodeMemory(): Promise<Omit<MemoryStats, 'time'> & { capacityBytes: number }> {
  const mi = await readMeminfo();
  const capacity = mi.MemTotal ?? 0;
  const usage = capacity - (mi.MemFree ?? 0);
  const workingSet = Math.max(0, usage - (mi['Inactive(file)'] ?? 0));
  return {
    capacityBytes: capacity,
    usageBytes: usage,
    workingSetBytes: workingSet,
    availableBytes: Math.max(0, capacity - workingSet),
    rssBytes: mi.AnonPages,
  };
}

/** Capacity, availability and inodes of the filesystem holding `path` (its nearest existing ancestor). */
export async function filesystemStats(path: string): Promise<Omit<FsStats, 'time'> | undefined> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = await statfs(p);
      return {
        capacityBytes: s.blocks * s.bsize,
        availableBytes: s.bavail * s.bsize,
        usedBytes: (s.blocks - s.bfree) * s.bsize,
        inodes: s.files,
        inodesFree: s.ffree,
        inodesUsed: s.files - s.ffree,
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) return undefined;
    }
  }
}

/** The PID limit and the number of tasks (/proc/sys/kernel/pid_max, /proc/loadavg). */
export async function processLimits(): Promise<{ maxpid?: number; curproc?: number }> {
  const maxpid = num(await readText('/proc/sys/kernel/pid_max'));
  const m = /\s\d+\/(\d+)\s/.exec((await readText('/proc/loadavg')) ?? '');
  return { maxpid, curproc: m ? Number(m[1]) : undefined };
}

/** Boot time in ms since the epoch (the node's `startTime`). */
export async function bootTimeMs(): Promise<number | undefined> {
  const m = /^btime (\d+)$/m.exec((await readText('/proc/stat')) ?? '');
  return m ? Number(m[1]) * 1000 : undefined;
}

/** Interface counters from /proc/net/dev (loopback excluded). */
export async function netDevices(path = '/proc/net/dev'): Promise<InterfaceStats[]> {
  const out: InterfaceStats[] = [];
  for (const line of ((await readText(path)) ?? '').split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    out.push({ name: m[1], rxBytes: f[0], rxErrors: f[2], txBytes: f[8], txErrors: f[10] });
  }
  return out;
}

/** Disk usage of a tree (like `du`: allocated blocks) and its inode count; symlinks are not followed. */
export async function dirUsage(path: string, limit = 100_000): Promise<{ bytes: number; inodes: number } | undefined> {
  let bytes = 0;
  let inodes = 0;
  const walk = async (p: string): Promise<void> => {
    if (inodes >= limit) return;
    let st;
    try {
      st = await lstat(p);
    } catch {
      return;
    }
    bytes += st.blocks * 512;
    inodes++;
    if (!st.isDirectory()) return;
    let entries: string[];
    try {
      entries = await readdir(p);
    } catch {
      return;
    }
    for (const e of entries) await walk(join(p, e));
  };
  try {
    await lstat(path);
  } catch {
    return undefined;
  }
  await walk(path);
  return { bytes, inodes };
}

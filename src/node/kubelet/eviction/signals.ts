/**
 * Measures the eviction signals on this host (what upstream takes from the
 * Summary API): memory from the root cgroup (cgroup v1) or /proc/meminfo,
 * with the kubelet's definition `available = capacity - working set`;
 * filesystems with statfs on the kubelet's root dir (nodefs) and the
 * runtime's image store (imagefs); PIDs as `pid_max - tasks`. Reads are a
 * few small synchronous syscalls, made once per eviction cycle.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { realClock, type Clock } from '../../../lib/clock.js';
import type { SignalObservation, SignalObservations, SignalSource } from './types.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function meminfo(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (read('/proc/meminfo') ?? '').split('\n')) {
    const m = /^([^:]+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
}

export interface NodeSignalSourceOptions {
  /** The kubelet root dir (nodefs). */
  rootDir: string;
  /** The runtime's image store (imagefs), e.g. containerd's root; omitted: no imagefs signals. */
  imageFsDir?: string;
  /** Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  clock?: Clock;
}

export class NodeSignalSource implements SignalSource {
  private readonly clock: Clock;
  constructor(private readonly opts: NodeSignalSourceOptions) {
    this.clock = opts.clock ?? realClock;
  }

  private memory(time: number): SignalObservation | undefined {
    const mi = meminfo();
    const capacity = mi.MemTotal;
    if (!capacity) return undefined;
    const root = this.opts.cgroupRoot ?? '/sys/fs/cgroup';
    const usage = Number(read(`${root}/memory/memory.usage_in_bytes`));
    let workingSet: number;
    if (Number.isFinite(usage) && usage > 0) {
      const inactive = /^total_inactive_file (\d+)$/m.exec(read(`${root}/memory/memory.stat`) ?? '');
      workingSet = Math.max(0, usage - (inactive ? Number(inactive[1]) : 0));
    } else {
      workingSet = Math.max(0, capacity - (mi.MemFree ?? 0) - (mi['Inactive(file)'] ?? 0));
    }
    return { available: Math.max(0, capacity - workingSet), capacity, time };
  }

  private fs(path: string | undefined, time: number): [SignalObservation, SignalObservation] | undefined {
    if (!path) return undefined;
    try {
      const s = statfsSync(path);
      return [
        { available: s.bavail * s.bsize, capacity: s.blocks * s.bsize, time },
        { available: s.ffree, capacity: s.files, time },
      ];
    } catch {
      return undefined;
    }
  }

  private pids(time: number): SignalObservation | undefined {
    const max = Number(read('/proc/sys/kernel/pid_max'));
    const m = /\s\d+\/(\d+)\s/.exec(read('/proc/loadavg') ?? '');
    if (!Number.isFinite(max) || !m) return undefined;
    return { available: Math.max(0, max - Number(m[1])), capacity: max, time };
  }

  observe(): SignalObservations {
    const time = this.clock.now();
    const out: SignalObservations = {};
    const mem = this.memory(time);
    if (mem) out['memory.available'] = mem;
    const nodefs = this.fs(this.opts.rootDir, time);
    if (nodefs) [out['nodefs.available'], out['nodefs.inodesFree']] = nodefs;
    const imagefs = this.fs(this.opts.imageFsDir, time);
    if (imagefs) [out['imagefs.available'], out['imagefs.inodesFree']] = imagefs;
    const pid = this.pids(time);
    if (pid) out['pid.available'] = pid;
    return out;
  }
}

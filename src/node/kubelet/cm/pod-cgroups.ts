/**
 * Pod-level cgroups (pkg/kubelet/cm/pod_container_manager_linux.go) with the
 * cgroupfs driver: `<root>/kubepods/pod<uid>` for Guaranteed pods and
 * `<root>/kubepods/{burstable,besteffort}/pod<uid>` otherwise. The sandbox and
 * containers are created below it (runc makes the directories); the kubelet
 * writes the pod's cpu shares/quota and memory limit there (cgroup v1 and v2)
 * and removes the cgroup after the pod's containers are gone. With the
 * systemd driver the runtime gets the equivalent slice name and systemd owns
 * the limits. Writes are best effort: a host that refuses one still runs pods.
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from '../../../lib/log.js';
import { podQOSClass, podResourceConfig } from '../container-config/resources.js';

interface Mounts {
  /** v1 hierarchies by controller name (`cpu`, `memory`, ...). */
  v1: Map<string, string>;
  /** The unified hierarchy, when the host has one. */
  v2?: string;
  all: string[];
}

function readMounts(): Mounts {
  const out: Mounts = { v1: new Map(), all: [] };
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fields = line.slice(0, sep).split(' ');
    const [fstype, , superOpts] = line.slice(sep + 3).split(' ');
    const point = fields[4];
    if (!point) continue;
    if (fstype === 'cgroup2') {
      out.v2 = point;
      out.all.push(point);
    } else if (fstype === 'cgroup') {
      out.all.push(point);
      for (const opt of (superOpts ?? '').split(',')) if (!opt.includes('=')) out.v1.set(opt, point);
    }
  }
  return out;
}

function write(dir: string, file: string, value: string | number): boolean {
  try {
    writeFileSync(join(dir, file), String(value));
    return true;
  } catch {
    return false;
  }
}

function removeTree(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return;
  }
  for (const e of entries) removeTree(join(dir, e));
  try {
    rmdirSync(dir);
  } catch {
    // Busy (processes left) or already gone; the next cleanup tries again.
  }
}

export class PodCgroups {
  private mounts: Mounts | undefined;

  constructor(
    private readonly root: string,
    private readonly driver: 'cgroupfs' | 'systemd',
    private readonly enabled: boolean,
    private readonly log: Logger,
  ) {}

  private get m(): Mounts {
    return (this.mounts ??= readMounts());
  }

  private base(): string {
    return join(this.root, 'kubepods');
  }

  /** The cgroup parent the sandbox is created under (cgroupfs path or systemd slice). */
  parentFor(pod: Pod): string {
    const uid = pod.metadata!.uid!;
    const qos = podQOSClass(pod);
    if (this.driver === 'systemd') {
      const id = uid.replace(/-/g, '_');
      return qos === 'Guaranteed' ? `kubepods-pod${id}.slice` : `kubepods-${qos.toLowerCase()}-pod${id}.slice`;
    }
    return qos === 'Guaranteed' ? join(this.base(), `pod${uid}`) : join(this.base(), qos.toLowerCase(), `pod${uid}`);
  }

  /** Creates the pod cgroup with its limits (cgroupfs driver only). */
  ensure(pod: Pod): void {
    if (!this.enabled || this.driver !== 'cgroupfs') return;
    const rel = this.parentFor(pod);
    const cfg = podResourceConfig(pod);
    const m = this.m;
    const cpu = m.v1.get('cpu');
    const memory = m.v1.get('memory');
    try {
      if (cpu) {
        const dir = join(cpu, rel);
        mkdirSync(dir, { recursive: true });
        write(dir, 'cpu.shares', cfg.cpuShares);
        if (cfg.cpuQuota > 0) {
          write(dir, 'cpu.cfs_period_us', 100_000);
          write(dir, 'cpu.cfs_quota_us', cfg.cpuQuota);
        }
      }
      if (memory) {
        const dir = join(memory, rel);
        mkdirSync(dir, { recursive: true });
        if (cfg.memoryLimitBytes > 0) write(dir, 'memory.limit_in_bytes', cfg.memoryLimitBytes);
      }
      if (m.v2 && !cpu && !memory) {
        const dir = join(m.v2, rel);
        mkdirSync(dir, { recursive: true });
        // cpu.weight = 1 + ((shares - 2) * 9999) / 262142 (the kubelet's conversion).
        write(dir, 'cpu.weight', 1 + Math.floor(((cfg.cpuShares - 2) * 9999) / 262142));
        if (cfg.cpuQuota > 0) write(dir, 'cpu.max', `${cfg.cpuQuota} 100000`);
        if (cfg.memoryLimitBytes > 0) write(dir, 'memory.max', cfg.memoryLimitBytes);
      }
    } catch (err) {
      this.log.warn('could not create pod cgroup', { pod: pod.metadata?.name, cgroup: rel, err });
    }
  }

  /** Removes the pod's cgroup from every hierarchy (its containers must be gone). */
  remove(uid: string): void {
    if (!this.enabled || this.driver !== 'cgroupfs') return;
    for (const mount of this.m.all) {
      for (const sub of ['', 'burstable', 'besteffort']) removeTree(join(mount, this.base(), sub, `pod${uid}`));
    }
  }

  /** UIDs of pod cgroups present on the host (for cleanup after restarts). */
  list(): string[] {
    if (!this.enabled || this.driver !== 'cgroupfs') return [];
    const mount = this.m.v1.get('memory') ?? this.m.v2;
    if (!mount) return [];
    const out = new Set<string>();
    for (const sub of ['', 'burstable', 'besteffort']) {
      try {
        for (const d of readdirSync(join(mount, this.base(), sub))) if (d.startsWith('pod')) out.add(d.slice(3));
      } catch {
        // Not there.
      }
    }
    return [...out];
  }
}

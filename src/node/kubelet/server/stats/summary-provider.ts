/**
 * Builds the Summary API document from CRI statistics (per container and per
 * sandbox: CPU, memory, writable layer, network, processes), the kernel
 * (node CPU, memory, filesystems, PIDs) and disk usage of pod log and volume
 * directories. CPU rates (`usageNanoCores`) come from the runtime when it
 * computes them, else from the difference to this provider's previous
 * sample, so they appear from the second call on; the kubelet's periodic
 * callers (eviction, metrics scrapes) keep them fresh. Directory sizes are
 * cached for 30 s, as upstream caches volume metrics.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import type { ContainerRuntime } from '../../../runtime/index.js';
import type {
  ContainerStats as CriContainerStats,
  CpuUsage,
  MemoryUsage,
  PodSandboxStats,
} from '../../../runtime/cri/image-stats-types.js';
import { podLogDirectory } from '../../../runtime/logs/cri-log.js';
import { realClock, type Clock } from '../../../../lib/clock.js';
import {
  bootTimeMs,
  dirUsage,
  filesystemStats,
  netDevices,
  nodeCpuUsageNs,
  nodeMemory,
  processLimits,
} from './host-stats.js';
import type {
  ContainerStats,
  CPUStats,
  FsStats,
  MemoryStats,
  PodStats,
  Summary,
  VolumeStats,
} from './summary-types.js';

export interface SummaryProviderOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  /** The pods bound to this node, as the kubelet knows them. */
  pods(): Pod[];
  /** The kubelet root dir: its filesystem is `nodefs`; pod volumes live under `<rootDir>/pods/<uid>/volumes`. */
  rootDir: string;
  /** Default /var/log/pods. */
  podLogsRoot?: string;
  /** Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  clock?: Clock;
}

const usageCacheMs = 30_000;
/** Volume plugins whose contents count towards a pod's ephemeral storage (disk-backed, node-local). */
const ephemeralPlugins = new Set(['kubernetes.io~empty-dir', 'kubernetes.io~configmap', 'kubernetes.io~downward-api']);

export class SummaryProvider {
  private readonly clock: Clock;
  private readonly samples = new Map<string, { ns: number; at: number }>();
  private readonly usage = new Map<string, { at: number; value: { bytes: number; inodes: number } | undefined }>();

  constructor(private readonly opts: SummaryProviderOptions) {
    this.clock = opts.clock ?? realClock;
  }

  /** nanocores from two cumulative samples (`at` in ns); undefined on the first sample or a counter reset. */
  private rate(key: string, usageNs: number, atNs: number): number | undefined {
    const prev = this.samples.get(key);
    this.samples.set(key, { ns: usageNs, at: atNs });
    if (!prev || atNs <= prev.at || usageNs < prev.ns) return undefined;
    return Math.round(((usageNs - prev.ns) / (atNs - prev.at)) * 1e9);
  }

  private async cachedUsage(path: string) {
    const hit = this.usage.get(path);
    const now = this.clock.monotonic();
    if (hit && now - hit.at < usageCacheMs) return hit.value;
    const value = await dirUsage(path);
    this.usage.set(path, { at: now, value });
    return value;
  }

  private cpu(key: string, c: CpuUsage | null | undefined, time: string): CPUStats | undefined {
    if (!c) return undefined;
    const total = c.usageCoreNanoSeconds?.value;
    const fromRuntime = c.usageNanoCores?.value;
    const computed = total === undefined ? undefined : this.rate(key, total, c.timestamp || this.clock.now() * 1e6);
    const nano = fromRuntime && fromRuntime > 0 ? fromRuntime : computed;
    return { time, ...(nano !== undefined ? { usageNanoCores: nano } : {}), usageCoreNanoSeconds: total };
  }

  private memory(m: MemoryUsage | null | undefined, time: string): MemoryStats | undefined {
    if (!m) return undefined;
    const available = m.availableBytes?.value;
    return {
      time,
      ...(available ? { availableBytes: available } : {}),
      usageBytes: m.usageBytes?.value,
      workingSetBytes: m.workingSetBytes?.value,
      rssBytes: m.rssBytes?.value,
      pageFaults: m.pageFaults?.value,
      majorPageFaults: m.majorPageFaults?.value,
    };
  }

  async summary(): Promise<Summary> {
    const time = new Date(this.clock.now()).toISOString();
    const nowNs = this.clock.now() * 1e6;
    const rt = this.opts.runtime;
    const logsRoot = this.opts.podLogsRoot ?? '/var/log/pods';

    const [cpuNs, mem, nodefs, imageFsInfo, limits, boot, nics, sandboxes, containers, cstats, pstats] =
      await Promise.all([
        nodeCpuUsageNs(this.opts.cgroupRoot),
        nodeMemory(),
        filesystemStats(this.opts.rootDir),
        rt.cri.imageFsInfo().catch(() => undefined),
        processLimits(),
        bootTimeMs(),
        netDevices(),
        rt.listSandboxes().catch(() => []),
        rt.listContainers().catch(() => []),
        rt.listContainerStats().catch(() => [] as CriContainerStats[]),
        rt.cri.listPodSandboxStats().catch(() => [] as PodSandboxStats[]),
      ]);

    const imageUsage = imageFsInfo?.imageFilesystems[0];
    const imageMount = imageUsage?.fsId?.mountpoint;
    const imageFsHost = imageMount ? await filesystemStats(imageMount) : undefined;
    const imageFs: FsStats | undefined = imageFsHost
      ? {
          time,
          ...imageFsHost,
          usedBytes: imageUsage?.usedBytes?.value ?? imageFsHost.usedBytes,
          inodesUsed: imageUsage?.inodesUsed?.value ?? imageFsHost.inodesUsed,
        }
      : undefined;
    const logsFs = await filesystemStats(logsRoot).then((s) => s ?? nodefs);
    const nodeRate = cpuNs === undefined ? undefined : this.rate('node', cpuNs, nowNs);
    const primary = nics.find((n) => n.name === 'eth0') ?? nics[0];

    const statsById = new Map(cstats.map((s) => [s.attributes?.id ?? '', s]));
    const sandboxStatsById = new Map(pstats.map((s) => [s.attributes?.id ?? '', s]));
    const pods: PodStats[] = [];
    for (const pod of this.opts.pods()) {
      const uid = pod.metadata?.uid ?? '';
      const ns = pod.metadata?.namespace ?? '';
      const name = pod.metadata?.name ?? '';
      const sbs = sandboxes.filter((s) => s.uid === uid).sort((a, b) => b.createdAt - a.createdAt);
      if (sbs.length === 0) continue;
      const sandboxIds = new Set(sbs.map((s) => s.id));
      // The latest attempt of each running container.
      const latest = new Map<string, (typeof containers)[number]>();
      for (const c of containers) {
        if (!sandboxIds.has(c.sandboxId) || c.state !== 'CONTAINER_RUNNING') continue;
        const cur = latest.get(c.name);
        if (!cur || c.createdAt > cur.createdAt) latest.set(c.name, c);
      }
      const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
      const cs: ContainerStats[] = [];
      let ephemeralBytes = 0;
      let ephemeralInodes = 0;
      for (const c of latest.values()) {
        const s = statsById.get(c.id);
        const logs = await this.cachedUsage(join(podLogDirectory(ns, name, uid, logsRoot), c.name));
        const rootfsUsed = s?.writableLayer?.usedBytes?.value;
        ephemeralBytes += (rootfsUsed ?? 0) + (logs?.bytes ?? 0);
        ephemeralInodes += (s?.writableLayer?.inodesUsed?.value ?? 0) + (logs?.inodes ?? 0);
        const started = statuses.find((x) => x.name === c.name)?.state?.running?.startedAt;
        cs.push({
          name: c.name,
          startTime: started ?? new Date(c.createdAt).toISOString(),
          cpu: this.cpu(`c/${c.id}`, s?.cpu, time),
          memory: this.memory(s?.memory, time),
          rootfs: imageFs
            ? { ...imageFs, usedBytes: rootfsUsed ?? 0, inodesUsed: s?.writableLayer?.inodesUsed?.value }
            : undefined,
          logs: logsFs ? { time, ...logsFs, usedBytes: logs?.bytes ?? 0, inodesUsed: logs?.inodes ?? 0 } : undefined,
        });
      }
      const volumes = await this.volumeStats(uid, pod, time);
      for (const v of volumes) {
        if (!v.ephemeral) continue;
        ephemeralBytes += v.stats.usedBytes ?? 0;
        ephemeralInodes += v.stats.inodesUsed ?? 0;
      }
      const sb = sbs.map((s) => sandboxStatsById.get(s.id)).find((s) => s?.linux);
      const podCpu = sb?.linux?.cpu ? this.cpu(`p/${uid}`, sb.linux.cpu, time) : sumCpu(cs, time);
      const podMem = sb?.linux?.memory ? this.memory(sb.linux.memory, time) : sumMemory(cs, time);
      const iface = sb?.linux?.network?.defaultInterface;
      pods.push({
        podRef: { name, namespace: ns, uid },
        startTime: pod.status?.startTime ?? new Date(sbs[sbs.length - 1].createdAt).toISOString(),
        containers: cs,
        cpu: podCpu,
        memory: podMem,
        ...(iface
          ? {
              network: {
                time,
                name: iface.name,
                rxBytes: iface.rxBytes?.value,
                rxErrors: iface.rxErrors?.value,
                txBytes: iface.txBytes?.value,
                txErrors: iface.txErrors?.value,
              },
            }
          : {}),
        volume: volumes.map((v) => v.stats),
        'ephemeral-storage': nodefs
          ? { time, ...nodefs, usedBytes: ephemeralBytes, inodesUsed: ephemeralInodes }
          : undefined,
        ...(sb?.linux?.process?.processCount
          ? { process_stats: { process_count: sb.linux.process.processCount.value } }
          : {}),
      });
    }

    const self = process.memoryUsage();
    const selfCpu = process.cpuUsage();
    return {
      node: {
        nodeName: this.opts.nodeName,
        startTime: new Date(boot ?? 0).toISOString(),
        systemContainers: [
          {
            name: 'kubelet',
            startTime: new Date(Date.now() - process.uptime() * 1000).toISOString(),
            cpu: { time, usageCoreNanoSeconds: (selfCpu.user + selfCpu.system) * 1000 },
            memory: { time, usageBytes: self.rss, workingSetBytes: self.rss, rssBytes: self.rss },
          },
        ],
        cpu:
          cpuNs === undefined
            ? undefined
            : { time, ...(nodeRate !== undefined ? { usageNanoCores: nodeRate } : {}), usageCoreNanoSeconds: cpuNs },
        memory: {
          time,
          availableBytes: mem.availableBytes,
          usageBytes: mem.usageBytes,
          workingSetBytes: mem.workingSetBytes,
          rssBytes: mem.rssBytes,
        },
        ...(primary ? { network: { time, ...primary, interfaces: nics } } : {}),
        fs: nodefs ? { time, ...nodefs } : undefined,
        runtime: imageFs ? { imageFs, containerFs: imageFs } : undefined,
        rlimit: { time, ...limits },
      },
      pods,
    };
  }

  private async volumeStats(
    uid: string,
    pod: Pod,
    time: string,
  ): Promise<{ stats: VolumeStats; ephemeral: boolean }[]> {
    const root = join(this.opts.rootDir, 'pods', uid, 'volumes');
    const out: { stats: VolumeStats; ephemeral: boolean }[] = [];
    let plugins: string[];
    try {
      plugins = await readdir(root);
    } catch {
      return out;
    }
    for (const plugin of plugins.sort()) {
      let names: string[] = [];
      try {
        names = await readdir(join(root, plugin));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        const dir = join(root, plugin, name);
        const used = await this.cachedUsage(dir);
        const fs = await filesystemStats(dir);
        const medium = pod.spec?.volumes?.find((v) => v.name === name)?.emptyDir?.medium;
        out.push({
          stats: { time, name, ...fs, usedBytes: used?.bytes ?? 0, inodesUsed: used?.inodes ?? 0 },
          ephemeral: ephemeralPlugins.has(plugin) && medium !== 'Memory',
        });
      }
    }
    return out;
  }
}

function sumCpu(cs: ContainerStats[], time: string): CPUStats | undefined {
  const with_ = cs.filter((c) => c.cpu);
  if (with_.length === 0) return undefined;
  const nano = with_.every((c) => c.cpu!.usageNanoCores !== undefined)
    ? with_.reduce((a, c) => a + c.cpu!.usageNanoCores!, 0)
    : undefined;
  return {
    time,
    ...(nano !== undefined ? { usageNanoCores: nano } : {}),
    usageCoreNanoSeconds: with_.reduce((a, c) => a + (c.cpu!.usageCoreNanoSeconds ?? 0), 0),
  };
}

function sumMemory(cs: ContainerStats[], time: string): MemoryStats | undefined {
  const with_ = cs.filter((c) => c.memory);
  if (with_.length === 0) return undefined;
  const sum = (k: 'usageBytes' | 'workingSetBytes' | 'rssBytes') => with_.reduce((a, c) => a + (c.memory![k] ?? 0), 0);
  return { time, usageBytes: sum('usageBytes'), workingSetBytes: sum('workingSetBytes'), rssBytes: sum('rssBytes') };
}

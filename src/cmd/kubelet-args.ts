/**
 * `--kubelet-arg key=value` (k3s): upstream kubelet flags passed through to
 * the node agent. Each supported key maps onto a typed option (KubeletOptions,
 * the kubelet server's bind address, container/image GC policy, eviction);
 * an unknown key or a bad value is a UsageError naming the flag, so a typo
 * never silently does nothing. Values use the kubelet's own syntax: Go
 * durations (`10s`), `k=v,k=v` maps, `signal<quantity` eviction thresholds.
 */
import { UsageError } from '../cli/flags.js';
import { parseDurationMs } from '../api/values/duration.js';
import type { KubeletOptions } from '../node/kubelet/index.js';
import type { ContainerGCPolicy, ImageGCPolicy } from '../node/kubelet/gc/index.js';
import { parseThresholds } from '../node/kubelet/eviction/index.js';

export interface KubeletArgs {
  kubelet: Partial<KubeletOptions>;
  /** `--address`: where the kubelet server listens (upstream default 0.0.0.0). */
  address?: string;
  containerGC: Partial<ContainerGCPolicy>;
  imageGC: Partial<ImageGCPolicy>;
  /** `--eviction-pressure-transition-period`. */
  evictionPressureTransitionPeriodMs?: number;
}

type Apply = (into: KubeletArgs, value: string, flag: string) => void;

const bad = (flag: string, value: string, want: string) =>
  new UsageError(`--kubelet-arg: invalid argument ${JSON.stringify(value)} for "--${flag}" flag: ${want}`);

function int(flag: string, v: string, min = 0): number {
  if (!/^-?\d+$/.test(v) || Number(v) < min) throw bad(flag, v, `want an integer >= ${min}`);
  return Number(v);
}

function bool(flag: string, v: string): boolean {
  if (v !== 'true' && v !== 'false') throw bad(flag, v, 'want true or false');
  return v === 'true';
}

function duration(flag: string, v: string): number {
  try {
    const ms = parseDurationMs(v);
    if (ms < 0) throw new Error('negative');
    return ms;
  } catch {
    throw bad(flag, v, 'want a duration such as 10s, 1m30s or 500ms');
  }
}

function map(flag: string, v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(flag, v, 'want key=value pairs separated by commas');
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function evictionMap(flag: string, v: string): Record<string, string> {
  try {
    parseThresholds(v);
  } catch (err) {
    throw bad(flag, v, (err as Error).message);
  }
  const out: Record<string, string> = {};
  for (const part of v.split(',').filter(Boolean)) {
    const lt = part.indexOf('<');
    out[part.slice(0, lt).trim()] = part.slice(lt + 1).trim();
  }
  return out;
}

const percent = (flag: string, v: string) => {
  const n = int(flag, v);
  if (n > 100) throw bad(flag, v, 'want a percentage between 0 and 100');
  return n;
};

const k = (into: KubeletArgs, patch: Partial<KubeletOptions>) => Object.assign(into.kubelet, patch);

/** Supported keys, by upstream kubelet flag name. */
export const kubeletArgTable: Record<string, Apply> = {
  address: (o, v) => (o.address = v),
  port: (o, v, f) => k(o, { kubeletPort: int(f, v) }),
  'max-pods': (o, v, f) => k(o, { maxPods: int(f, v, 1) }),
  'root-dir': (o, v) => k(o, { dataDir: v }),
  'cgroup-root': (o, v, f) => {
    if (!v.startsWith('/')) throw bad(f, v, 'want an absolute cgroup path');
    k(o, { cgroupRoot: v });
  },
  'cgroup-driver': (o, v, f) => {
    if (v !== 'cgroupfs' && v !== 'systemd') throw bad(f, v, 'want cgroupfs or systemd');
    k(o, { cgroupDriver: v });
  },
  'cgroups-per-qos': (o, v, f) => k(o, { podCgroups: bool(f, v) }),
  'resolv-conf': (o, v) => k(o, { resolvConf: v }),
  'cluster-dns': (o, v) => k(o, { clusterDNS: v.split(',').filter(Boolean) }),
  'cluster-domain': (o, v) => k(o, { clusterDomain: v }),
  'pod-cidr': (o, v) => k(o, { podCIDR: v }),
  'pod-infra-container-image': (o, v) => k(o, { podInfraImage: v }),
  'system-reserved': (o, v, f) => k(o, { systemReserved: map(f, v) }),
  'kube-reserved': (o, v, f) => k(o, { kubeReserved: map(f, v) }),
  'eviction-hard': (o, v, f) => k(o, { evictionHard: evictionMap(f, v) }),
  'eviction-pressure-transition-period': (o, v, f) => (o.evictionPressureTransitionPeriodMs = duration(f, v)),
  'node-status-update-frequency': (o, v, f) => k(o, { nodeStatusUpdateFrequencyMs: duration(f, v) }),
  'node-status-report-frequency': (o, v, f) => k(o, { nodeStatusReportFrequencyMs: duration(f, v) }),
  'node-lease-duration-seconds': (o, v, f) => k(o, { leaseDurationSeconds: int(f, v, 1) }),
  'sync-frequency': (o, v, f) => k(o, { syncFrequencyMs: duration(f, v) }),
  'runtime-request-timeout': (o, v, f) => k(o, { runtimeRequestTimeoutMs: duration(f, v) }),
  'image-gc-high-threshold': (o, v, f) => (o.imageGC.highThresholdPercent = percent(f, v)),
  'image-gc-low-threshold': (o, v, f) => (o.imageGC.lowThresholdPercent = percent(f, v)),
  'minimum-image-ttl-duration': (o, v, f) => (o.imageGC.minAgeMs = duration(f, v)),
  'image-maximum-gc-age': (o, v, f) => (o.imageGC.maxAgeMs = duration(f, v)),
  'minimum-container-ttl-duration': (o, v, f) => (o.containerGC.minAgeMs = duration(f, v)),
  'maximum-dead-containers-per-container': (o, v, f) => (o.containerGC.maxPerPodContainer = int(f, v, -1)),
  'maximum-dead-containers': (o, v, f) => (o.containerGC.maxContainers = int(f, v, -1)),
};

/** Parses `--kubelet-arg` values (`key=value`, a leading `--` is allowed); later keys win. */
export function parseKubeletArgs(args: readonly string[]): KubeletArgs {
  const out: KubeletArgs = { kubelet: {}, containerGC: {}, imageGC: {} };
  for (const arg of args) {
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const key = eq < 0 ? body : body.slice(0, eq);
    const apply = Object.hasOwn(kubeletArgTable, key) ? kubeletArgTable[key] : undefined;
    if (!apply) {
      throw new UsageError(
        `--kubelet-arg: unknown kubelet flag "${key}"; supported: ${Object.keys(kubeletArgTable).sort().join(', ')}`,
      );
    }
    if (eq < 0) throw new UsageError(`--kubelet-arg ${key} needs a value, e.g. --kubelet-arg=${key}=VALUE`);
    apply(out, body.slice(eq + 1), key);
  }
  const { highThresholdPercent: hi, lowThresholdPercent: lo } = out.imageGC;
  if (hi !== undefined && lo !== undefined && lo > hi) {
    throw new UsageError(
      `--kubelet-arg: image-gc-low-threshold (${lo}) must not exceed image-gc-high-threshold (${hi})`,
    );
  }
  return out;
}

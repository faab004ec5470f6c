/**
 * The kubelet's typed configuration (DESIGN.md convention 10): `KubeletOptions`
 * as the composer gives them, `defaultKubeletConfig` fills in the upstream
 * defaults (KubeletConfiguration v1beta1) and checks what cannot work. Nothing
 * here reads argv; `kubets agent` / `kubets server` build the options.
 */
import type { Taint } from 'kubernetes-types/core/v1.js';
import type { RestClient } from '../../client/index.js';
import { type Clock, realClock } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import type { ContainerRuntime } from '../runtime/index.js';
import { pauseImage } from '../runtime/index.js';
import type { SignalSource } from './eviction/types.js';
import type { ContainerGCPolicy } from './gc/container-gc.js';
import type { ImageGCPolicy } from './gc/image-gc.js';
import type { Summary } from './server/stats/summary-types.js';
import type { KubeletServerDeps } from './server/types.js';
import type { VolumeManager } from './volumes/types.js';

/** Resource amounts as quantities (`cpu: '100m'`, `memory: '256Mi'`, `ephemeral-storage: '1Gi'`, `pid: '1000'`). */
export type ResourceAmounts = Record<string, string>;

/** The CNI network the kubelet writes for the runtime once it knows the node's pod CIDR. */
export interface CniOptions {
  /** The runtime's CNI conf dir (ManagedContainerd `paths.cniConfDir`). */
  confDir: string;
  /** Default `cni0`. */
  bridgeName?: string;
  /** host-local's allocation records; default CNI's /var/lib/cni/networks. */
  ipamDataDir?: string;
  /** Default true. */
  ipMasq?: boolean;
}

/** The node's HTTPS endpoint (logs, exec, attach, port-forward, stats), built by whoever owns it. */
export interface RunningKubeletServer extends Disposable {
  /** The port it listens on (reported as `daemonEndpoints.kubeletEndpoint.Port`). */
  port: number;
}

export type KubeletServerFactory = (deps: KubeletServerDeps, config: KubeletConfig) => Promise<RunningKubeletServer>;

/** What the eviction manager reports; the node conditions follow it. */
export interface NodePressure {
  memoryPressure: boolean;
  diskPressure: boolean;
  pidPressure: boolean;
}

export interface KubeletOptions {
  nodeName: string;
  /** The node's InternalIP (also status.hostIP of its pods). */
  nodeIP: string;
  /** The kubelet's root directory (`/var/lib/kubelet`): pods/<uid>/{etc-hosts,containers,volumes}. */
  dataDir: string;
  /** A client acting as `system:node:<nodeName>`. */
  rest: RestClient;
  /** The container runtime; the kubelet does not close it. */
  runtime: ContainerRuntime;
  volumes: VolumeManager;
  clusterDNS?: string[];
  clusterDomain?: string;
  /** Host resolver file merged into pods' DNS; '' disables it (upstream `--resolv-conf=""`). */
  resolvConf?: string;
  /**
   * The sandbox image (`--pod-infra-container-image`). CRI RunPodSandbox takes no image: the
   * runtime's own config names it (containerd `sandbox_image`, which node-runtime.ts writes
   * from the same value). The kubelet uses it to pin the image against image GC.
   */
  podInfraImage?: string;
  maxPods?: number;
  systemReserved?: ResourceAmounts;
  kubeReserved?: ResourceAmounts;
  /**
   * Hard eviction thresholds (`--eviction-hard`), quantity or %; default upstream's
   * (memory.available 100Mi, nodefs.available 10%, nodefs.inodesFree 5%, imagefs.available 15%,
   * imagefs.inodesFree 5%). `memory.available` and `nodefs.available` are also subtracted from
   * allocatable. `{}` disables eviction.
   */
  evictionHard?: Record<string, string>;
  /** `--eviction-pressure-transition-period` (default 5 min). */
  evictionPressureTransitionPeriodMs?: number;
  /** How often the eviction manager observes and acts (default 10 s). */
  evictionMonitoringPeriodMs?: number;
  /** The runtime's image store (imagefs signals; containerd's root). Omitted: no imagefs signals. */
  imageFsDir?: string;
  /** Where the eviction signals come from (default: this host, see eviction/signals.ts). */
  evictionSignals?: SignalSource;
  /** The pods' usage for eviction ranking (default: the Summary API provider over `runtime`). */
  podStats?: () => Promise<Summary>;
  /** Root of the pod log directories, as the runtime writes them (default /var/log/pods). */
  podLogsRoot?: string;
  containerGC?: Partial<ContainerGCPolicy>;
  imageGC?: Partial<ImageGCPolicy>;
  /** Port advertised when no server factory is given (default 10250). */
  kubeletPort?: number;
  /** Serving certificate and client CA for the kubelet server (passed to `server`). */
  tls?: { certFile: string; keyFile: string; clientCAFile?: string };
  /** Extra labels to register the Node with (only ones NodeRestriction lets a kubelet set). */
  nodeLabels?: Record<string, string>;
  registerWithTaints?: Taint[];
  /** Pod CIDR used until/unless the Node has `spec.podCIDR` (upstream `--pod-cidr`, standalone use). */
  podCIDR?: string;
  /** false: the kubelet writes no CNI config (someone else manages the pod network). */
  cni?: CniOptions | false;
  /** Parent of the pod cgroups (`/` -> /kubepods/...); must match the runtime's cgroup driver. */
  cgroupRoot?: string;
  cgroupDriver?: 'cgroupfs' | 'systemd';
  /** Create pod-level cgroups with the pods' limits (cgroupfs driver only); default true. */
  podCgroups?: boolean;
  /** Starts the kubelet's HTTPS server with the kubelet's view of its pods. */
  server?: KubeletServerFactory;
  /** Node status is computed this often and patched when it changed (default 10 s). */
  nodeStatusUpdateFrequencyMs?: number;
  /** Unchanged node status is still patched this often (default 5 min). */
  nodeStatusReportFrequencyMs?: number;
  leaseDurationSeconds?: number;
  /** Default: a quarter of the lease duration (10 s). */
  leaseRenewIntervalMs?: number;
  /** PLEG relist period (default 1 s). */
  plegRelistPeriodMs?: number;
  /** Every pod is re-synced at least this often (default 60 s; volumes are refreshed then). */
  syncFrequencyMs?: number;
  /** Crash-loop back-off: first delay and cap (default 10 s and 5 min). */
  crashLoopBackoff?: { initialMs: number; maxMs: number };
  /** Pod status patches per second across pods (default 50, burst 100). */
  statusQPS?: number;
  /** Upper bound on one CRI call (default 2 min; stop calls add their grace period). */
  runtimeRequestTimeoutMs?: number;
  /** Facts normally read from the host (tests override them). */
  host?: Partial<HostOverrides>;
  clock?: Clock;
  log?: Logger;
}

export interface HostOverrides {
  cpuCores: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  maxPids: number;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
}

type OptionalConfig =
  'tls' | 'podCIDR' | 'server' | 'host' | 'cni' | 'registerWithTaints' | 'imageFsDir' | 'evictionSignals' | 'podStats';

export type KubeletConfig = Required<Omit<KubeletOptions, OptionalConfig>> & {
  tls?: KubeletOptions['tls'];
  podCIDR?: string;
  server?: KubeletServerFactory;
  imageFsDir?: string;
  evictionSignals?: SignalSource;
  podStats?: () => Promise<Summary>;
  host: Partial<HostOverrides>;
  cni: CniOptions | false;
  registerWithTaints: Taint[];
};

/** Applies defaults; throws on options that cannot work. */
export function defaultKubeletConfig(o: KubeletOptions): KubeletConfig {
  if (!o.nodeName) throw new Error('kubelet: nodeName is required');
  if (o.nodeName !== o.nodeName.toLowerCase()) throw new Error(`kubelet: node name ${o.nodeName} must be lowercase`);
  if (!o.nodeIP) throw new Error('kubelet: nodeIP is required');
  if (!o.dataDir) throw new Error('kubelet: dataDir is required');
  const leaseDurationSeconds = o.leaseDurationSeconds ?? 40;
  const cfg: KubeletConfig = {
    nodeName: o.nodeName,
    nodeIP: o.nodeIP,
    dataDir: o.dataDir,
    rest: o.rest,
    runtime: o.runtime,
    volumes: o.volumes,
    clusterDNS: o.clusterDNS ?? ['10.43.0.10'],
    clusterDomain: o.clusterDomain ?? 'cluster.local',
    resolvConf: o.resolvConf ?? '/etc/resolv.conf',
    podInfraImage: o.podInfraImage ?? pauseImage,
    maxPods: o.maxPods ?? 110,
    systemReserved: o.systemReserved ?? {},
    kubeReserved: o.kubeReserved ?? {},
    evictionHard: o.evictionHard ?? {
      'memory.available': '100Mi',
      'nodefs.available': '10%',
      'nodefs.inodesFree': '5%',
      'imagefs.available': '15%',
      'imagefs.inodesFree': '5%',
    },
    evictionPressureTransitionPeriodMs: o.evictionPressureTransitionPeriodMs ?? 5 * 60_000,
    evictionMonitoringPeriodMs: o.evictionMonitoringPeriodMs ?? 10_000,
    imageFsDir: o.imageFsDir,
    evictionSignals: o.evictionSignals,
    podStats: o.podStats,
    podLogsRoot: o.podLogsRoot ?? '/var/log/pods',
    containerGC: o.containerGC ?? {},
    imageGC: o.imageGC ?? {},
    kubeletPort: o.kubeletPort ?? 10250,
    tls: o.tls,
    nodeLabels: o.nodeLabels ?? {},
    registerWithTaints: o.registerWithTaints ?? [],
    podCIDR: o.podCIDR,
    cni: o.cni ?? false,
    cgroupRoot: o.cgroupRoot ?? '/',
    cgroupDriver: o.cgroupDriver ?? 'cgroupfs',
    podCgroups: o.podCgroups ?? true,
    server: o.server,
    nodeStatusUpdateFrequencyMs: o.nodeStatusUpdateFrequencyMs ?? 10_000,
    nodeStatusReportFrequencyMs: o.nodeStatusReportFrequencyMs ?? 300_000,
    leaseDurationSeconds,
    leaseRenewIntervalMs: o.leaseRenewIntervalMs ?? (leaseDurationSeconds * 1000) / 4,
    plegRelistPeriodMs: o.plegRelistPeriodMs ?? 1000,
    syncFrequencyMs: o.syncFrequencyMs ?? 60_000,
    crashLoopBackoff: o.crashLoopBackoff ?? { initialMs: 10_000, maxMs: 300_000 },
    statusQPS: o.statusQPS ?? 50,
    runtimeRequestTimeoutMs: o.runtimeRequestTimeoutMs ?? 120_000,
    host: o.host ?? {},
    clock: o.clock ?? realClock,
    log: o.log ?? nullLogger,
  };
  if (!cfg.cgroupRoot.startsWith('/')) throw new Error(`kubelet: cgroupRoot ${cfg.cgroupRoot} must be absolute`);
  if (cfg.maxPods < 1) throw new Error('kubelet: maxPods must be at least 1');
  return cfg;
}

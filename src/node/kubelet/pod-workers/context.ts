/**
 * What the pod workers need from the rest of the kubelet, gathered in one
 * object so the workers can be driven by a fake runtime and fake volumes in
 * unit tests. `kubelet.ts` builds the real one.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { PodCgroups } from '../cm/pod-cgroups.js';
import type { DnsConfig } from '../container-config/dns.js';
import type { NodeAllocatable, ObjectSource } from '../container-config/env.js';
import type { KubeletRuntime, RuntimeStateCache } from '../pleg/runtime-state.js';
import type { ProberManager } from '../prober/prober-manager.js';
import type { StatusManager } from '../status/status-manager.js';
import type { VolumeManager } from '../volumes/types.js';
import type { RestartBackoff } from './restart-backoff.js';

export type EventType = 'Normal' | 'Warning';

export interface PodEvents {
  /** An event on the pod; `fieldPath` names the container (`spec.containers{app}`). */
  pod(pod: Pod, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

export interface KubeletContext {
  nodeName: string;
  nodeIPs: string[];
  /** `<dataDir>/pods`: per-pod files (etc-hosts, termination logs). */
  podsDir: string;
  clusterDNS: string[];
  clusterDomain: string;
  /** The host resolver config (undefined: `--resolv-conf=""`). */
  hostDns(): DnsConfig | undefined;
  /** The node's /etc/hosts text, for host-network pods. */
  nodeHosts(): string;
  runtime: KubeletRuntime;
  /** CRI runtime name for container IDs (`containerd`). */
  runtimeName(): string;
  state: RuntimeStateCache;
  status: StatusManager;
  prober: ProberManager;
  volumes: VolumeManager;
  cgroups: PodCgroups;
  restartBackoff: RestartBackoff;
  imageBackoff: RestartBackoff;
  objects: ObjectSource;
  services(): Iterable<Service>;
  allocatable(): NodeAllocatable;
  memoryCapacityBytes(): number;
  events: PodEvents;
  /** Every pod is synced again at least this often. */
  syncFrequencyMs: number;
  clock: Clock;
  log: Logger;
}

/**
 * TypeScript shapes of the CRI image and statistics messages, decoded the same
 * way as types.ts describes (camelCase, numbers for 64-bit integers, all fields
 * present, unset sub-messages `null`).
 */
import type { ContainerMetadata, ImageSpec, Int64Value, Labels, PodSandboxMetadata } from './types.js';

export interface Image {
  /** The image ID (`sha256:<config digest>` for containerd). */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid: Int64Value | null;
  username: string;
  spec: ImageSpec | null;
  pinned: boolean;
}

export interface ImageStatusResponse {
  /** `null` when the runtime does not have the image (not an error in CRI). */
  image: Image | null;
  info: Labels;
}

export interface AuthConfig {
  username: string;
  password: string;
  auth: string;
  serverAddress: string;
  identityToken: string;
  registryToken: string;
}

export interface UInt64Value {
  value: number;
}

export interface FilesystemUsage {
  timestamp: number;
  fsId: { mountpoint: string } | null;
  usedBytes: UInt64Value | null;
  inodesUsed: UInt64Value | null;
}

export interface ImageFsInfoResponse {
  imageFilesystems: FilesystemUsage[];
  containerFilesystems: FilesystemUsage[];
}

export interface CpuUsage {
  timestamp: number;
  usageCoreNanoSeconds: UInt64Value | null;
  usageNanoCores: UInt64Value | null;
}

export interface MemoryUsage {
  timestamp: number;
  workingSetBytes: UInt64Value | null;
  availableBytes: UInt64Value | null;
  usageBytes: UInt64Value | null;
  rssBytes: UInt64Value | null;
  pageFaults: UInt64Value | null;
  majorPageFaults: UInt64Value | null;
}

export interface ContainerStats {
  attributes: { id: string; metadata: ContainerMetadata | null; labels: Labels; annotations: Labels } | null;
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  writableLayer: FilesystemUsage | null;
  swap: { timestamp: number; swapAvailableBytes: UInt64Value | null; swapUsageBytes: UInt64Value | null } | null;
}

export interface ContainerStatsFilter {
  id: string;
  podSandboxId: string;
  labelSelector: Labels;
}

export interface NetworkInterfaceUsage {
  name: string;
  rxBytes: UInt64Value | null;
  rxErrors: UInt64Value | null;
  txBytes: UInt64Value | null;
  txErrors: UInt64Value | null;
}

export interface PodSandboxStats {
  attributes: { id: string; metadata: PodSandboxMetadata | null; labels: Labels; annotations: Labels } | null;
  linux: {
    cpu: CpuUsage | null;
    memory: MemoryUsage | null;
    network: {
      timestamp: number;
      defaultInterface: NetworkInterfaceUsage | null;
      interfaces: NetworkInterfaceUsage[];
    } | null;
    process: { timestamp: number; processCount: UInt64Value | null } | null;
    containers: ContainerStats[];
  } | null;
}

export interface PodSandboxStatsFilter {
  id: string;
  labelSelector: Labels;
}

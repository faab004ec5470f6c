/**
 * The node's container runtime layer: a CRI v1 client, the facade the kubelet
 * drives pods through, the containerd kubets manages itself, locally built
 * images (pause, busybox, httpd) with import through ctr, the pod network's CNI
 * config and the CRI log format.
 */
export * from './cri/types.js';
export * from './cri/image-stats-types.js';
export * from './cri/errors.js';
export {
  CriClient,
  socketPathOf,
  criApiVersion,
  defaultCriTimeoutMs,
  type CallOptions,
  type CriClientOptions,
} from './cri/cri-client.js';
export * from './runtime-types.js';
export {
  ContainerRuntime,
  ImagePolicyError,
  type ContainerSummary,
  type PullPolicy,
  type RuntimeOptions,
  type SandboxSummary,
} from './runtime.js';
export { cpuQuotaFromMilli, cpuSharesFromMilli, defaultCpuPeriod, labels as runtimeLabels } from './spec-convert.js';
export { ManagedContainerd, type ManagedContainerdOptions, type StopOptions } from './containerd/managed-containerd.js';
export { containerdPaths, renderContainerdConfig, type ContainerdPaths } from './containerd/config.js';
export { detectCgroupDriver, overlaySupported, type CgroupDriver } from './containerd/host-probe.js';
export { importImage, CtrError, criNamespace, type ImportedImage, type ImportImageOptions } from './containerd/ctr.js';
export { bridgeCniConfig, writeBridgeCniConfig, type BridgeCniOptions } from './cni/bridge-config.js';
export * from './logs/cri-log.js';
export {
  buildTestImages,
  busyboxImage,
  httpdImage,
  pauseImage,
  type BuildTestImagesOptions,
  type TestImageResult,
} from './images/test-images.js';
export { ensureLocalImages, localImageRefs, type LocalImage } from './images/local-images.js';
export { listImages, pullImage, removeImage } from './images/image-commands.js';

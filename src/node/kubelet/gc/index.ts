/** Container, sandbox, pod-log and image garbage collection. */
export {
  ContainerGC,
  defaultContainerGCPolicy,
  type ContainerGCOptions,
  type ContainerGCPolicy,
  type ContainerGCResult,
  type PodStateProvider,
} from './container-gc.js';
export {
  ImageGC,
  defaultImageGCPolicy,
  type ImageFsUsage,
  type ImageGCOptions,
  type ImageGCPolicy,
  type ImageGCResult,
} from './image-gc.js';
export { GarbageCollector, containerGCPeriodMs, imageGCPeriodMs, type GarbageCollectorOptions } from './gc-loops.js';

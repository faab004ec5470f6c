/**
 * Node-pressure eviction: signals, hard thresholds, pressure conditions,
 * ranking of pods to evict and the messages their status carries.
 */
export * from './types.js';
export { EvictionManager, type EvictionDecision, type EvictionManagerOptions } from './eviction-manager.js';
export { NodeSignalSource, type NodeSignalSourceOptions } from './signals.js';
export {
  defaultEvictionHard,
  parseThresholds,
  thresholdsFromMap,
  thresholdsMet,
  thresholdQuantity,
} from './thresholds.js';
export { evictedPodStatus, evictedReason, evictionMessage, localStorageViolation } from './messages.js';
export { isCriticalPod, qosClass, rankForDisk, rankForMemory, rankForPids, type QOSClass } from './ranking.js';
export {
  EvictionLoop,
  evictedStatusAmender,
  evictionMonitoringPeriodMs,
  type EvictionLoopOptions,
} from './eviction-loop.js';

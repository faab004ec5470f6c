/**
 * The scheduler's public surface: what a composition root (cmd/) and the
 * informer/API adapter use. Plugins and internals are imported from their
 * own modules.
 */
export { Scheduler, truncateMessage, type SchedulerOptions } from './scheduler.js';
export { defaultConfiguration } from './config/defaults.js';
export { ConfigError, decodeConfiguration, loadConfiguration, loadConfigurationFile } from './config/load.js';
export type { KubeSchedulerConfiguration, ResolvedConfiguration, ResolvedProfile } from './config/types.js';
export type {
  Binder,
  EventRecorder,
  Listers,
  MetricsSource,
  ObjectLister,
  Plugin,
  PluginFactory,
  PodDeleter,
  Ports,
  Registry,
  StatusUpdater,
  VolumeBinderPort,
} from './framework/interfaces.js';
export type { EventResource } from './framework/events.js';
export { inTreeRegistry } from './plugins/registry.js';
export { Names as PluginNames } from './plugins/names.js';

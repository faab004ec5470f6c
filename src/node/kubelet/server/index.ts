/**
 * The kubelet API server: its dependency contract (types.ts), the HTTPS
 * server, and the pieces the rest of the kubelet reuses — the Summary API
 * provider (also the eviction manager's source of pod usage) and its types.
 */
export type { KubeletServerDeps } from './types.js';
export {
  startKubeletServer,
  parseStreamingPath,
  type KubeletServerOptions,
  type RunningKubeletServer,
} from './kubelet-server.js';
export { SummaryProvider, type SummaryProviderOptions } from './stats/summary-provider.js';
export type * from './stats/summary-types.js';
export {
  authenticateTls,
  isApiServer,
  requestAttributes,
  type KubeletUser,
  type KubeletRequestAttributes,
} from './auth.js';
export { criRemoteCommandHandler } from './exec/cri-remote-command.js';
export { readContainerLog, type LogReadOptions } from './logs/log-reader.js';
export { logTargetFromStatus, parsePodLogQuery } from './logs/container-logs.js';

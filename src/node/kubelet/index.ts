/**
 * The kubelet core: `startKubelet(options)` runs a node agent against the API
 * server and a CRI runtime. The composer (`src/cmd`) supplies the node's
 * client, the runtime, the VolumeManager (volumes/) and the server factory
 * (server/); see config.ts for every option and its default.
 */
export { Kubelet, startKubelet } from './kubelet.js';
export {
  defaultKubeletConfig,
  type CniOptions,
  type HostOverrides,
  type KubeletConfig,
  type KubeletOptions,
  type KubeletServerFactory,
  type NodePressure,
  type ResourceAmounts,
  type RunningKubeletServer,
} from './config.js';
export { podFieldValue, resourceFieldValue, type NodeAllocatable } from './container-config/env.js';
export { expandVars } from './container-config/expand.js';
export { podQOSClass, type QOSClass } from './container-config/resources.js';
export { nodeLeaseNamespace } from './lease/node-lease.js';

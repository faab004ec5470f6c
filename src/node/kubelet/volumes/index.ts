/**
 * Pod volumes on the node: the VolumeManager contract (types.ts) and its
 * implementation, plus the pieces other kubelet code may reuse (the atomic
 * writer, hostPath checks, downward API field extraction).
 */
export type { PreparedVolume, VolumeManager } from './types.js';
export {
  KubeletVolumeManager,
  VolumeSetupError,
  createVolumeManager,
  mountFailure,
  pluginDirs,
  type VolumeManagerOptions,
} from './volume-manager.js';
export { ServiceAccountTokenManager, type TokenRequestFor } from './token-manager.js';
export { atomicWrite, invalidPayloadPath, type FileProjection, type Payload } from './atomic-writer.js';
export { checkHostPathType } from './sources/host-path.js';
export { extractFieldPath, extractResourceValue, formatMap } from './sources/downward-api.js';

import type { Pod } from 'kubernetes-types/core/v1.js';
export interface PreparedVolume {
  hostPath: string;
  readOnly: boolean; /** SELinux relabel etc. not supported */
}
export interface VolumeManager {
  /** Prepares every volume of the pod (idempotent); host paths by volume name, for CRI mounts. Throws with a message suitable for a FailedMount event. */
  setUpPod(pod: Pod, signal?: AbortSignal): Promise<Map<string, PreparedVolume>>;
  /** Removes the pod's volumes after its containers are gone (idempotent). */
  tearDownPod(podUid: string): Promise<void>;
  /** Periodic refresh of configMap/secret/downwardAPI/projected contents (atomic swap) and token rotation. */
  resync(pod: Pod): Promise<void>;
  /** Pod UIDs that still have volume directories on disk (for cleanup after restarts). */
  podsOnDisk(): Promise<string[]>;
}

import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { DeploymentSync } from './deployment-sync.js';
import { actualReplicas, deploymentComplete, filterActive, replicasOf } from './deployment-util.js';
import { syncRolloutStatus } from './progress.js';

/**
 * Recreate (upstream recreate.go): scale every old ReplicaSet to zero, wait
 * until none of their pods is left running, then create/scale the new one.
 * `podsByRS` maps ReplicaSet UIDs to the pods they own.
 */
export async function rolloutRecreate(
  s: DeploymentSync,
  rsList: readonly ReplicaSet[],
  podsByRS: Map<string, Pod[]>,
): Promise<void> {
  let { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(rsList, false);
  let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) {
    if ((await s.scaleAndRecord(rs, 0)).scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(s, allRSs, newRS);
  if (oldPodsRunning(newRS, oldRSs, podsByRS)) return syncRolloutStatus(s, allRSs, newRS);
  if (!newRS) {
    ({ newRS, oldRSs } = await s.replicaSetsAndSyncRevision(rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  await s.scaleAndRecord(newRS!, replicasOf(s.d));
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(oldRSs);
  return syncRolloutStatus(s, allRSs, newRS);
}

/** Old ReplicaSets still report replicas, or own pods not yet finished (upstream oldPodsRunning). */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podsByRS: Map<string, Pod[]>): boolean {
  if (actualReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByRS) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')) return true;
  }
  return false;
}

import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { DeploymentSync } from './deployment-sync.js';
import { newRSNewReplicas } from './deployment-sync.js';
import {
  availableReplicas,
  byCreation,
  deploymentComplete,
  filterActive,
  maxUnavailable,
  replicasOf,
  specReplicas,
} from './deployment-util.js';
import { syncRolloutStatus } from './progress.js';

/**
 * RollingUpdate (upstream rolling.go): scale the new ReplicaSet up within
 * maxSurge, else scale old ones down within maxUnavailable (unhealthy
 * replicas first), else clean up history once complete; status every time.
 */
export async function rolloutRolling(s: DeploymentSync, rsList: readonly ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(rsList, true);
  const allRSs = [...oldRSs, newRS!];
  if (await reconcileNewReplicaSet(s, allRSs, newRS!)) return syncRolloutStatus(s, allRSs, newRS);
  if (await reconcileOldReplicaSets(s, allRSs, filterActive(oldRSs), newRS!))
    return syncRolloutStatus(s, allRSs, newRS);
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(oldRSs);
  return syncRolloutStatus(s, allRSs, newRS);
}

async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const want = replicasOf(s.d);
  if (replicasOf(newRS) === want) return false;
  if (replicasOf(newRS) > want) return (await s.scaleAndRecord(newRS, want)).scaled;
  return (await s.scaleAndRecord(newRS, newRSNewReplicas(s.d, allRSs, newRS))).scaled;
}

async function reconcileOldReplicaSets(
  s: DeploymentSync,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
  newRS: ReplicaSet,
): Promise<boolean> {
  if (specReplicas(oldRSs) === 0) return false;
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = specReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const { oldRSs: cleaned, scaledDown: cleanedUp } = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSets(s, [...cleaned, newRS], cleaned);
  return cleanedUp + scaledDown > 0;
}

/** Scales old ReplicaSets down by their unavailable replicas, oldest first, up to `max`. */
async function cleanupUnhealthyReplicas(
  s: DeploymentSync,
  oldRSs: ReplicaSet[],
  max: number,
): Promise<{ oldRSs: ReplicaSet[]; scaledDown: number }> {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const rs = sorted[i]!;
    if (total >= max) break;
    const size = replicasOf(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (size === 0 || size === available) continue;
    const count = Math.min(max - total, size - available);
    const { rs: updated } = await s.scaleAndRecord(rs, size - count);
    total += count;
    sorted[i] = updated;
  }
  return { oldRSs: sorted, scaledDown: total };
}

/** Scales old ReplicaSets down, oldest first, while availability stays above the minimum. */
async function scaleDownOldReplicaSets(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const available = availableReplicas(allRSs);
  if (available <= minAvailable) return 0;
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= toScaleDown) break;
    if (replicasOf(rs) === 0) continue;
    const count = Math.min(replicasOf(rs), toScaleDown - total);
    await s.scaleAndRecord(rs, replicasOf(rs) - count);
    total += count;
  }
  return total;
}

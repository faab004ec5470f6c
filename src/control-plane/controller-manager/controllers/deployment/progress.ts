import type { DeploymentCondition, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { DeploymentSync } from './deployment-sync.js';
import { sameStatus } from './deployment-sync.js';
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  newCondition,
  Reasons,
  removeCondition,
  setCondition,
} from './deployment-util.js';

/** ReplicaFailure conditions of the new ReplicaSet, else of any (upstream getReplicaFailures). */
function replicaFailures(
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): DeploymentCondition[] {
  const toDeployment = (rs: ReplicaSet | undefined): DeploymentCondition[] =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === 'ReplicaFailure')
      .map((c) => ({
        type: c.type,
        status: c.status,
        lastTransitionTime: c.lastTransitionTime,
        lastUpdateTime: c.lastTransitionTime,
        reason: c.reason,
        message: c.message,
      }));
  const fromNew = toDeployment(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(toDeployment);
}

/**
 * Status plus the Progressing condition during a rollout (upstream
 * syncRolloutStatus): NewReplicaSetAvailable once complete, ReplicaSetUpdated
 * (refreshing lastUpdateTime) on any progress, ProgressDeadlineExceeded when
 * no progress was seen for progressDeadlineSeconds. When nothing changed, asks
 * to be synced again when the deadline would pass.
 */
export async function syncRolloutStatus(
  s: DeploymentSync,
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): Promise<void> {
  const d = s.d;
  const status = s.calculateStatus(allRSs, newRS);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reasons.NewRSAvailable;
  const now = s.now();
  const name = newRS?.metadata?.name;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, status)) {
      const msg = name
        ? `ReplicaSet "${name}" has successfully progressed.`
        : `Deployment "${d.metadata!.name}" has successfully progressed.`;
      setCondition(status, newCondition('Progressing', 'True', Reasons.NewRSAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = name ? `ReplicaSet "${name}" is progressing.` : `Deployment "${d.metadata!.name}" is progressing.`;
      const cond = newCondition('Progressing', 'True', Reasons.ReplicaSetUpdated, msg, now);
      // Same reason again still refreshes lastUpdateTime: that is what the deadline is measured from.
      if (current) {
        if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, s.deps.clock.now())) {
      const msg = name
        ? `ReplicaSet "${name}" has timed out progressing.`
        : `Deployment "${d.metadata!.name}" has timed out progressing.`;
      setCondition(status, newCondition('Progressing', 'False', Reasons.TimedOut, msg, now));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  if (failures.length > 0) setCondition(status, failures[0]!);
  else removeCondition(status, 'ReplicaFailure');

  if (sameStatus(d.status, status)) {
    requeueStuckDeployment(s, status);
    return;
  }
  d.status = status;
  await s.writeStatus();
}

/** Schedules a progress check at lastUpdateTime + progressDeadlineSeconds (upstream requeueStuckDeployment). */
function requeueStuckDeployment(s: DeploymentSync, status: typeof s.d.status & object): void {
  const d = s.d;
  const current = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !current) return;
  if (deploymentComplete(d, status) || current.reason === Reasons.TimedOut) return;
  const last = Date.parse(current.lastUpdateTime ?? '') || 0;
  const after = last + d.spec!.progressDeadlineSeconds! * 1000 - s.deps.clock.now();
  s.requeueAfterMs = after < 1000 ? 0 : after + 1000;
}

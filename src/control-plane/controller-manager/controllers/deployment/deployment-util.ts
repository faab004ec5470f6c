import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { scaledValueFromIntOrPercent } from '../../../../api/values/int-or-string.js';

/** Annotations the deployment controller maintains (upstream deploymentutil). */
export const RevisionAnnotation = 'deployment.kubernetes.io/revision';
export const RevisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const DesiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const MaxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
const LastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
const RollbackToAnnotation = 'deprecated.deployment.rollback.to';
/** Longest revision-history annotation kept (upstream maxRevHistoryLengthInChars). */
export const maxRevHistoryLengthInChars = 2000;

/** Condition reasons, with upstream's values. */
export const Reasons = {
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  FailedRSCreate: 'ReplicaSetCreateError',
  NewReplicaSet: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  NewRSAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  PausedDeploy: 'DeploymentPaused',
  ResumedDeploy: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

const MaxInt32 = 2 ** 31 - 1;

export const replicasOf = (o: { spec?: { replicas?: number } } | undefined): number => o?.spec?.replicas ?? 1;

/** The revision annotation as a number; 0 when absent, NaN when unparsable (upstream Revision). */
export function revisionOf(rs: ReplicaSet | Deployment | undefined): number {
  const v = rs?.metadata?.annotations?.[RevisionAnnotation];
  if (v === undefined) return 0;
  return /^[+-]?[0-9]+$/.test(v) ? Number(v) : NaN;
}

/** The highest parsable revision (upstream MaxRevision). */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (!Number.isNaN(v) && v > max) max = v;
  }
  return max;
}

const created = (rs: ReplicaSet) => Date.parse(rs.metadata?.creationTimestamp ?? '') || 0;

/** Oldest first, ties by name (upstream ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Largest first; equal sizes oldest first (upstream ReplicaSetsBySizeOlder). */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet) => replicasOf(b) - replicasOf(a) || byCreation(a, b);
/** Largest first; equal sizes newest first (upstream ReplicaSetsBySizeNewer). */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet) => replicasOf(b) - replicasOf(a) || byCreation(b, a);
/** Lowest revision first, ties oldest first (upstream ReplicaSetsByRevision). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a) || 0;
  const rb = revisionOf(b) || 0;
  return ra === rb ? byCreation(a, b) : ra - rb;
}

export const filterActive = (rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] =>
  rss.filter((rs): rs is ReplicaSet => !!rs && replicasOf(rs) > 0);

/** Sum of spec.replicas. */
export const specReplicas = (rss: readonly (ReplicaSet | undefined)[]) =>
  rss.reduce((n, rs) => n + (rs ? replicasOf(rs) : 0), 0);
/** Sum of status.replicas. */
export const actualReplicas = (rss: readonly (ReplicaSet | undefined)[]) =>
  rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
export const readyReplicas = (rss: readonly (ReplicaSet | undefined)[]) =>
  rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
export const availableReplicas = (rss: readonly (ReplicaSet | undefined)[]) =>
  rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);

export const isRollingUpdate = (d: Deployment) => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/**
 * maxSurge rounded up and maxUnavailable rounded down against the desired
 * count; if both come to 0, maxUnavailable becomes 1 (upstream ResolveFenceposts).
 */
export function resolveFenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const desired = replicasOf(d);
  const surge = scaledValueFromIntOrPercent(ru?.maxSurge ?? 0, desired, true);
  let unavailable = scaledValueFromIntOrPercent(ru?.maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

export function maxUnavailable(d: Deployment): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, desired);
}

export function hasProgressDeadline(d: Deployment): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== MaxInt32;
}

export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const l = d.spec?.revisionHistoryLimit;
  return l !== undefined && l !== null && l !== MaxInt32;
}

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  return v !== undefined && /^[+-]?[0-9]+$/.test(v) ? Number(v) : undefined;
}
export const desiredReplicasAnnotation = (rs: ReplicaSet) => annotationInt(rs, DesiredReplicasAnnotation);
export const maxReplicasAnnotation = (rs: ReplicaSet) => annotationInt(rs, MaxReplicasAnnotation);

/** Sets desired/max-replicas annotations; true if anything changed (mutates `rs`). */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = (rs.metadata!.annotations ??= {});
  let changed = false;
  for (const [k, v] of [
    [DesiredReplicasAnnotation, String(desired)],
    [MaxReplicasAnnotation, String(max)],
  ] as const) {
    if (a[k] !== v) {
      a[k] = v;
      changed = true;
    }
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[DesiredReplicasAnnotation] !== String(desired) || a[MaxReplicasAnnotation] !== String(max);
}

const skipCopy = new Set([
  LastAppliedAnnotation,
  RevisionAnnotation,
  RevisionHistoryAnnotation,
  DesiredReplicasAnnotation,
  MaxReplicasAnnotation,
  RollbackToAnnotation,
]);

/** Copies the deployment's annotations to the ReplicaSet, except the controller's own (mutates `rs`). */
function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const a = (rs.metadata!.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopy.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * Upstream SetNewReplicaSetAnnotations: copies the deployment's annotations,
 * raises the revision to `newRevision` when it is higher (an RS reused by a
 * rollback keeps its former revisions in revision-history), and on creation
 * records desired/max replicas. Mutates `rs`; true if anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = (rs.metadata!.annotations ??= {});
  const oldRevision = a[RevisionAnnotation];
  let oldInt = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    if (!/^[+-]?[0-9]+$/.test(oldRevision)) return false;
    oldInt = Number(oldRevision);
  }
  if (oldInt < newRevision) {
    a[RevisionAnnotation] = String(newRevision);
    changed = true;
  }
  if (oldRevision !== undefined && oldInt < newRevision) {
    const history = a[RevisionHistoryAnnotation] ?? '';
    const old = history.split(',');
    if (old[0]!.length === 0) {
      a[RevisionHistoryAnnotation] = oldRevision;
    } else {
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > maxRevHistoryLengthInChars && start < old.length) {
        total -= old[start]!.length + 1;
        start++;
      }
      if (total <= maxRevHistoryLengthInChars)
        a[RevisionHistoryAnnotation] = [...old.slice(start), oldRevision].join(',');
    }
  }
  const desired = replicasOf(d);
  if (!exists && setReplicasAnnotations(rs, desired, desired + maxSurge(d))) changed = true;
  return changed;
}

/** Sets the deployment's revision annotation; true if it changed (mutates `d`). */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const a = (d.metadata!.annotations ??= {});
  if (a[RevisionAnnotation] === revision) return false;
  a[RevisionAnnotation] = revision;
  return true;
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(
  type: string,
  status: string,
  reason: string,
  message: string,
  now: string,
): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/**
 * Upstream SetDeploymentCondition: unchanged status and reason is a no-op;
 * the transition time is kept while the status stays the same.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = { ...cond };
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}

/** All replicas updated, present and available, and the spec observed (upstream DeploymentComplete). */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return (
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** Any sign of progress between the stored and the new status (upstream DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** No progress reported for progressDeadlineSeconds (upstream DeploymentTimedOut). */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === Reasons.NewRSAvailable) return false;
  if (c.reason === Reasons.TimedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? '') || 0;
  return from + d.spec!.progressDeadlineSeconds! * 1000 < nowMs;
}

/** New and old replica sets all at the desired size and available (upstream IsSaturated). */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const want = replicasOf(d);
  return (
    desiredReplicasAnnotation(rs) === want && replicasOf(rs) === want && (rs.status?.availableReplicas ?? 0) === want
  );
}

/** Go's math.Round (half away from zero) to an integer. */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * How many replicas `rs` gains or loses in a proportional scale
 * (upstream GetReplicaSetProportion / getReplicaSetFraction): its share of
 * the new maximum in proportion to the maximum it was sized for.
 */
export function replicaSetProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) {
    fraction = -replicasOf(rs);
  } else {
    const newMax = replicasOf(d) + maxSurge(d);
    let before = maxReplicasAnnotation(rs);
    if (before === undefined || before === 0) before = d.status?.replicas ?? 0;
    // Upstream divides by zero here (undefined in Go); size against the new maximum instead.
    if (before <= 0) before = newMax;
    fraction = roundHalfAway((replicasOf(rs) * newMax) / before) - replicasOf(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

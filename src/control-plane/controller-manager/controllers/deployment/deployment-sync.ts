import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound } from '../../../../api/errors/status-error.js';
import { formatTime } from '../../../../api/values/time.js';
import type { EventRecorder, Lister, ResourceClient } from '../../../../client/index.js';
import type { Clock } from '../../../../lib/clock.js';
import type { Logger } from '../../../../lib/log.js';
import { controllerRefOf, newControllerRef } from '../replicaset/controller-ref.js';
import { isNamespaceTerminating } from '../replicaset/pod-control.js';
import {
  availableReplicas,
  actualReplicas,
  byCreation,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  filterActive,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newCondition,
  Reasons,
  readyReplicas,
  replicasAnnotationsNeedUpdate,
  replicaSetProportion,
  replicasOf,
  RevisionAnnotation,
  setCondition,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
} from './deployment-util.js';
import { computeHash, equalIgnoreHash, podTemplateHashLabel } from './pod-template-hash.js';

export interface DeploymentDeps {
  rsClient: ResourceClient<ReplicaSet>;
  dClient: ResourceClient<Deployment>;
  rsLister: Lister<ReplicaSet>;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

/** The new ReplicaSet (same template, ignoring the hash label) and the others, oldest first. */
export function splitReplicaSets(
  template: PodTemplateSpec | undefined,
  rsList: readonly ReplicaSet[],
): { newRS?: ReplicaSet; old: ReplicaSet[] } {
  const sorted = [...rsList].sort(byCreation);
  const newRS = sorted.find((rs) => equalIgnoreHash(rs.spec?.template, template));
  return { newRS, old: sorted.filter((rs) => rs !== newRS) };
}

/**
 * One sync of one Deployment (upstream pkg/controller/deployment sync.go):
 * holds a private copy of the Deployment whose status and annotations the
 * steps edit and write, and the ReplicaSet operations the strategies share.
 */
export class DeploymentSync {
  d: Deployment;
  /**
   * The pod template of the cached (immutable) object: template comparisons
   * are cached per object, and the working copy's template never changes.
   */
  readonly template: PodTemplateSpec | undefined;
  /** Set when the deployment must be looked at again later (progress deadline checks). */
  requeueAfterMs?: number;
  /** ReplicaSets this sync wrote, by UID: later steps use them instead of the stale cached copies. */
  private readonly written = new Map<string, ReplicaSet>();

  constructor(
    readonly deps: DeploymentDeps,
    d: Deployment,
  ) {
    this.d = structuredClone(d);
    this.template = d.spec?.template;
  }

  get ns(): string {
    return this.d.metadata!.namespace!;
  }

  now(): string {
    return formatTime(this.deps.clock.now());
  }

  private subject(): Deployment {
    return { ...this.d, apiVersion: 'apps/v1', kind: 'Deployment' };
  }

  event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.recorder.event(this.subject(), type, reason, message);
  }

  /** Writes status and annotations (the status subresource of Deployments keeps annotations). */
  async writeStatus(): Promise<void> {
    const written = await this.deps.dClient.namespace(this.ns).updateStatus(this.d);
    this.d.metadata = { ...this.d.metadata, resourceVersion: written.metadata?.resourceVersion };
  }

  /**
   * The new and old ReplicaSets, with revisions synced (upstream
   * getAllReplicaSetsAndSyncRevision); creates the new one when asked.
   */
  async replicaSetsAndSyncRevision(
    rsList: readonly ReplicaSet[],
    create: boolean,
  ): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const fresh = rsList.map((rs) => this.written.get(rs.metadata!.uid!) ?? rs);
    const { newRS: existing, old } = splitReplicaSets(this.template, fresh);
    const newRS = await this.newReplicaSet(existing, old, create);
    return { newRS, oldRSs: old };
  }

  private async newReplicaSet(
    existing: ReplicaSet | undefined,
    oldRSs: ReplicaSet[],
    create: boolean,
  ): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadyChanged = (copy.spec!.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyChanged) {
        copy.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
        return this.remember(await this.deps.rsClient.namespace(this.ns).update(copy));
      }
      let needsUpdate = setDeploymentRevision(d, copy.metadata?.annotations?.[RevisionAnnotation] ?? '');
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        const msg = `Found new replica set ${JSON.stringify(copy.metadata!.name)}`;
        setCondition((d.status ??= {}), newCondition('Progressing', 'True', Reasons.FoundNewRS, msg, this.now()));
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatus();
      return copy;
    }
    if (!create) return undefined;

    const template = structuredClone(d.spec!.template!);
    const hash = computeHash(d.spec!.template!, d.status?.collisionCount);
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [podTemplateHashLabel]: hash },
    };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [podTemplateHashLabel]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata!.name}-${hash}`,
        namespace: this.ns,
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const count = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec!.replicas = count;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let createdRS: ReplicaSet;
    let alreadyExists = false;
    try {
      createdRS = await this.deps.rsClient.namespace(this.ns).create(newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        alreadyExists = true;
        const rs = this.deps.rsLister.get(this.ns, newRS.metadata!.name!);
        if (!rs) throw err;
        // Ours and the same template: it is our new ReplicaSet. Otherwise a hash collision:
        // bump collisionCount so the next sync computes a different name.
        if (controllerRefOf(rs)?.uid === d.metadata!.uid && equalIgnoreHash(this.template, rs.spec?.template)) {
          createdRS = rs;
        } else {
          (d.status ??= {}).collisionCount = (d.status.collisionCount ?? 0) + 1;
          await this.writeStatus().catch(() => undefined);
          this.deps.log.info('hash collision for deployment, bumped collisionCount', {
            deployment: `${this.ns}/${d.metadata!.name}`,
            collisionCount: d.status.collisionCount,
          });
          throw err;
        }
      } else if (isNamespaceTerminating(err)) {
        throw err;
      } else {
        const msg = `Failed to create new replica set ${JSON.stringify(newRS.metadata!.name)}: ${err instanceof Error ? err.message : String(err)}`;
        if (hasProgressDeadline(d)) {
          setCondition(
            (d.status ??= {}),
            newCondition('Progressing', 'False', Reasons.FailedRSCreate, msg, this.now()),
          );
          await this.writeStatus().catch(() => undefined);
        }
        this.event('Warning', Reasons.FailedRSCreate, msg);
        throw err;
      }
    }
    if (!alreadyExists && count > 0) {
      this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${createdRS.metadata!.name} from 0 to ${count}`);
    }
    let needsUpdate = setDeploymentRevision(d, String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      const msg = `Created new replica set ${JSON.stringify(createdRS.metadata!.name)}`;
      setCondition((d.status ??= {}), newCondition('Progressing', 'True', Reasons.NewReplicaSet, msg, this.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus();
    return createdRS;
  }

  private remember(rs: ReplicaSet): ReplicaSet {
    this.written.set(rs.metadata!.uid!, rs);
    return rs;
  }

  /** Scales `rs` and records a ScalingReplicaSet event (upstream scaleReplicaSetAndRecordEvent). */
  async scaleAndRecord(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (replicasOf(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, replicasOf(rs) < newScale ? 'up' : 'down');
  }

  /** Writes the size and desired/max-replicas annotations when either is stale (upstream scaleReplicaSet). */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, op: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = this.d;
    const sizeChanged = replicasOf(rs) !== newScale;
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const oldScale = replicasOf(rs);
    const copy = structuredClone(rs);
    copy.spec!.replicas = newScale;
    setReplicasAnnotations(copy, desired, max);
    const updated = this.remember(await this.deps.rsClient.namespace(this.ns).update(copy));
    if (sizeChanged) {
      this.event(
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${op} replica set ${updated.metadata!.name} from ${oldScale} to ${newScale}`,
      );
    }
    return { scaled: sizeChanged, rs: updated };
  }

  /** Deletes fully scaled-down old ReplicaSets beyond revisionHistoryLimit, oldest revisions first. */
  async cleanup(oldRSs: readonly ReplicaSet[]): Promise<void> {
    const d = this.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - d.spec!.revisionHistoryLimit!;
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.rsClient.namespace(this.ns).delete(rs.metadata!.name!);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** The status these ReplicaSets amount to (upstream calculateStatus). */
  calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const d = this.d;
    const available = availableReplicas(allRSs);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation ?? 0,
      replicas: actualReplicas(allRSs),
      updatedReplicas: actualReplicas([newRS]),
      readyReplicas: readyReplicas(allRSs),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, specReplicas(allRSs) - available),
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
    const now = this.now();
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      setCondition(
        status,
        newCondition(
          'Available',
          'True',
          Reasons.MinimumReplicasAvailable,
          'Deployment has minimum availability.',
          now,
        ),
      );
    } else {
      setCondition(
        status,
        newCondition(
          'Available',
          'False',
          Reasons.MinimumReplicasUnavailable,
          'Deployment does not have minimum availability.',
          now,
        ),
      );
    }
    return status;
  }

  /** Writes the computed status when it differs (upstream syncDeploymentStatus). */
  async syncStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS);
    if (sameStatus(this.d.status, status)) return;
    this.d.status = status;
    await this.writeStatus();
  }

  /**
   * Scales for a replica count change, or when paused (upstream scale): one
   * active ReplicaSet takes the full count; a saturated new one lets the old
   * ones go to zero; otherwise extra replicas are shared proportionally, the
   * leftovers going to the largest.
   */
  async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const want = replicasOf(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (replicasOf(activeOrLatest) === want) return;
      await this.scaleAndRecord(activeOrLatest, want);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActive(oldRSs)) await this.scaleAndRecord(old, 0);
      return;
    }
    if ((d.spec?.strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const all = filterActive([...oldRSs, newRS]);
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - specReplicas(all);
    let op = '';
    if (toAdd > 0) {
      all.sort(bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      all.sort(bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = replicaSetProportion(rs, d, toAdd, added);
        sizes.set(rs.metadata!.name!, replicasOf(rs) + p);
        added += p;
      } else {
        sizes.set(rs.metadata!.name!, replicasOf(rs));
      }
    }
    for (let i = 0; i < all.length; i++) {
      const rs = all[i]!;
      const name = rs.metadata!.name!;
      if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, sizes.get(name)! + toAdd - added));
      await this.scaleReplicaSet(rs, sizes.get(name)!, op);
    }
  }
}

/** The one active ReplicaSet, or the newest when none is active (upstream FindActiveOrLatest). */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** How big the new ReplicaSet may be now (upstream NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const want = replicasOf(d);
  if ((d.spec?.strategy?.type ?? 'RollingUpdate') === 'Recreate') return want;
  const maxTotal = want + maxSurge(d);
  const current = specReplicas(allRSs);
  if (current >= maxTotal) return replicasOf(newRS);
  return replicasOf(newRS) + Math.min(maxTotal - current, want - replicasOf(newRS));
}

/** Deep equality of two statuses as stored JSON (upstream reflect.DeepEqual on the status). */
export function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const norm = (s: DeploymentStatus | undefined) =>
    JSON.stringify({
      observedGeneration: s?.observedGeneration ?? 0,
      replicas: s?.replicas ?? 0,
      updatedReplicas: s?.updatedReplicas ?? 0,
      readyReplicas: s?.readyReplicas ?? 0,
      availableReplicas: s?.availableReplicas ?? 0,
      unavailableReplicas: s?.unavailableReplicas ?? 0,
      conditions: (s?.conditions ?? []).map((c) => [
        c.type,
        c.status,
        c.lastUpdateTime,
        c.lastTransitionTime,
        c.reason,
        c.message,
      ]),
      collisionCount: s?.collisionCount ?? null,
    });
  return norm(a) === norm(b);
}

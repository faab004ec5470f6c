import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import { selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import type { Clock } from '../../../../lib/clock.js';
import type { Logger } from '../../../../lib/log.js';
import {
  equalRevision,
  findEqualRevisions,
  nextRevision,
  sortControllerRevisions,
} from '../history/controller-history.js';
import type { ControllerHistoryInterface } from '../history/history-client.js';
import { aggregateErrors, runForAll } from './run-for-all.js';
import type { StatefulPodControlInterface } from './stateful-pod-control.js';
import {
  allowsBurst,
  applyRevision,
  byDescendingOrdinal,
  completeRollingUpdate,
  countReplicas,
  getOrdinal,
  getPodRevision,
  getStartOrdinal,
  getStatefulSetMaxUnavailable,
  identityMatches,
  inconsistentStatus,
  isCreated,
  isFailed,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  isUnavailable,
  newRevision,
  newVersionedStatefulSetPod,
  podInOrdinalRange,
  replicasOf,
  statefulSetApiVersion,
  statefulSetKind,
  storageMatches,
} from './stateful-set-utils.js';

export interface StatefulSetControlDeps {
  podControl: StatefulPodControlInterface;
  history: ControllerHistoryInterface;
  /** Writes `status` as the set's status (retrying conflicts). */
  updateStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void>;
  clock: Clock;
  log: Logger;
}

interface Outcome {
  current?: ControllerRevision;
  update?: ControllerRevision;
  status?: StatefulSetStatus;
  error?: unknown;
}

/**
 * The StatefulSet control loop (upstream defaultStatefulSetControl):
 * revisions first (create or renumber the update revision), then pods —
 * missing ordinals created, failed ones replaced, scaled-away ones deleted
 * highest first, and with RollingUpdate the highest ordinal not at the update
 * revision (at or above the partition) deleted to be recreated — and finally
 * status and history truncation. OrderedReady stops at the first pod that is
 * not yet Running, Ready and Available; Parallel does not wait.
 */
export class StatefulSetControl {
  constructor(private readonly d: StatefulSetControlDeps) {}

  /** Revisions matching the set's selector that it controls or nobody controls. */
  listRevisions(set: StatefulSet): ControllerRevision[] {
    return this.d.history.list(set, selectorFromLabelSelector(set.spec?.selector));
  }

  async adoptOrphanRevisions(set: StatefulSet, revisions: readonly ControllerRevision[]): Promise<void> {
    for (const r of revisions) await this.d.history.adopt(set, statefulSetApiVersion, statefulSetKind, r);
  }

  /**
   * Converges the set's pods and returns the status it recorded. Failures of
   * the pod work are thrown after status and history have been written.
   */
  async updateStatefulSet(cached: StatefulSet, pods: readonly Pod[]): Promise<StatefulSetStatus | undefined> {
    const set = structuredClone(cached);
    const revisions = sortControllerRevisions(this.listRevisions(set));
    const r = await this.performUpdate(set, pods, revisions);
    const errors: unknown[] = [];
    if (r.error !== undefined) errors.push(r.error);
    try {
      await this.truncateHistory(set, pods, revisions, r.current, r.update);
    } catch (err) {
      errors.push(err);
    }
    if (errors.length > 0) throw aggregateErrors(errors);
    return r.status;
  }

  private async performUpdate(
    set: StatefulSet,
    pods: readonly Pod[],
    revisions: ControllerRevision[],
  ): Promise<Outcome> {
    let revs: { current: ControllerRevision; update: ControllerRevision; collisionCount: number };
    try {
      revs = await this.getStatefulSetRevisions(set, revisions);
    } catch (error) {
      return { error };
    }
    const { current, update } = revs;
    const { status, error } = await this.updatePods(set, current, update, revs.collisionCount, pods);
    if (!status) return { current, update, error };
    let statusError: unknown;
    try {
      await this.updateStatefulSetStatus(set, status);
    } catch (err) {
      statusError = err;
    }
    if (error !== undefined) {
      if (statusError !== undefined) this.d.log.error('could not update status', { err: statusError });
      return { current, update, status, error };
    }
    return { current, update, status, error: statusError };
  }

  /**
   * The current and update revisions (upstream getStatefulSetRevisions): the
   * update revision is the last one when it already records this template,
   * an older equal one renumbered to be the newest (a rollback), or a new one.
   * The current revision is the one status names, else the update revision.
   */
  private async getStatefulSetRevisions(
    set: StatefulSet,
    revisions: ControllerRevision[],
  ): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    const collision = { value: set.status?.collisionCount ?? 0 };
    let update = newRevision(set, nextRevision(revisions), collision.value);
    const equal = findEqualRevisions(revisions, update);
    const last = revisions[revisions.length - 1];
    if (equal.length > 0 && equalRevision(last, equal[equal.length - 1])) update = last!;
    else if (equal.length > 0) update = await this.d.history.updateRevision(equal[equal.length - 1]!, update.revision);
    else update = await this.d.history.create(set, update, collision);
    const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount: collision.value };
  }

  /** The pod work (upstream updateStatefulSet); returns the status to record and the first failure. */
  private async updatePods(
    set: StatefulSet,
    current: ControllerRevision,
    update: ControllerRevision,
    collisionCount: number,
    pods: readonly Pod[],
  ): Promise<{ status?: StatefulSetStatus; error?: unknown }> {
    let currentSet: StatefulSet;
    let updateSet: StatefulSet;
    try {
      currentSet = applyRevision(set, current);
      updateSet = applyRevision(set, update);
    } catch (error) {
      return { error };
    }
    const now = this.d.clock.now();
    const minReady = set.spec?.minReadySeconds ?? 0;
    const currentName = current.metadata!.name!;
    const updateName = update.metadata!.name!;
    const status: StatefulSetStatus = {
      replicas: 0,
      observedGeneration: set.metadata?.generation,
      currentRevision: currentName,
      updateRevision: updateName,
      collisionCount,
    };
    countReplicas(status, minReady, now, currentName, updateName, [...pods]);

    const start = getStartOrdinal(set);
    const replicaCount = replicasOf(set);
    const slots: (Pod | undefined)[] = new Array<Pod | undefined>(replicaCount).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      if (podInOrdinalRange(pod, set)) slots[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    const replicas: Pod[] = slots.map(
      (p, i) => p ?? newVersionedStatefulSetPod(currentSet, updateSet, currentName, updateName, start + i),
    );
    condemned.sort(byDescendingOrdinal);

    let firstUnavailable: Pod | undefined;
    for (const p of replicas) if (!firstUnavailable && isUnavailable(p, minReady, now)) firstUnavailable = p;
    for (let i = condemned.length - 1; i >= 0 && !firstUnavailable; i--)
      if (isUnavailable(condemned[i]!, minReady, now)) firstUnavailable = condemned[i];

    if (set.metadata?.deletionTimestamp) return { status };

    const monotonic = !allowsBurst(set);
    const recount = () => countReplicas(status, minReady, now, currentName, updateName, replicas, condemned);

    let r = await runForAll(
      replicas.length,
      (i) => this.processReplica(set, updateSet, monotonic, replicas, i),
      monotonic,
    );
    if (r.exit) {
      recount();
      return { status, error: r.error };
    }

    r = await runForAll(
      condemned.length,
      async (i) => {
        if (!(await this.d.podControl.claimsMatchRetentionPolicy(updateSet, condemned[i]!)))
          await this.d.podControl.updatePodClaimForRetentionPolicy(updateSet, condemned[i]!);
        return false;
      },
      monotonic,
    );
    if (r.exit) {
      recount();
      return { status, error: r.error };
    }

    // In monotonic mode every replica is now Running, Ready and Available: scale down, highest ordinal first.
    r = await runForAll(
      condemned.length,
      (i) => this.processCondemned(set, firstUnavailable, monotonic, condemned, i, minReady, now),
      monotonic,
    );
    recount();
    if (r.exit) return { status, error: r.error };

    const strategy = set.spec?.updateStrategy;
    if (strategy?.type === 'OnDelete') return { status };
    const updateMin = strategy?.rollingUpdate?.partition ?? 0;
    const dropCurrent = () => (status.currentReplicas = Math.max(0, (status.currentReplicas ?? 0) - 1));

    // spec.updateStrategy.rollingUpdate.maxUnavailable (MaxUnavailableStatefulSet): kept by our API server, so honoured when set.
    if (strategy?.rollingUpdate?.maxUnavailable !== undefined && strategy.rollingUpdate.maxUnavailable !== null) {
      let maxUnavailable: number;
      try {
        maxUnavailable = getStatefulSetMaxUnavailable(set);
      } catch (error) {
        return { status, error };
      }
      const unavailable = replicas.filter((p) => isUnavailable(p, minReady, now)).length;
      if (unavailable > maxUnavailable) return { status };
      let budget = maxUnavailable - unavailable;
      for (let target = replicas.length - 1; target >= updateMin && budget > 0; target--) {
        const pod = replicas[target]!;
        if (getPodRevision(pod) === updateName || isTerminating(pod)) continue;
        try {
          await this.d.podControl.deleteStatefulPod(set, pod);
        } catch (error) {
          if (!isNotFound(error)) return { status, error };
        }
        budget--;
        dropCurrent();
      }
      return { status };
    }

    // Delete the highest-ordinal pod not at the update revision; wait while one above it is unavailable.
    for (let target = replicas.length - 1; target >= updateMin; target--) {
      const pod = replicas[target]!;
      if (getPodRevision(pod) !== updateName && !isTerminating(pod)) {
        try {
          await this.d.podControl.deleteStatefulPod(set, pod);
        } catch (error) {
          if (!isNotFound(error)) return { status, error };
        }
        dropCurrent();
        return { status };
      }
      if (isUnavailable(pod, minReady, now)) return { status };
    }
    return { status };
  }

  /** One replica slot (upstream processReplica); true = stop processing (monotonic). */
  private async processReplica(
    set: StatefulSet,
    updateSet: StatefulSet,
    monotonic: boolean,
    replicas: Pod[],
    i: number,
  ): Promise<boolean> {
    const pod = replicas[i]!;
    const pc = this.d.podControl;
    // Failed and Succeeded pods alike are replaced: the phase of a force-stopped pod depends on its exit code.
    if (isFailed(pod) || isSucceeded(pod)) {
      if (!pod.metadata?.deletionTimestamp) await pc.deleteStatefulPod(set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      if (await pc.podClaimIsStale(set, pod)) return true;
      await pc.createStatefulPod(set, pod);
      if (monotonic) return true;
    }
    if (isPending(pod)) await pc.createMissingPersistentVolumeClaims(set, pod);
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (monotonic) {
      if (isTerminating(pod)) return true;
      if (!isRunningAndReady(pod)) return true;
      if (!isRunningAndAvailable(pod, minReady, this.d.clock.now())) return true;
    }
    let retentionMatch: boolean;
    try {
      retentionMatch = await pc.claimsMatchRetentionPolicy(updateSet, pod);
    } catch {
      // Expected while the pod is not fully updated yet: treated as matching.
      retentionMatch = true;
    }
    if (identityMatches(set, pod) && storageMatches(set, pod) && retentionMatch) return false;
    await pc.updateStatefulPod(updateSet, structuredClone(pod));
    return false;
  }

  /** One pod beyond the replica range (upstream processCondemned); always stops after acting in monotonic mode. */
  private async processCondemned(
    set: StatefulSet,
    firstUnavailable: Pod | undefined,
    monotonic: boolean,
    condemned: Pod[],
    i: number,
    minReady: number,
    now: number,
  ): Promise<boolean> {
    const pod = condemned[i]!;
    if (isTerminating(pod)) return monotonic;
    if (monotonic && pod !== firstUnavailable) {
      if (!isRunningAndReady(pod)) return true;
      if (!isRunningAndAvailable(pod, minReady, now)) return true;
    }
    await this.d.podControl.deleteStatefulPod(set, pod);
    return true;
  }

  /** Completes a finished rolling update and writes status when it changed (upstream updateStatefulSetStatus). */
  private async updateStatefulSetStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    completeRollingUpdate(set, status);
    if (!inconsistentStatus(set, status)) return;
    await this.d.updateStatus(set, status);
  }

  /**
   * Deletes the oldest revisions beyond revisionHistoryLimit that are not
   * live: neither current, nor update, nor the revision of any pod (upstream truncateHistory).
   */
  private async truncateHistory(
    set: StatefulSet,
    pods: readonly Pod[],
    revisions: readonly ControllerRevision[],
    current: ControllerRevision | undefined,
    update: ControllerRevision | undefined,
  ): Promise<void> {
    const live = new Set<string>();
    if (current) live.add(current.metadata!.name!);
    if (update) live.add(update.metadata!.name!);
    for (const p of pods) live.add(getPodRevision(p));
    const history = revisions.filter((r) => !live.has(r.metadata?.name ?? ''));
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    if (limit < 0 || history.length <= limit) return;
    for (const r of history.slice(0, history.length - limit)) await this.d.history.delete(r);
  }
}

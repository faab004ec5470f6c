import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isConflict } from '../../../../api/errors/status-error.js';
import type { EventRecorder, Lister, ResourceClient } from '../../../../client/index.js';
import {
  hasStalePodRef,
  hasUnexpectedController,
  isClaimOwnerUpToDate,
  retentionPolicy,
  updateClaimOwnerRefForSetAndPod,
} from './claim-retention.js';
import {
  getOrdinal,
  getPersistentVolumeClaimName,
  getPersistentVolumeClaims,
  identityMatches,
  statefulSetApiVersion,
  statefulSetKind,
  storageMatches,
  updateIdentity,
  updateStorage,
} from './stateful-set-utils.js';

/** What the set's control loop does to pods and claims; faked in unit tests. */
export interface StatefulPodControlInterface {
  createStatefulPod(set: StatefulSet, pod: Pod): Promise<void>;
  /** Brings a (copied) pod's identity, storage and claim ownership in line with `set`. */
  updateStatefulPod(set: StatefulSet, pod: Pod): Promise<void>;
  deleteStatefulPod(set: StatefulSet, pod: Pod): Promise<void>;
  /** False when a claim's owner references do not express the retention policy; throws when a claim cannot be read. */
  claimsMatchRetentionPolicy(set: StatefulSet, pod: Pod): Promise<boolean>;
  updatePodClaimForRetentionPolicy(set: StatefulSet, pod: Pod): Promise<void>;
  /** A claim still belongs to an earlier pod of that name (it must be collected before the pod is recreated). */
  podClaimIsStale(set: StatefulSet, pod: Pod): Promise<boolean>;
  createMissingPersistentVolumeClaims(set: StatefulSet, pod: Pod): Promise<void>;
}

/** Bound on conflict retries of a pod update (client-go retry.DefaultBackoff has 4 steps). */
const maxUpdateAttempts = 5;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const title = (verb: string) => verb.charAt(0).toUpperCase() + verb.slice(1);

/**
 * Creates, updates and deletes a StatefulSet's pods and claims (upstream
 * StatefulPodControl): claims are read from the informer cache, writes go
 * through the controller's client, and every action is reported as an event
 * on the set with upstream's reasons and texts (`create Pod web-0 in
 * StatefulSet web successful`, `create Claim data-web-0 Pod web-0 in
 * StatefulSet web success`).
 */
export class StatefulPodControl implements StatefulPodControlInterface {
  constructor(
    private readonly pods: ResourceClient<Pod>,
    private readonly claims: ResourceClient<PersistentVolumeClaim>,
    private readonly claimLister: Lister<PersistentVolumeClaim>,
    private readonly recorder: EventRecorder,
  ) {}

  private subject(set: StatefulSet): StatefulSet {
    return { ...set, apiVersion: statefulSetApiVersion, kind: statefulSetKind };
  }

  private getClaim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.claimLister.get(namespace, name);
  }

  async createStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.createPersistentVolumeClaims(set, pod);
    } catch (err) {
      this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    try {
      await this.pods.namespace(pod.metadata!.namespace!).create(pod);
    } catch (err) {
      // AlreadyExists is the cache lagging behind our own create: retried, not reported.
      if (!isAlreadyExists(err)) this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    try {
      await this.updatePodClaimForRetentionPolicy(set, pod);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
    this.recordPodEvent('create', set, pod);
  }

  async updateStatefulPod(set: StatefulSet, initial: Pod): Promise<void> {
    let pod = initial;
    let attempted = false;
    let lastErr: unknown;
    for (let attempt = 0; attempt < maxUpdateAttempts; attempt++) {
      let consistent = true;
      if (!identityMatches(set, pod)) {
        updateIdentity(set, pod);
        consistent = false;
      }
      try {
        if (!storageMatches(set, pod)) {
          updateStorage(set, pod);
          consistent = false;
          await this.createPersistentVolumeClaims(set, pod);
        }
        if (!(await this.claimsMatchRetentionPolicy(set, pod))) {
          await this.updatePodClaimForRetentionPolicy(set, pod);
          consistent = false;
        }
      } catch (err) {
        this.recordPodEvent('update', set, pod, err);
        throw err;
      }
      if (consistent) return;
      attempted = true;
      try {
        await this.pods.namespace(pod.metadata!.namespace!).update(pod);
        this.recordPodEvent('update', set, pod);
        return;
      } catch (err) {
        lastErr = err;
        if (!isConflict(err)) break;
        pod = structuredClone(await this.pods.namespace(set.metadata!.namespace!).get(pod.metadata!.name!));
      }
    }
    if (attempted) this.recordPodEvent('update', set, pod, lastErr);
    throw lastErr;
  }

  async deleteStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.pods.namespace(pod.metadata!.namespace!).delete(pod.metadata!.name!);
    } catch (err) {
      this.recordPodEvent('delete', set, pod, err);
      throw err;
    }
    this.recordPodEvent('delete', set, pod);
  }

  async claimsMatchRetentionPolicy(set: StatefulSet, pod: Pod): Promise<boolean> {
    const ordinal = getOrdinal(pod);
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const claim = this.getClaim(
        set.metadata!.namespace!,
        getPersistentVolumeClaimName(set, t.metadata?.name ?? '', ordinal),
      );
      // A missing claim is created by a later pass.
      if (claim && !isClaimOwnerUpToDate(claim, set, pod)) return false;
    }
    return true;
  }

  async updatePodClaimForRetentionPolicy(set: StatefulSet, pod: Pod): Promise<void> {
    const ordinal = getOrdinal(pod);
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const name = getPersistentVolumeClaimName(set, t.metadata?.name ?? '', ordinal);
      const cached = this.getClaim(set.metadata!.namespace!, name);
      if (!cached) continue;
      if (hasUnexpectedController(cached, set, pod)) {
        this.recorder.event(
          this.subject(set),
          'Warning',
          'ConflictingController',
          `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`,
        );
      }
      if (isClaimOwnerUpToDate(cached, set, pod)) continue;
      const claim = structuredClone(cached);
      updateClaimOwnerRefForSetAndPod(claim, set, pod);
      try {
        await this.claims.namespace(set.metadata!.namespace!).update(claim);
      } catch (err) {
        throw new Error(`could not update claim ${name} for delete policy ownerRefs: ${errorText(err)}`, {
          cause: err,
        });
      }
    }
  }

  async podClaimIsStale(set: StatefulSet, pod: Pod): Promise<boolean> {
    // Claims kept on scale-down are meant to be reused: never stale.
    if (retentionPolicy(set).whenScaled === 'Retain') return false;
    for (const claim of getPersistentVolumeClaims(set, pod).values()) {
      const pvc = this.getClaim(claim.metadata!.namespace!, claim.metadata!.name!);
      if (pvc && hasStalePodRef(pvc, pod)) return true;
    }
    return false;
  }

  async createMissingPersistentVolumeClaims(set: StatefulSet, pod: Pod): Promise<void> {
    await this.createPersistentVolumeClaims(set, pod);
    try {
      await this.updatePodClaimForRetentionPolicy(set, pod);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
  }

  /** Creates the pod's missing claims; a claim being deleted is an error (the pod must wait for a fresh one). */
  private async createPersistentVolumeClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const errs: string[] = [];
    for (const claim of getPersistentVolumeClaims(set, pod).values()) {
      const name = claim.metadata!.name!;
      const existing = this.getClaim(claim.metadata!.namespace!, name);
      if (existing) {
        if (existing.metadata?.deletionTimestamp) errs.push(`pvc ${name} is being deleted`);
        continue;
      }
      try {
        await this.claims.namespace(claim.metadata!.namespace!).create(claim);
        this.recordClaimEvent('create', set, pod, name);
      } catch (err) {
        errs.push(`failed to create PVC ${name}: ${errorText(err)}`);
        if (!isAlreadyExists(err)) this.recordClaimEvent('create', set, pod, name, err);
      }
    }
    if (errs.length === 1) throw new Error(errs[0]);
    if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
  }

  private recordPodEvent(verb: string, set: StatefulSet, pod: Pod, err?: unknown): void {
    const podName = pod.metadata?.name;
    const setName = set.metadata?.name;
    if (err === undefined) {
      this.recorder.event(
        this.subject(set),
        'Normal',
        `Successful${title(verb)}`,
        `${verb} Pod ${podName} in StatefulSet ${setName} successful`,
      );
    } else {
      this.recorder.event(
        this.subject(set),
        'Warning',
        `Failed${title(verb)}`,
        `${verb} Pod ${podName} in StatefulSet ${setName} failed error: ${errorText(err)}`,
      );
    }
  }

  private recordClaimEvent(verb: string, set: StatefulSet, pod: Pod, claimName: string, err?: unknown): void {
    const podName = pod.metadata?.name;
    const setName = set.metadata?.name;
    if (err === undefined) {
      this.recorder.event(
        this.subject(set),
        'Normal',
        `Successful${title(verb)}`,
        `${verb} Claim ${claimName} Pod ${podName} in StatefulSet ${setName} success`,
      );
    } else {
      this.recorder.event(
        this.subject(set),
        'Warning',
        `Failed${title(verb)}`,
        `${verb} Claim ${claimName} for Pod ${podName} in StatefulSet ${setName} failed error: ${errorText(err)}`,
      );
    }
  }
}

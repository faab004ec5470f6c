import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelMatcher } from '../../../../api/selectors/label-selector.js';
import type { GroupVersionResource } from '../../../../api/scheme/types.js';
import {
  type DeletedFinalStateUnknown,
  type Lister,
  metaNamespaceKey,
  objectOf,
  OwnerUidIndex,
  ownerUidIndexFunc,
  RateLimitingQueue,
  type ResourceClient,
  type Result,
  runController,
  splitMetaNamespaceKey,
  typed,
  gvr,
  type EventSubject,
} from '../../../../client/index.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import type { Logger } from '../../../../lib/log.js';
import type { ControllerContext } from '../../types.js';
import {
  claimCandidates,
  claimObjects,
  ControllerIndex,
  controllerIndexFunc,
  controllerRefOf,
  newControllerRef,
} from './controller-ref.js';
import { ControllerExpectations } from './expectations.js';
import { isNamespaceTerminating, PodControl, slowStartBatch } from './pod-control.js';
import { isPodActive, isPodReady, podsToDelete } from './pod-ranking.js';
import { calculateStatus, desiredReplicas, type ReplicaOwner, updateReplicaStatus } from './replica-status.js';

/** Upstream BurstReplicas: at most this many creates or deletes per sync. */
export const burstReplicas = 500;
/** Upstream SlowStartInitialBatchSize. */
export const slowStartInitialBatchSize = 1;

export const podsGVR = gvr('', 'v1', 'pods');

/** What differs between ReplicaSets and ReplicationControllers. */
export interface ReplicaKind<T extends ReplicaOwner> {
  /** Controller name (`replicaset`, `replicationcontroller`). */
  name: string;
  /** Event source component (`replicaset-controller`, `replication-controller`). */
  component: string;
  apiVersion: string;
  kind: string;
  resource: GroupVersionResource;
  /** The pod selector; throws when it is invalid. */
  selector(owner: T): LabelMatcher;
}

/**
 * The ReplicaSet controller core, shared with ReplicationControllers as
 * upstream shares it (pkg/controller/replicaset). Level-triggered: pod and
 * owner events only enqueue owner keys; `sync` lists the owner's pods from
 * the cache, claims them (adopt matching orphans, release non-matching),
 * creates or deletes the difference in slow-start batches guarded by
 * expectations, and writes status.
 */
export class ReplicaManager<T extends ReplicaOwner> {
  readonly expectations: ControllerExpectations;
  private readonly queue: RateLimitingQueue<string>;
  private readonly owners: Lister<T>;
  private readonly pods: Lister<Pod>;
  private readonly ownerClient: ResourceClient<T>;
  private readonly podControl: PodControl;
  private readonly log: Logger;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly k: ReplicaKind<T>,
  ) {
    this.log = ctx.log;
    this.expectations = new ControllerExpectations(ctx.clock);
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: k.name });
    const ownerInformer = ctx.informers.forResource<T>(k.resource);
    const podInformer = ctx.informers.forResource<Pod>(podsGVR, {
      indexers: { [OwnerUidIndex]: ownerUidIndexFunc, [ControllerIndex]: controllerIndexFunc },
    });
    this.owners = ownerInformer.lister();
    this.pods = podInformer.lister();
    this.ownerClient = typed<T>(ctx.rest, k.resource);
    this.podControl = new PodControl(typed<Pod>(ctx.rest, podsGVR), ctx.recorder(k.component));
    ownerInformer.addEventHandler({
      onAdd: (o) => this.enqueue(o),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (o) => {
        const key = metaNamespaceKey(o);
        this.expectations.deleteExpectations(key);
        this.queue.add(key);
      },
    });
    podInformer.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (p) => this.deletePod(p),
    });
  }

  /** Runs the workers until the context's signal aborts. */
  run(): Promise<void> {
    return runController({
      name: this.k.name,
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.sync(key),
      signal: this.ctx.signal,
      log: this.log,
      clock: this.ctx.clock,
    });
  }

  private enqueue(o: T): void {
    this.queue.add(metaNamespaceKey(o));
  }

  private subject(o: T): EventSubject {
    return { ...o, apiVersion: this.k.apiVersion, kind: this.k.kind };
  }

  /** The owner a pod's controllerRef names, if it is ours and still the same object. */
  private resolveOwner(pod: Pod): T | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== this.k.kind) return undefined;
    const o = this.owners.get(pod.metadata?.namespace ?? '', ref.name);
    return o && o.metadata?.uid === ref.uid ? o : undefined;
  }

  /** Owners whose selector matches an orphan pod (an empty selector matches nothing here). */
  private ownersSelecting(pod: Pod): T[] {
    return this.owners
      .namespace(pod.metadata?.namespace ?? '')
      .list()
      .filter((o) => {
        try {
          const sel = this.k.selector(o);
          return !sel.isEmpty() && sel.matches(pod.metadata?.labels);
        } catch {
          return false;
        }
      });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // A pod that shows up already terminating (e.g. after a restart) must not count as a creation.
      this.deletePod(pod);
      return;
    }
    if (controllerRefOf(pod)) {
      const o = this.resolveOwner(pod);
      if (!o) return;
      const key = metaNamespaceKey(o);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const o of this.ownersSelecting(pod)) this.enqueue(o);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const o = this.resolveOwner(old);
      if (o) this.enqueue(o);
    }
    if (curRef) {
      const o = this.resolveOwner(cur);
      if (!o) return;
      this.enqueue(o);
      // Availability after minReadySeconds produces no pod event: look again once it has passed.
      const minReady = o.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
        this.queue.addAfter(metaNamespaceKey(o), minReady * 1000 + 1000);
      }
      return;
    }
    if (labelsChanged || refChanged) for (const o of this.ownersSelecting(cur)) this.enqueue(o);
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = objectOf(obj);
    if (!controllerRefOf(pod)) return;
    const o = this.resolveOwner(pod);
    if (!o) return;
    const key = metaNamespaceKey(o);
    this.expectations.deletionObserved(key, metaNamespaceKey(pod));
    this.queue.add(key);
  }

  /** Converges one owner; a missing owner is the delete. */
  async sync(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const owner = this.owners.get(namespace, name);
    if (!owner) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const needsSync = this.expectations.satisfiedExpectations(key);
    let selector: LabelMatcher;
    try {
      selector = this.k.selector(owner);
    } catch (err) {
      this.log.error('invalid pod selector', { key, err });
      return;
    }
    const active = claimCandidates(this.pods, owner).filter(isPodActive);
    const owned = await claimObjects(active, {
      owner,
      ownerRef: newControllerRef(owner, this.k.apiVersion, this.k.kind),
      selector,
      client: typed<Pod>(this.ctx.rest, podsGVR),
      recheckOwner: () => this.recheckOwner(owner),
    });
    let manageError: unknown;
    if (needsSync && !owner.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, owned, owner);
      } catch (err) {
        manageError = err ?? new Error('manageReplicas failed');
      }
    }
    const status = calculateStatus(owner, owned, manageError, this.ctx.clock.now());
    const updated = await updateReplicaStatus(this.ownerClient, owner, status);
    if (manageError !== undefined) throw manageError;
    const want = desiredReplicas(updated);
    const minReady = updated.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && updated.status?.readyReplicas === want && updated.status?.availableReplicas !== want) {
      return { requeueAfter: minReady * 1000 };
    }
  }

  private async recheckOwner(owner: T): Promise<void> {
    const m = owner.metadata!;
    const fresh = await this.ownerClient.namespace(m.namespace!).get(m.name!);
    if (fresh.metadata?.uid !== m.uid) {
      throw new Error(
        `original ${this.k.kind} ${m.namespace}/${m.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${m.uid}`,
      );
    }
    if (fresh.metadata?.deletionTimestamp) {
      throw new Error(`${m.namespace}/${m.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  }

  /** Creates or deletes pods to reach the desired count (upstream manageReplicas). */
  private async manageReplicas(key: string, pods: Pod[], owner: T): Promise<void> {
    const m = owner.metadata!;
    let diff = pods.length - desiredReplicas(owner);
    if (diff < 0) {
      diff = Math.min(-diff, burstReplicas);
      this.expectations.expectCreations(key, diff);
      this.log.debug('too few replicas', { key, need: desiredReplicas(owner), creating: diff });
      const ref = newControllerRef(owner, this.k.apiVersion, this.k.kind);
      const subject = this.subject(owner);
      const { successes, error } = await slowStartBatch(diff, slowStartInitialBatchSize, async () => {
        try {
          await this.podControl.createPod(m.namespace!, owner.spec?.template, subject, m.name!, ref);
        } catch (err) {
          if (!isNamespaceTerminating(err)) throw err;
        }
      });
      // Pods never attempted will not be observed: stop expecting them.
      for (let i = 0; i < diff - successes; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, burstReplicas);
      this.log.debug('too many replicas', { key, need: desiredReplicas(owner), deleting: diff });
      const victims = podsToDelete(pods, this.relatedPods(owner), diff, this.ctx.clock.now());
      this.expectations.expectDeletions(
        key,
        victims.map((p) => metaNamespaceKey(p)),
      );
      const subject = this.subject(owner);
      const results = await Promise.allSettled(
        victims.map(async (p) => {
          try {
            await this.podControl.deletePod(m.namespace!, p.metadata!.name!, subject);
          } catch (err) {
            // The informer will not see this deletion: stop expecting it.
            this.expectations.deletionObserved(key, metaNamespaceKey(p));
            if (!isNotFound(err)) throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /**
   * Pods of every owner sharing this owner's controller (a Deployment's
   * ReplicaSets), for ranking which pods are doubled up on a node.
   */
  private relatedPods(owner: T): Pod[] {
    const ctrl = controllerRefOf(owner);
    if (!ctrl) return [];
    const seen = new Set<string>();
    const out: Pod[] = [];
    for (const sibling of this.owners.namespace(owner.metadata!.namespace!).list()) {
      if (controllerRefOf(sibling)?.uid !== ctrl.uid) continue;
      for (const p of this.pods.byIndex(OwnerUidIndex, sibling.metadata!.uid!)) {
        const uid = p.metadata!.uid!;
        if (seen.has(uid)) continue;
        seen.add(uid);
        out.push(p);
      }
    }
    return out;
  }
}

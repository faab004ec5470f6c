import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { isConflict } from '../../../../api/errors/status-error.js';
import { type LabelMatcher, selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import {
  type DeletedFinalStateUnknown,
  gvr,
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
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { ControllerHistory, controllerRevisionsGVR } from '../history/history-client.js';
import {
  claimCandidates,
  claimObjects,
  ControllerIndex,
  controllerIndexFunc,
  controllerRefOf,
  newControllerRef,
} from '../replicaset/controller-ref.js';
import { isPodReady } from '../replicaset/pod-ranking.js';
import { StatefulPodControl } from './stateful-pod-control.js';
import { StatefulSetControl } from './stateful-set-control.js';
import { isMemberOf, replicasOf, statefulSetApiVersion, statefulSetKind } from './stateful-set-utils.js';

export const statefulSetsGVR = gvr('apps', 'v1', 'statefulsets');
const podsGVR = gvr('', 'v1', 'pods');
const pvcsGVR = gvr('', 'v1', 'persistentvolumeclaims');

/** Conflict retries of a status write (client-go retry.DefaultRetry has 5 steps). */
const statusRetries = 5;

const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});

/**
 * The StatefulSet controller (upstream pkg/controller/statefulset): pods
 * `<set>-<ordinal>` with stable hostnames under the governing service, claims
 * `<template>-<set>-<ordinal>` from volumeClaimTemplates, ordered or parallel
 * management, RollingUpdate (partition, maxUnavailable) and OnDelete over
 * ControllerRevisions, and the status `kubectl rollout status` reads. Event
 * handlers only enqueue set keys.
 */
export class StatefulSetController {
  private readonly queue: RateLimitingQueue<string>;
  private readonly sets: Lister<StatefulSet>;
  private readonly pods: Lister<Pod>;
  private readonly setClient: ResourceClient<StatefulSet>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly control: StatefulSetControl;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'statefulset' });
    const setInformer = ctx.informers.forResource<StatefulSet>(statefulSetsGVR);
    const podInformer = ctx.informers.forResource<Pod>(podsGVR, {
      indexers: { [OwnerUidIndex]: ownerUidIndexFunc, [ControllerIndex]: controllerIndexFunc },
    });
    const pvcInformer = ctx.informers.forResource<PersistentVolumeClaim>(pvcsGVR);
    const revInformer = ctx.informers.forResource<ControllerRevision>(controllerRevisionsGVR, {
      indexers: { [ControllerIndex]: controllerIndexFunc },
    });
    this.sets = setInformer.lister();
    this.pods = podInformer.lister();
    this.setClient = typed<StatefulSet>(ctx.rest, statefulSetsGVR);
    this.podClient = typed<Pod>(ctx.rest, podsGVR);
    const recorder = ctx.recorder('statefulset-controller');
    this.control = new StatefulSetControl({
      podControl: new StatefulPodControl(
        this.podClient,
        typed<PersistentVolumeClaim>(ctx.rest, pvcsGVR),
        pvcInformer.lister(),
        recorder,
      ),
      history: new ControllerHistory(typed<ControllerRevision>(ctx.rest, controllerRevisionsGVR), revInformer.lister()),
      updateStatus: (set, status) => this.writeStatus(set, status),
      clock: ctx.clock,
      log: ctx.log,
    });
    setInformer.addEventHandler({
      onAdd: (s) => this.enqueue(s),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (s) => this.queue.add(metaNamespaceKey(s)),
    });
    podInformer.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (p) => this.deletePod(p),
    });
  }

  run(): Promise<void> {
    return runController({
      name: 'statefulset',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.sync(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  private enqueue(set: StatefulSet): void {
    this.queue.add(metaNamespaceKey(set));
  }

  private resolveControllerRef(pod: Pod, ref = controllerRefOf(pod)): StatefulSet | undefined {
    if (!ref || ref.kind !== statefulSetKind) return undefined;
    const set = this.sets.get(pod.metadata?.namespace ?? '', ref.name);
    return set && set.metadata?.uid === ref.uid ? set : undefined;
  }

  /** Sets whose selector matches an orphan pod (upstream GetPodStatefulSets). */
  private setsSelecting(pod: Pod): StatefulSet[] {
    return this.sets
      .namespace(pod.metadata?.namespace ?? '')
      .list()
      .filter((s) => {
        try {
          const sel = selectorFromLabelSelector(s.spec?.selector);
          return !sel.isEmpty() && sel.matches(pod.metadata?.labels);
        } catch {
          return false;
        }
      });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    if (controllerRefOf(pod)) {
      const set = this.resolveControllerRef(pod);
      if (set) this.enqueue(set);
      return;
    }
    for (const s of this.setsSelecting(pod)) this.enqueue(s);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = !sameJSON(old.metadata?.labels, cur.metadata?.labels);
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = !sameJSON(curRef, oldRef);
    if (refChanged && oldRef) {
      const set = this.resolveControllerRef(old, oldRef);
      if (set) this.enqueue(set);
    }
    if (curRef) {
      const set = this.resolveControllerRef(cur, curRef);
      if (!set) return;
      this.enqueue(set);
      // Availability after minReadySeconds produces no pod event: look again once it has passed.
      const minReady = set.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0)
        this.queue.addAfter(metaNamespaceKey(set), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const s of this.setsSelecting(cur)) this.enqueue(s);
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = objectOf(obj);
    const set = this.resolveControllerRef(pod);
    if (set) this.enqueue(set);
  }

  /** Converges one set (upstream sync); a missing set is the delete. */
  async sync(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const set = this.sets.get(namespace, name);
    if (!set) return;
    let selector: LabelMatcher;
    try {
      selector = selectorFromLabelSelector(set.spec?.selector);
    } catch (err) {
      // Not transient: retrying cannot help until the set changes.
      this.ctx.log.error('invalid StatefulSet selector', { key, err });
      return;
    }
    await this.adoptOrphanRevisions(set);
    const pods = await this.podsFor(set, selector);
    const status = await this.control.updateStatefulSet(set, pods);
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status && (status.availableReplicas ?? 0) !== replicasOf(set))
      return { requeueAfter: minReady * 1000 };
  }

  private async adoptOrphanRevisions(set: StatefulSet): Promise<void> {
    const orphans = this.control.listRevisions(set).filter((r) => !controllerRefOf(r));
    if (orphans.length === 0) return;
    try {
      await this.recheckSet(set);
    } catch (err) {
      throw new Error(`can't adopt ControllerRevisions: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    await this.control.adoptOrphanRevisions(set, orphans);
  }

  /** The set's pods: those it controls that still match, plus matching orphans named after it (adopted). */
  private podsFor(set: StatefulSet, selector: LabelMatcher): Promise<Pod[]> {
    return claimObjects(claimCandidates(this.pods, set), {
      owner: set,
      ownerRef: newControllerRef(set, statefulSetApiVersion, statefulSetKind),
      selector,
      client: this.podClient,
      recheckOwner: () => this.recheckSet(set),
      filter: (pod) => isMemberOf(set, pod),
    });
  }

  /** An uncached read: adoption must not race with the set's deletion (upstream RecheckDeletionTimestamp). */
  private async recheckSet(set: StatefulSet): Promise<void> {
    const m = set.metadata!;
    const fresh = await this.setClient.namespace(m.namespace!).get(m.name!);
    if (fresh.metadata?.uid !== m.uid)
      throw new Error(
        `original StatefulSet ${m.namespace}/${m.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${m.uid}`,
      );
    if (fresh.metadata?.deletionTimestamp)
      throw new Error(`${m.namespace}/${m.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }

  /** Writes status, re-reading the set on conflicts (upstream realStatefulSetStatusUpdater). */
  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    let cur = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.setClient.namespace(cur.metadata!.namespace!).updateStatus({ ...cur, status });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt + 1 >= statusRetries) throw err;
        cur = await this.setClient.namespace(set.metadata!.namespace!).get(set.metadata!.name!);
      }
    }
  }
}

/** kube-controller-manager's `statefulset` controller. */
export const statefulSetController: ControllerDescriptor = {
  name: 'statefulset',
  serviceAccount: 'statefulset-controller',
  enabledByDefault: true,
  start(ctx) {
    return new StatefulSetController(ctx).run();
  },
};

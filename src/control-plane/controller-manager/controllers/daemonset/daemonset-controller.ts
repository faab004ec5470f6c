import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import {
  type DeletedFinalStateUnknown,
  gvr,
  type KubeObject,
  type Lister,
  metaNamespaceKey,
  objectOf,
  OwnerUidIndex,
  ownerUidIndexFunc,
  RateLimitingQueue,
  type Result,
  runController,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { controllerRevisionsGVR } from '../history/history-client.js';
import { ControllerIndex, controllerIndexFunc, controllerRefOf } from '../replicaset/controller-ref.js';
import { isPodReady } from '../replicaset/pod-ranking.js';
import { DaemonExpectations } from './daemon-expectations.js';
import { daemonSetsGVR, DaemonSetSync, podsGVR } from './daemonset-sync.js';
import { daemonSetKind } from './daemonset-util.js';
import { nodeShouldRunDaemonPod } from './node-predicates.js';

export { daemonSetsGVR } from './daemonset-sync.js';
const nodesGVR = gvr('', 'v1', 'nodes');

const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The DaemonSet controller (upstream pkg/controller/daemon): one pod per
 * eligible node (nodeSelector, required node affinity, taints with the
 * default daemon tolerations), pinned to its node by `matchFields
 * metadata.name` affinity and bound by the scheduler; RollingUpdate with
 * maxUnavailable/maxSurge or OnDelete over ControllerRevisions; status
 * counts. Node, pod, revision and DaemonSet events only enqueue keys.
 */
export class DaemonSetController {
  readonly expectations: DaemonExpectations;
  private readonly queue: RateLimitingQueue<string>;
  private readonly daemonSets: Lister<DaemonSet>;
  private readonly daemonSync: DaemonSetSync;

  constructor(private readonly ctx: ControllerContext) {
    this.expectations = new DaemonExpectations(ctx.clock);
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'daemonset' });
    const dsInformer = ctx.informers.forResource<DaemonSet>(daemonSetsGVR);
    const revInformer = ctx.informers.forResource<ControllerRevision>(controllerRevisionsGVR, {
      indexers: { [ControllerIndex]: controllerIndexFunc },
    });
    const podInformer = ctx.informers.forResource<Pod>(podsGVR, {
      indexers: { [OwnerUidIndex]: ownerUidIndexFunc, [ControllerIndex]: controllerIndexFunc },
    });
    const nodeInformer = ctx.informers.forResource<Node>(nodesGVR);
    this.daemonSets = dsInformer.lister();
    this.daemonSync = new DaemonSetSync({
      daemonSets: this.daemonSets,
      pods: podInformer.lister(),
      nodes: nodeInformer.lister(),
      revisions: revInformer.lister(),
      rest: ctx.rest,
      recorder: ctx.recorder('daemonset-controller'),
      expectations: this.expectations,
      clock: ctx.clock,
      log: ctx.log,
    });
    dsInformer.addEventHandler({
      onAdd: (ds) => this.enqueue(ds),
      onUpdate: (old, cur) => {
        if (old.metadata?.uid !== cur.metadata?.uid) this.expectations.delete(metaNamespaceKey(old));
        this.enqueue(cur);
      },
      onDelete: (ds) => {
        const key = metaNamespaceKey(ds);
        this.expectations.delete(key);
        this.queue.add(key);
      },
    });
    revInformer.addEventHandler({
      onAdd: (r) => this.onRevision(r),
      onUpdate: (old, cur) => this.updateRevision(old, cur),
      onDelete: (r) => this.onRevision(objectOf(r), true),
    });
    podInformer.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (p) => this.deletePod(p),
    });
    nodeInformer.addEventHandler({
      onAdd: (n) => this.addNode(n),
      onUpdate: (old, cur) => this.updateNode(old, cur),
    });
  }

  run(): Promise<void> {
    return runController({
      name: 'daemonset',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.sync(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  private enqueue(ds: DaemonSet): void {
    this.queue.add(metaNamespaceKey(ds));
  }

  private resolve(obj: KubeObject, ref = controllerRefOf(obj)): DaemonSet | undefined {
    if (!ref || ref.kind !== daemonSetKind) return undefined;
    const ds = this.daemonSets.get(obj.metadata?.namespace ?? '', ref.name);
    return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
  }

  /** DaemonSets whose selector matches an orphan's labels. */
  private selecting(obj: KubeObject): DaemonSet[] {
    return this.daemonSets
      .namespace(obj.metadata?.namespace ?? '')
      .list()
      .filter((ds) => {
        try {
          const sel = selectorFromLabelSelector(ds.spec?.selector);
          return !sel.isEmpty() && sel.matches(obj.metadata?.labels);
        } catch {
          return false;
        }
      });
  }

  private onRevision(r: ControllerRevision, deleted = false): void {
    if (!deleted && r.metadata?.deletionTimestamp) deleted = true;
    if (controllerRefOf(r)) {
      const ds = this.resolve(r);
      if (ds && deleted) this.enqueue(ds);
      return;
    }
    if (!deleted) for (const ds of this.selecting(r)) this.enqueue(ds);
  }

  private updateRevision(old: ControllerRevision, cur: ControllerRevision): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = !sameJSON(curRef, oldRef);
    if (refChanged && oldRef) {
      const ds = this.resolve(old, oldRef);
      if (ds) this.enqueue(ds);
    }
    if (curRef) {
      const ds = this.resolve(cur, curRef);
      if (ds) this.enqueue(ds);
      return;
    }
    if (refChanged || !sameJSON(old.metadata?.labels, cur.metadata?.labels))
      for (const ds of this.selecting(cur)) this.enqueue(ds);
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    if (controllerRefOf(pod)) {
      const ds = this.resolve(pod);
      if (!ds) return;
      this.expectations.creationObserved(metaNamespaceKey(ds));
      this.enqueue(ds);
      return;
    }
    for (const ds of this.selecting(pod)) this.enqueue(ds);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp) {
      this.deletePod(cur);
      return;
    }
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = !sameJSON(curRef, oldRef);
    if (refChanged && oldRef) {
      const ds = this.resolve(old, oldRef);
      if (ds) this.enqueue(ds);
    }
    if (curRef) {
      const ds = this.resolve(cur, curRef);
      if (!ds) return;
      this.enqueue(ds);
      const minReady = ds.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0)
        this.queue.addAfter(metaNamespaceKey(ds), minReady * 1000 + 1000);
      return;
    }
    if (refChanged || !sameJSON(old.metadata?.labels, cur.metadata?.labels))
      for (const ds of this.selecting(cur)) this.enqueue(ds);
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const ds = this.resolve(objectOf(obj));
    if (!ds) return;
    this.expectations.deletionObserved(metaNamespaceKey(ds));
    this.enqueue(ds);
  }

  /** Converges one DaemonSet; a missing one is the delete. */
  sync(key: string): Promise<Result | void> {
    return this.daemonSync.sync(key);
  }

  private addNode(node: Node): void {
    for (const ds of this.daemonSets.list()) if (nodeShouldRunDaemonPod(node, ds).shouldRun) this.enqueue(ds);
  }

  /** Only label and taint changes can change where daemons run. */
  private updateNode(old: Node, cur: Node): void {
    if (
      sameJSON(old.metadata?.labels ?? {}, cur.metadata?.labels ?? {}) &&
      sameJSON(old.spec?.taints ?? [], cur.spec?.taints ?? [])
    )
      return;
    for (const ds of this.daemonSets.list()) {
      const a = nodeShouldRunDaemonPod(old, ds);
      const b = nodeShouldRunDaemonPod(cur, ds);
      if (a.shouldRun !== b.shouldRun || a.shouldContinueRunning !== b.shouldContinueRunning) this.enqueue(ds);
    }
  }
}

/** kube-controller-manager's `daemonset` controller. */
export const daemonSetController: ControllerDescriptor = {
  name: 'daemonset',
  serviceAccount: 'daemon-set-controller',
  enabledByDefault: true,
  start(ctx) {
    return new DaemonSetController(ctx).run();
  },
};

import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector, type LabelMatcher } from '../../../../api/selectors/label-selector.js';
import {
  type DeletedFinalStateUnknown,
  gvr,
  type Lister,
  metaNamespaceKey,
  objectOf,
  OwnerUidIndex,
  ownerUidIndexFunc,
  RateLimitingQueue,
  type Result,
  runController,
  splitMetaNamespaceKey,
  typed,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import {
  claimCandidates,
  claimObjects,
  ControllerIndex,
  controllerIndexFunc,
  controllerRefOf,
  newControllerRef,
} from '../replicaset/controller-ref.js';
import { podsGVR } from '../replicaset/replica-manager.js';
import { type DeploymentDeps, DeploymentSync } from './deployment-sync.js';
import {
  desiredReplicasAnnotation,
  filterActive,
  getCondition,
  hasProgressDeadline,
  newCondition,
  Reasons,
  replicasOf,
  setCondition,
} from './deployment-util.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';

export const deploymentsGVR = gvr('apps', 'v1', 'deployments');
const replicaSetsGVR = gvr('apps', 'v1', 'replicasets');

/**
 * The Deployment controller (upstream pkg/controller/deployment): owns
 * ReplicaSets named `<deployment>-<pod-template-hash>`, rolls pods from old
 * to new templates with RollingUpdate or Recreate, keeps revisions and
 * history, and reports status and the Available/Progressing conditions that
 * `kubectl rollout` reads. Handlers only enqueue deployment keys.
 */
export class DeploymentController {
  private readonly queue: RateLimitingQueue<string>;
  private readonly deployments: Lister<Deployment>;
  private readonly replicaSets: Lister<ReplicaSet>;
  private readonly pods: Lister<Pod>;
  private readonly deps: DeploymentDeps;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'deployment' });
    const dInformer = ctx.informers.forResource<Deployment>(deploymentsGVR);
    const rsInformer = ctx.informers.forResource<ReplicaSet>(replicaSetsGVR, {
      indexers: { [ControllerIndex]: controllerIndexFunc },
    });
    const podInformer = ctx.informers.forResource<Pod>(podsGVR, {
      indexers: { [OwnerUidIndex]: ownerUidIndexFunc, [ControllerIndex]: controllerIndexFunc },
    });
    this.deployments = dInformer.lister();
    this.replicaSets = rsInformer.lister();
    this.pods = podInformer.lister();
    this.deps = {
      rsClient: typed<ReplicaSet>(ctx.rest, replicaSetsGVR),
      dClient: typed<Deployment>(ctx.rest, deploymentsGVR),
      rsLister: this.replicaSets,
      recorder: ctx.recorder('deployment-controller'),
      clock: ctx.clock,
      log: ctx.log,
    };
    dInformer.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (d) => this.queue.add(metaNamespaceKey(d)),
    });
    rsInformer.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (old, cur) => this.updateReplicaSet(old, cur),
      onDelete: (rs) => this.deleteReplicaSet(rs),
    });
    podInformer.addEventHandler({ onDelete: (p) => this.deletePod(p) });
  }

  run(): Promise<void> {
    return runController({
      name: 'deployment',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.sync(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  private enqueue(d: Deployment): void {
    this.queue.add(metaNamespaceKey(d));
  }

  private deploymentFor(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerRefOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.get(rs.metadata?.namespace ?? '', ref.name);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphan ReplicaSet (an empty selector matches nothing here). */
  private deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    return this.deployments
      .namespace(rs.metadata?.namespace ?? '')
      .list()
      .filter((d) => {
        try {
          const sel = selectorFromLabelSelector(d.spec?.selector);
          return !sel.isEmpty() && sel.matches(rs.metadata?.labels);
        } catch {
          return false;
        }
      });
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata?.deletionTimestamp) {
      this.deleteReplicaSet(rs);
      return;
    }
    if (controllerRefOf(rs)) {
      const d = this.deploymentFor(rs);
      if (d) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsSelecting(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const d = this.deploymentFor(old);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.deploymentFor(cur);
      if (d) this.enqueue(d);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const d of this.deploymentsSelecting(cur)) this.enqueue(d);
  }

  private deleteReplicaSet(obj: ReplicaSet | DeletedFinalStateUnknown<ReplicaSet>): void {
    const d = this.deploymentFor(objectOf(obj));
    if (d) this.enqueue(d);
  }

  /** A Recreate deployment waits for its old pods to be gone: look again when the last one goes. */
  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = objectOf(obj);
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(pod.metadata?.namespace ?? '', ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.deploymentFor(rs);
    if (!d || d.spec?.strategy?.type !== 'Recreate') return;
    const owned = this.replicaSets
      .namespace(d.metadata!.namespace!)
      .list()
      .filter((r) => controllerRefOf(r)?.uid === d.metadata?.uid);
    if (owned.every((r) => this.pods.byIndex(OwnerUidIndex, r.metadata!.uid!).length === 0)) this.enqueue(d);
  }

  /** ReplicaSets this deployment controls, adopting matching orphans and releasing non-matching ones. */
  private async replicaSetsFor(d: Deployment, selector: LabelMatcher): Promise<ReplicaSet[]> {
    const m = d.metadata!;
    return claimObjects(claimCandidates(this.replicaSets, d), {
      owner: d,
      ownerRef: newControllerRef(d, 'apps/v1', 'Deployment'),
      selector,
      client: this.deps.rsClient,
      recheckOwner: async () => {
        const fresh = await this.deps.dClient.namespace(m.namespace!).get(m.name!);
        if (fresh.metadata?.uid !== m.uid) {
          throw new Error(
            `original Deployment ${m.namespace}/${m.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${m.uid}`,
          );
        }
        if (fresh.metadata?.deletionTimestamp) {
          throw new Error(`${m.namespace}/${m.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
        }
      },
    });
  }

  /** Pods of each owned ReplicaSet, by ReplicaSet UID (every ReplicaSet has an entry). */
  private podsByReplicaSet(d: Deployment, selector: LabelMatcher, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const ns = d.metadata!.namespace;
    return new Map(
      rsList.map((rs) => [
        rs.metadata!.uid!,
        this.pods
          .byIndex(ControllerIndex, rs.metadata!.uid!)
          .filter((p) => p.metadata?.namespace === ns && selector.matches(p.metadata?.labels)),
      ]),
    );
  }

  /** Converges one deployment (upstream syncDeployment); a missing deployment is the delete. */
  async sync(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return;
    const s = new DeploymentSync(this.deps, cached);
    const d = s.d;
    const sel = d.spec?.selector;
    if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
      s.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        (d.status ??= {}).observedGeneration = d.metadata?.generation;
        await s.writeStatus();
      }
      return;
    }
    let selector: LabelMatcher;
    try {
      selector = selectorFromLabelSelector(sel);
    } catch (err) {
      throw new Error(
        `deployment ${key} has invalid label selector: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const rsList = await this.replicaSetsFor(d, selector);
    if (d.metadata?.deletionTimestamp) {
      const { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(rsList, false);
      await s.syncStatus([...oldRSs, newRS], newRS);
      return;
    }
    await this.checkPausedConditions(s);
    if (d.spec?.paused || (await this.isScalingEvent(s, rsList))) {
      await this.syncScaled(s, rsList);
      return;
    }
    if (d.spec?.strategy?.type === 'Recreate') {
      await rolloutRecreate(s, rsList, this.podsByReplicaSet(d, selector, rsList));
    } else {
      await rolloutRolling(s, rsList);
    }
    if (s.requeueAfterMs !== undefined)
      return s.requeueAfterMs > 0 ? { requeueAfter: s.requeueAfterMs } : { requeue: true };
  }

  /** Progressing=Unknown with DeploymentPaused/DeploymentResumed, so a pause never times out (upstream checkPausedConditions). */
  private async checkPausedConditions(s: DeploymentSync): Promise<void> {
    const d = s.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === Reasons.TimedOut) return;
    const pausedCond = cond?.reason === Reasons.PausedDeploy;
    let next;
    if (d.spec?.paused && !pausedCond)
      next = newCondition('Progressing', 'Unknown', Reasons.PausedDeploy, 'Deployment is paused', s.now());
    else if (!d.spec?.paused && pausedCond)
      next = newCondition('Progressing', 'Unknown', Reasons.ResumedDeploy, 'Deployment is resumed', s.now());
    if (!next) return;
    setCondition((d.status ??= {}), next);
    await s.writeStatus();
  }

  /** An active ReplicaSet was sized for a different replica count (upstream isScalingEvent). */
  private async isScalingEvent(s: DeploymentSync, rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(rsList, false);
    return filterActive([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== replicasOf(s.d);
    });
  }

  /** Scaling or paused: resize without rolling, clean up history when paused (upstream sync). */
  private async syncScaled(s: DeploymentSync, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await s.replicaSetsAndSyncRevision(rsList, false);
    await s.scale(newRS, oldRSs);
    if (s.d.spec?.paused) await s.cleanup(oldRSs);
    await s.syncStatus([...oldRSs, newRS], newRS);
  }
}

/** kube-controller-manager's `deployment` controller. */
export const deploymentController: ControllerDescriptor = {
  name: 'deployment',
  serviceAccount: 'deployment-controller',
  enabledByDefault: true,
  start(ctx) {
    return new DeploymentController(ctx).run();
  },
};

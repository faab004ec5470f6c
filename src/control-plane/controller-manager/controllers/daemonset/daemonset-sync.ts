import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import { type LabelMatcher, selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import {
  type EventRecorder,
  gvr,
  type Lister,
  metaNamespaceKey,
  type ResourceClient,
  type RestClient,
  type Result,
  splitMetaNamespaceKey,
  typed,
} from '../../../../client/index.js';
import type { Clock } from '../../../../lib/clock.js';
import type { Logger } from '../../../../lib/log.js';
import { controllerRevisionsGVR } from '../history/history-client.js';
import { claimCandidates, claimObjects, newControllerRef } from '../replicaset/controller-ref.js';
import { isNamespaceTerminating, PodControl } from '../replicaset/pod-control.js';
import { type DaemonExpectations, FailedPodsBackoff } from './daemon-expectations.js';
import {
  computeDaemonSetCounts,
  type DaemonSetCounts,
  groupPodsByNode,
  podsShouldBeOnNode,
  SelectingAllReason,
  unscheduledPodsWithoutNode,
} from './daemon-pods.js';
import { DaemonSetHistory } from './daemonset-history.js';
import {
  createPodTemplate,
  DaemonSetUniqueLabelKey,
  daemonSetApiVersion,
  daemonSetKind,
  replaceDaemonSetPodNodeNameNodeAffinity,
  templateGeneration,
} from './daemonset-util.js';
import { planRollingUpdate } from './rolling-update.js';

export const daemonSetsGVR = gvr('apps', 'v1', 'daemonsets');
export const podsGVR = gvr('', 'v1', 'pods');

/** Upstream BurstReplicas: at most this many creates and deletes per sync. */
export const daemonBurstReplicas = 250;
/** Upstream StatusUpdateRetries. */
const statusUpdateRetries = 1;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface DaemonSetSyncDeps {
  daemonSets: Lister<DaemonSet>;
  pods: Lister<Pod>;
  nodes: Lister<Node>;
  revisions: Lister<ControllerRevision>;
  /** The controller's own client (its ServiceAccount's rights). */
  rest: RestClient;
  recorder: EventRecorder;
  expectations: DaemonExpectations;
  clock: Clock;
  log: Logger;
}

/**
 * One DaemonSet's reconcile (upstream syncDaemonSet and what it calls):
 * revisions, then pods per node under expectations, then the rolling update
 * step, history cleanup and status. Reads come from the listers; writes go
 * through the controller's client.
 */
export class DaemonSetSync {
  private readonly dsClient: ResourceClient<DaemonSet>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly podControl: PodControl;
  private readonly history: DaemonSetHistory;
  private readonly backoff = new FailedPodsBackoff();

  constructor(private readonly d: DaemonSetSyncDeps) {
    this.dsClient = typed<DaemonSet>(d.rest, daemonSetsGVR);
    this.podClient = typed<Pod>(d.rest, podsGVR);
    this.podControl = new PodControl(this.podClient, d.recorder);
    this.history = new DaemonSetHistory({
      revisions: typed<ControllerRevision>(d.rest, controllerRevisionsGVR),
      revisionLister: d.revisions,
      daemonSets: this.dsClient,
      pods: this.podClient,
      recheck: (ds) => this.recheck(ds),
    });
  }

  /** An uncached read before adopting: the DaemonSet must still be this one and not being deleted. */
  private async recheck(ds: DaemonSet): Promise<void> {
    const m = ds.metadata!;
    const fresh = await this.dsClient.namespace(m.namespace!).get(m.name!);
    if (fresh.metadata?.uid !== m.uid)
      throw new Error(
        `original DaemonSet ${m.namespace}/${m.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${m.uid}`,
      );
    if (fresh.metadata?.deletionTimestamp)
      throw new Error(`${m.namespace}/${m.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }

  /** The DaemonSet's pods (all of its namespace are candidates: it may have to release some) (upstream getDaemonPods). */
  private claimPods(ds: DaemonSet, selector: LabelMatcher): Promise<Pod[]> {
    return claimObjects(claimCandidates(this.d.pods, ds), {
      owner: ds,
      ownerRef: newControllerRef(ds, daemonSetApiVersion, daemonSetKind),
      selector,
      client: this.podClient,
      recheckOwner: () => this.recheck(ds),
    });
  }

  private async nodeToDaemonPods(ds: DaemonSet, selector: LabelMatcher, includeDeletedTerminal = false) {
    return groupPodsByNode(await this.claimPods(ds, selector), includeDeletedTerminal);
  }

  private subject(ds: DaemonSet): DaemonSet {
    return { ...ds, apiVersion: daemonSetApiVersion, kind: daemonSetKind };
  }

  /** Converges one DaemonSet (upstream syncDaemonSet); a missing one is the delete. */
  async sync(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const ds = this.d.daemonSets.get(namespace, name);
    if (!ds) {
      this.d.expectations.delete(key);
      return;
    }
    const nodes = this.d.nodes.list();
    const sel = ds.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      this.d.recorder.event(
        this.subject(ds),
        'Warning',
        SelectingAllReason,
        'This daemon set is selecting all pods. A non-empty selector is required.',
      );
      return;
    }
    // Being deleted: its revisions may already be gone, so nothing here can be computed reliably.
    if (ds.metadata?.deletionTimestamp) return;
    const selector = selectorFromLabelSelector(sel);
    const { cur, old } = await this.history.construct(ds, selector, () => this.claimPods(ds, selector));
    const hash = cur.metadata?.labels?.[DaemonSetUniqueLabelKey] ?? '';
    let requeueAfter: number | undefined;
    const requeue = (ms: number) => (requeueAfter = requeueAfter === undefined ? ms : Math.min(requeueAfter, ms));
    if (!this.d.expectations.satisfied(key)) {
      // Only status: observedGeneration stays, this generation was not acted on.
      await this.updateStatus(ds, selector, nodes, hash, false, requeue);
      return requeueAfter !== undefined ? { requeueAfter } : undefined;
    }
    let error: unknown;
    try {
      await this.manage(ds, selector, nodes, hash, requeue);
      if (this.d.expectations.satisfied(key) && ds.spec?.updateStrategy?.type === 'RollingUpdate') {
        const plan = planRollingUpdate(ds, nodes, await this.nodeToDaemonPods(ds, selector), hash, this.d.clock.now());
        await this.syncNodes(ds, plan.podsToDelete, plan.nodesNeedingDaemonPods, hash);
      }
      const all = [...(await this.nodeToDaemonPods(ds, selector, true)).values()].flat();
      try {
        await this.history.cleanup(ds, old, all);
      } catch (err) {
        throw new Error(`failed to clean up revisions of DaemonSet: ${errorText(err)}`, { cause: err });
      }
    } catch (err) {
      error = err;
    }
    try {
      await this.updateStatus(ds, selector, nodes, hash, true, requeue);
    } catch (statusErr) {
      if (error === undefined) throw statusErr;
      this.d.log.error('failed to update status', { key, err: statusErr });
    }
    if (error !== undefined) throw error;
    return requeueAfter !== undefined ? { requeueAfter } : undefined;
  }

  /** Creates daemon pods where missing and deletes those that must go (upstream manage). */
  private async manage(
    ds: DaemonSet,
    selector: LabelMatcher,
    nodes: Node[],
    hash: string,
    requeue: (ms: number) => void,
  ): Promise<void> {
    const byNode = await this.nodeToDaemonPods(ds, selector);
    const subject = this.subject(ds);
    const ctx = {
      hash,
      now: this.d.clock.now(),
      backoff: this.backoff,
      event: (type: 'Normal' | 'Warning', reason: string, message: string) =>
        this.d.recorder.event(subject, type, reason, message),
      requeueAfter: requeue,
    };
    const create: string[] = [];
    const del: string[] = [];
    for (const node of nodes) {
      const r = podsShouldBeOnNode(node, byNode, ds, ctx);
      create.push(...r.nodesNeedingDaemonPods);
      del.push(...r.podsToDelete);
    }
    del.push(...unscheduledPodsWithoutNode(nodes, byNode));
    await this.syncNodes(ds, del, create, hash);
  }

  /**
   * Deletes `podsToDelete` and creates a pod for each of `nodesNeedingPods`
   * (at most daemonBurstReplicas each), under expectations; creates run in
   * slow-start batches (upstream syncNodes). Throws the failures.
   */
  private async syncNodes(
    ds: DaemonSet,
    podsToDelete: string[],
    nodesNeedingPods: string[],
    hash: string,
  ): Promise<void> {
    const key = metaNamespaceKey(ds);
    const createDiff = Math.min(nodesNeedingPods.length, daemonBurstReplicas);
    const deleteDiff = Math.min(podsToDelete.length, daemonBurstReplicas);
    this.d.expectations.set(key, createDiff, deleteDiff);
    const errors: unknown[] = [];
    const template = createPodTemplate(ds.spec?.template, templateGeneration(ds), hash);
    const ref = newControllerRef(ds, daemonSetApiVersion, daemonSetKind);
    const subject = this.subject(ds);
    const ns = ds.metadata!.namespace!;
    let pos = 0;
    for (
      let batch = Math.min(createDiff, 1);
      pos < createDiff;
      pos += batch, batch = Math.min(2 * batch, createDiff - pos)
    ) {
      const before = errors.length;
      await Promise.all(
        nodesNeedingPods.slice(pos, pos + batch).map(async (nodeName) => {
          const t = structuredClone(template);
          t.spec!.affinity = replaceDaemonSetPodNodeNameNodeAffinity(t.spec!.affinity, nodeName);
          try {
            await this.podControl.createPod(ns, t, subject, ds.metadata!.name!, ref);
          } catch (err) {
            // A terminating namespace fails every create: nothing to report; the pod will never be observed though.
            this.d.expectations.creationObserved(key);
            if (!isNamespaceTerminating(err)) errors.push(err);
          }
        }),
      );
      const skipped = createDiff - (pos + batch);
      if (errors.length > before && skipped > 0) {
        // Never attempted: stop expecting them; the next sync starts the slow start over.
        this.d.expectations.lower(key, skipped, 0);
        break;
      }
    }
    await Promise.all(
      podsToDelete.slice(0, deleteDiff).map(async (podName) => {
        try {
          await this.podControl.deletePod(ns, podName, subject);
        } catch (err) {
          this.d.expectations.deletionObserved(key);
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    );
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new Error(`[${errors.map(errorText).join(', ')}]`, { cause: errors[0] });
  }

  /** Computes and stores the status counts (upstream updateDaemonSetStatus / storeDaemonSetStatus). */
  private async updateStatus(
    ds: DaemonSet,
    selector: LabelMatcher,
    nodes: Node[],
    hash: string,
    updateObservedGen: boolean,
    requeue: (ms: number) => void,
  ): Promise<void> {
    const byNode = await this.nodeToDaemonPods(ds, selector);
    const counts = computeDaemonSetCounts(ds, nodes, byNode, hash, this.d.clock.now());
    try {
      await this.storeStatus(ds, counts, updateObservedGen);
    } catch (err) {
      throw new Error(
        `error storing status for daemon set ${ds.metadata?.namespace}/${ds.metadata?.name}: ${errorText(err)}`,
        {
          cause: err,
        },
      );
    }
    // Availability after minReadySeconds produces no event of its own.
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && counts.numberReady !== counts.numberAvailable) requeue(minReady * 1000);
  }

  private async storeStatus(ds: DaemonSet, counts: DaemonSetCounts, updateObservedGen: boolean): Promise<void> {
    const s = ds.status;
    const unchanged = (Object.keys(counts) as (keyof DaemonSetCounts)[]).every((k) => (s?.[k] ?? 0) === counts[k]);
    if (unchanged && (s?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0)) return;
    let toUpdate: DaemonSet = ds;
    for (let i = 0; ; i++) {
      const status = { ...toUpdate.status, ...counts };
      if (updateObservedGen) status.observedGeneration = ds.metadata?.generation;
      try {
        await this.dsClient.namespace(ds.metadata!.namespace!).updateStatus({ ...toUpdate, status });
        return;
      } catch (err) {
        if (i >= statusUpdateRetries) throw err;
        toUpdate = await this.dsClient.namespace(ds.metadata!.namespace!).get(ds.metadata!.name!);
      }
    }
  }
}

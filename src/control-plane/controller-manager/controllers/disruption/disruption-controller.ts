import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { isConflict, isNotFound } from '../../../../api/errors/status-error.js';
import { labelSelectorToString, selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import { semanticEqual } from '../../../../api/validation/common.js';
import { formatTime } from '../../../../api/values/time.js';
import {
  type DeletedFinalStateUnknown,
  type EventRecorder,
  gvr,
  type Lister,
  metaNamespaceKey,
  objectOf,
  RateLimitingQueue,
  type ResourceClient,
  type Result,
  runController,
  type SharedIndexInformer,
  splitMetaNamespaceKey,
  typed,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { ScaleClient } from '../hpa/scale-client.js';
import { ExpectedScaleFinder } from './expected-scale.js';
import {
  budgetFor,
  buildDisruptedPodMap,
  countHealthyPods,
  desiredStatus,
  failSafeStatus,
  needsExpectedScale,
} from './pdb-status.js';
import { staleDisruptionWait } from './stale-disruption.js';

export const pdbsGVR = gvr('policy', 'v1', 'poddisruptionbudgets');
const podsGVR = gvr('', 'v1', 'pods');

/** PDBs are looked at again this often even without events (upstream's 30 s handler resync). */
const pdbResyncMs = 30_000;
/** Field manager of the stale DisruptionTarget cleanup (upstream fieldManager). */
const fieldManager = 'DisruptionController';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * kube-controller-manager's `disruption` controller: keeps each
 * PodDisruptionBudget's status (expectedPods, desiredHealthy, currentHealthy,
 * disruptionsAllowed, disruptedPods, the DisruptionAllowed condition) in line
 * with the pods it selects, which is what the eviction subresource consults.
 * Pod and budget events only enqueue budget keys; a failed sync fails safe
 * (no disruptions allowed). A second queue clears DisruptionTarget conditions
 * left on pods whose eviction never turned into a deletion.
 */
export class DisruptionController {
  private readonly queue: RateLimitingQueue<string>;
  private readonly staleQueue: RateLimitingQueue<string>;
  private readonly pdbs: Lister<PodDisruptionBudget>;
  private readonly pods: Lister<Pod>;
  private readonly pdbClient: ResourceClient<PodDisruptionBudget>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly finder: ExpectedScaleFinder;
  private readonly recorder: EventRecorder;
  private readonly synced: SharedIndexInformer<any>[];

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'disruption' });
    this.staleQueue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'disruption-stale-pod' });
    this.recorder = ctx.recorder('controllermanager');
    const pdbInformer = ctx.informers.forResource<PodDisruptionBudget>(pdbsGVR);
    const podInformer = ctx.informers.forResource<Pod>(podsGVR);
    const rcInformer = ctx.informers.forResource<ReplicationController>(gvr('', 'v1', 'replicationcontrollers'));
    const rsInformer = ctx.informers.forResource<ReplicaSet>(gvr('apps', 'v1', 'replicasets'));
    const dInformer = ctx.informers.forResource<Deployment>(gvr('apps', 'v1', 'deployments'));
    const ssInformer = ctx.informers.forResource<StatefulSet>(gvr('apps', 'v1', 'statefulsets'));
    this.synced = [pdbInformer, podInformer, rcInformer, rsInformer, dInformer, ssInformer];
    this.pdbs = pdbInformer.lister();
    this.pods = podInformer.lister();
    this.pdbClient = typed<PodDisruptionBudget>(ctx.rest, pdbsGVR);
    this.podClient = typed<Pod>(ctx.rest, podsGVR);
    this.finder = new ExpectedScaleFinder(
      {
        replicationControllers: rcInformer.lister(),
        replicaSets: rsInformer.lister(),
        deployments: dInformer.lister(),
        statefulSets: ssInformer.lister(),
      },
      new ScaleClient(ctx.rest, ctx.clock),
    );
    pdbInformer.addEventHandler(
      {
        onAdd: (p) => this.queue.add(metaNamespaceKey(p)),
        onUpdate: (_old, p) => this.queue.add(metaNamespaceKey(p)),
        onDelete: (p) => this.queue.add(metaNamespaceKey(p)),
      },
      { resyncPeriodMs: pdbResyncMs },
    );
    podInformer.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (old, cur) => {
        this.onPod(cur);
        if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {})) {
          this.enqueuePdbFor(old);
        }
      },
      onDelete: (p: Pod | DeletedFinalStateUnknown<Pod>) => this.enqueuePdbFor(objectOf(p)),
    });
  }

  /** Waits for the caches, then runs both queues until the context's signal aborts. */
  async run(): Promise<void> {
    const { signal } = this.ctx;
    const ok = await Promise.all(this.synced.map((i) => i.waitForSync(signal)));
    if (!ok.every(Boolean)) return;
    const common = { signal, log: this.ctx.log, clock: this.ctx.clock };
    await Promise.all([
      runController({
        ...common,
        name: 'disruption',
        queue: this.queue,
        workers: this.ctx.config.workers,
        reconcile: (key) => this.sync(key),
      }),
      runController({
        ...common,
        name: 'disruption-stale-pod',
        queue: this.staleQueue,
        workers: 1,
        reconcile: (key) => this.syncStalePodDisruption(key),
      }),
    ]);
  }

  private onPod(pod: Pod): void {
    this.enqueuePdbFor(pod);
    const wait = staleDisruptionWait(pod, this.ctx.clock.now());
    if (wait !== undefined) this.staleQueue.addAfter(metaNamespaceKey(pod), wait);
  }

  /** Budgets in the pod's namespace whose selector matches it (policy/v1: an empty selector matches all). */
  pdbsForPod(pod: Pod): PodDisruptionBudget[] {
    return this.pdbs
      .namespace(pod.metadata?.namespace ?? '')
      .list()
      .filter((pdb) => {
        try {
          return selectorFromLabelSelector(pdb.spec?.selector).matches(pod.metadata?.labels);
        } catch {
          return false;
        }
      });
  }

  /** Enqueues the budget of a pod; more than one is reported on the pod and the first is used, as upstream. */
  private enqueuePdbFor(pod: Pod): void {
    const found = this.pdbsForPod(pod);
    if (found.length === 0) return;
    if (found.length > 1) {
      const m = pod.metadata!;
      this.recorder.event(
        { ...pod, apiVersion: 'v1', kind: 'Pod' },
        'Warning',
        'MultiplePodDisruptionBudgets',
        `Pod ${JSON.stringify(m.namespace)}/${JSON.stringify(m.name)} matches multiple PodDisruptionBudgets.  Chose ${JSON.stringify(found[0]!.metadata?.name)} arbitrarily.`,
      );
    }
    this.queue.add(metaNamespaceKey(found[0]!));
  }

  /** Converges one budget's status; a missing budget is the delete. */
  async sync(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pdb = this.pdbs.get(namespace, name);
    if (!pdb) return;
    try {
      return await this.trySync(pdb);
    } catch (err) {
      // A conflict means a newer budget is on its way: retry without failing safe.
      if (isConflict(err) || this.ctx.signal.aborted) throw err;
      this.ctx.log.warn('failed to sync PodDisruptionBudget', { key, err });
      const safe = failSafeStatus(pdb, errorText(err), this.ctx.clock.now());
      // Rewriting an identical status would only wake this controller again.
      if (!semanticEqual(safe, pdb.status)) await this.writeStatus(pdb, safe);
    }
  }

  private subject(pdb: PodDisruptionBudget) {
    return { ...pdb, apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' };
  }

  private async trySync(pdb: PodDisruptionBudget): Promise<Result | void> {
    const subject = this.subject(pdb);
    let pods: Pod[];
    try {
      const sel = selectorFromLabelSelector(pdb.spec?.selector);
      pods = this.pods
        .namespace(pdb.metadata!.namespace!)
        .list()
        .filter((p) => sel.matches(p.metadata?.labels));
    } catch (err) {
      this.recorder.event(subject, 'Warning', 'NoPods', `Failed to get pods: ${errorText(err)}`);
      throw err;
    }
    if (pods.length === 0) this.recorder.event(subject, 'Normal', 'NoPods', 'No matching pods found');

    let scale = { expectedCount: 0, unmanagedPods: [] as string[] };
    let budget;
    try {
      if (needsExpectedScale(pdb)) scale = await this.finder.expectedScale(pods, this.ctx.signal);
      budget = budgetFor(pdb, pods.length, scale.expectedCount);
    } catch (err) {
      this.recorder.event(
        subject,
        'Warning',
        'CalculateExpectedPodCountFailed',
        `Failed to calculate the number of expected pods: ${errorText(err)}`,
      );
      throw err;
    }
    if (scale.unmanagedPods.length > 0) {
      let selector = '';
      try {
        selector = labelSelectorToString(pdb.spec?.selector);
      } catch {
        // Already validated above.
      }
      this.recorder.event(
        subject,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${selector}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }

    const now = this.ctx.clock.now();
    const disrupted = buildDisruptedPodMap(pods, pdb, now);
    for (const pod of disrupted.expired) {
      // Upstream prints the budget's namespace twice here; kept for identical events.
      this.recorder.event(
        { ...pod, apiVersion: 'v1', kind: 'Pod' },
        'Warning',
        'NotDeleted',
        `Pod was expected by PDB ${pdb.metadata!.namespace}/${pdb.metadata!.namespace} to be deleted but it wasn't`,
      );
    }
    const status = desiredStatus(
      pdb,
      {
        currentHealthy: countHealthyPods(pods, disrupted.pods, now),
        desiredHealthy: budget.desiredHealthy,
        expectedCount: budget.expectedCount,
        disruptedPods: disrupted.pods,
      },
      now,
    );
    if (status) await this.writeStatus(pdb, status);
    if (disrupted.recheckAt !== undefined) return { requeueAfter: Math.max(1, disrupted.recheckAt - now) };
  }

  /** One status PUT on the cached budget's resourceVersion; failures go back to the queue. */
  private async writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudget['status']): Promise<void> {
    await this.pdbClient.namespace(pdb.metadata!.namespace!).updateStatus({ ...pdb, status });
  }

  /** Resets a DisruptionTarget condition whose pod was never deleted (upstream syncStalePodDisruption). */
  async syncStalePodDisruption(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod) return;
    const wait = staleDisruptionWait(pod, this.ctx.clock.now());
    if (wait === undefined) return;
    if (wait > 0) return { requeueAfter: wait };
    const patch = {
      metadata: { resourceVersion: pod.metadata!.resourceVersion },
      status: {
        conditions: [
          { type: 'DisruptionTarget', status: 'False', lastTransitionTime: formatTime(this.ctx.clock.now()) },
        ],
      },
    };
    try {
      await this.podClient
        .namespace(namespace)
        .patch(name, 'strategic', patch, { subresource: 'status', fieldManager });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** kube-controller-manager's `disruption` controller. */
export const disruptionController: ControllerDescriptor = {
  name: 'disruption',
  serviceAccount: 'disruption-controller',
  enabledByDefault: true,
  start(ctx) {
    return new DisruptionController(ctx).run();
  },
};

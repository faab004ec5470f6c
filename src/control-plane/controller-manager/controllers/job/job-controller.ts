import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import { type LabelMatcher, selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';
import {
  type DeletedFinalStateUnknown,
  gvr,
  ItemExponentialFailureRateLimiter,
  type Lister,
  metaNamespaceKey,
  objectOf,
  RateLimitingQueue,
  type ResourceClient,
  runController,
  splitMetaNamespaceKey,
  typed,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { ControllerIndex, controllerIndexFunc, controllerRefOf } from '../replicaset/controller-ref.js';
import { ControllerExpectations } from '../replicaset/expectations.js';
import { podsGVR } from '../replicaset/replica-manager.js';
import { FinalizerExpectations } from './finalizer-expectations.js';
import { defaultJobControllerOptions, type JobControllerOptions, type JobDeps, jobSubject } from './job-deps.js';
import { JobPodControl } from './job-pod-control.js';
import { syncJobWithPods } from './job-sync.js';
import { claimJobPods } from './claim-pods.js';
import {
  hasJobTrackingFinalizer,
  isJobFinished,
  managedByExternalController,
  removeTrackingFinalizerPatch,
  time,
} from './job-util.js';
import { BackoffStore } from './pod-backoff.js';

export const jobsGVR = gvr('batch', 'v1', 'jobs');

const sameRef = (a: OwnerReference | undefined, b: OwnerReference | undefined) =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The Job controller (upstream pkg/controller/job): runs a Job's pods to
 * completion with parallelism/completions, NonIndexed and Indexed modes,
 * backoff limits (global and per index), podFailurePolicy, successPolicy,
 * activeDeadlineSeconds and suspend. Every pod carries the
 * `batch.kubernetes.io/job-tracking` finalizer until its outcome is in the
 * Job's status, so no pod is lost or counted twice. Pod events are batched
 * (one sync per Job per second); a second queue removes the finalizer from
 * pods whose Job is gone or finished.
 */
export class JobController {
  private readonly queue: RateLimitingQueue<string>;
  private readonly orphanQueue: RateLimitingQueue<string>;
  private readonly jobs: Lister<Job>;
  private readonly pods: Lister<Pod>;
  private readonly jobInformerSynced: (s: AbortSignal) => Promise<boolean>;
  private readonly podInformerSynced: (s: AbortSignal) => Promise<boolean>;
  private readonly jobClient: ResourceClient<Job>;
  private readonly podClient: ResourceClient<Pod>;
  readonly deps: JobDeps;

  constructor(
    private readonly ctx: ControllerContext,
    options: Partial<JobControllerOptions> = {},
  ) {
    const o = { ...defaultJobControllerOptions, ...options };
    const limiter = () => new ItemExponentialFailureRateLimiter<string>(o.apiBackoffMs, o.maxApiBackoffMs);
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'job', rateLimiter: limiter() });
    this.orphanQueue = new RateLimitingQueue<string>({
      clock: ctx.clock,
      name: 'job_orphan_pod',
      rateLimiter: limiter(),
    });
    const jobInformer = ctx.informers.forResource<Job>(jobsGVR);
    const podInformer = ctx.informers.forResource<Pod>(podsGVR, {
      indexers: { [ControllerIndex]: controllerIndexFunc },
    });
    this.jobs = jobInformer.lister();
    this.pods = podInformer.lister();
    this.jobInformerSynced = (s) => jobInformer.waitForSync(s);
    this.podInformerSynced = (s) => podInformer.waitForSync(s);
    this.jobClient = typed<Job>(ctx.rest, jobsGVR);
    this.podClient = typed<Pod>(ctx.rest, podsGVR);
    const recorder = ctx.recorder('job-controller');
    this.deps = {
      clock: ctx.clock,
      log: ctx.log,
      options: o,
      jobs: this.jobClient,
      podControl: new JobPodControl(this.podClient, recorder),
      recorder,
      expectations: new ControllerExpectations(ctx.clock),
      finalizerExpectations: new FinalizerExpectations(),
      backoff: new BackoffStore(),
      enqueueAfter: (key, delayMs) => this.queue.addAfter(key, Math.max(delayMs, o.syncBatchPeriodMs)),
    };
    jobInformer.addEventHandler({
      onAdd: (j) => this.queue.add(metaNamespaceKey(j)),
      onUpdate: (old, cur) => this.updateJob(old, cur),
      onDelete: (j) => this.deleteJob(j),
    });
    podInformer.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (old, cur) => this.updatePod(old, cur),
      onDelete: (p) => this.deletePod(objectOf(p), true),
    });
  }

  /** Waits for the caches, then runs the workers and the orphan-pod worker until the signal aborts. */
  async run(): Promise<void> {
    const { signal } = this.ctx;
    const synced = await Promise.all([this.jobInformerSynced(signal), this.podInformerSynced(signal)]);
    if (!synced.every(Boolean)) {
      this.queue.shutDown();
      this.orphanQueue.shutDown();
      return;
    }
    const common = { signal, log: this.ctx.log, clock: this.ctx.clock };
    await Promise.all([
      runController({
        ...common,
        name: 'job',
        queue: this.queue,
        workers: this.ctx.config.workers,
        reconcile: (key) => this.sync(key),
      }),
      runController({
        ...common,
        name: 'job_orphan_pod',
        queue: this.orphanQueue,
        reconcile: (k) => this.syncOrphanPod(k),
      }),
    ]);
  }

  private enqueueBatched(job: Job): void {
    this.queue.addAfter(metaNamespaceKey(job), this.deps.options.syncBatchPeriodMs);
  }

  private resolveControllerRef(namespace: string, ref: OwnerReference): Job | undefined {
    if (ref.kind !== 'Job') return undefined;
    const job = this.jobs.get(namespace, ref.name);
    return job && job.metadata?.uid === ref.uid ? job : undefined;
  }

  /** Jobs whose selector matches the pod (upstream GetPodJobs; an empty selector matches nothing). */
  private jobsSelecting(pod: Pod): Job[] {
    return this.jobs
      .namespace(pod.metadata?.namespace ?? '')
      .list()
      .filter((j) => {
        try {
          const sel = selectorFromLabelSelector(j.spec?.selector);
          return !sel.isEmpty() && sel.matches(pod.metadata?.labels);
        } catch {
          return false;
        }
      });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // After a restart a pod may show up already terminating: that is not a creation.
      this.deletePod(pod, false);
      return;
    }
    const ref = controllerRefOf(pod);
    if (ref) {
      const job = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!job) return;
      this.deps.expectations.creationObserved(metaNamespaceKey(job));
      this.enqueueBatched(job);
      return;
    }
    if (hasJobTrackingFinalizer(pod)) this.orphanQueue.add(metaNamespaceKey(pod));
    for (const job of this.jobsSelecting(pod)) this.enqueueBatched(job);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp) {
      // Graceful deletion: act now rather than when the kubelet finally removes the pod.
      this.deletePod(cur, false);
      return;
    }
    // Not checking the old pod: during an ownership change the finalizer may come and go in one event.
    const finalizerRemoved = !hasJobTrackingFinalizer(cur);
    const uid = cur.metadata?.uid ?? '';
    const ns = cur.metadata?.namespace ?? '';
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = !sameRef(curRef, oldRef);
    if (refChanged && oldRef) {
      const job = this.resolveControllerRef(ns, oldRef);
      if (job) {
        if (finalizerRemoved) this.deps.finalizerExpectations.finalizerRemovalObserved(metaNamespaceKey(job), uid);
        this.enqueueBatched(job);
      }
    }
    if (curRef) {
      const job = this.resolveControllerRef(ns, curRef);
      if (!job) return;
      if (finalizerRemoved) this.deps.finalizerExpectations.finalizerRemovalObserved(metaNamespaceKey(job), uid);
      this.enqueueBatched(job);
      return;
    }
    if (hasJobTrackingFinalizer(cur)) this.orphanQueue.add(metaNamespaceKey(cur));
    const labelsChanged = JSON.stringify(cur.metadata?.labels ?? {}) !== JSON.stringify(old.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const job of this.jobsSelecting(cur)) this.enqueueBatched(job);
  }

  /** `final`: the pod is gone (not merely terminating). */
  private deletePod(pod: Pod, final: boolean): void {
    const ref = controllerRefOf(pod);
    const hasFinalizer = hasJobTrackingFinalizer(pod);
    if (!ref) {
      // The garbage collector may have removed the reference of a pod of a deleted Job.
      if (hasFinalizer) this.orphanQueue.add(metaNamespaceKey(pod));
      return;
    }
    const job = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (!job || isJobFinished(job)) {
      // syncJob will not remove this finalizer.
      if (hasFinalizer) this.orphanQueue.add(metaNamespaceKey(pod));
      return;
    }
    const key = metaNamespaceKey(job);
    this.deps.expectations.deletionObserved(key, metaNamespaceKey(pod));
    if (final || !hasFinalizer) this.deps.finalizerExpectations.finalizerRemovalObserved(key, pod.metadata?.uid ?? '');
    this.enqueueBatched(job);
  }

  private updateJob(old: Job, cur: Job): void {
    const key = metaNamespaceKey(cur);
    // Spec changes sync at once; status-only updates (mostly our own) are batched.
    if (cur.metadata?.generation === old.metadata?.generation) this.enqueueBatched(cur);
    else this.queue.add(key);
    // Backup: a finished Job's pods must not keep their finalizers.
    if (isJobFinished(cur)) this.cleanupPodFinalizers(cur);
    const ads = cur.spec?.activeDeadlineSeconds;
    if (cur.status?.startTime && typeof ads === 'number' && old.spec?.activeDeadlineSeconds !== ads) {
      const passed = this.ctx.clock.now() - time(cur.status.startTime);
      this.queue.addAfter(key, ads * 1000 - passed);
    }
  }

  private deleteJob(obj: Job | DeletedFinalStateUnknown<Job>): void {
    this.queue.add(metaNamespaceKey(obj));
    this.cleanupPodFinalizers(objectOf(obj));
  }

  /** Hands the Job's pods that still carry the finalizer to the orphan worker. */
  private cleanupPodFinalizers(job: Job): void {
    let selector: LabelMatcher;
    try {
      selector = selectorFromLabelSelector(job.spec?.selector);
    } catch (err) {
      this.ctx.log.warn('parsing deleted job selector', { err });
      return;
    }
    for (const pod of this.pods.namespace(job.metadata?.namespace ?? '').list(selector)) {
      if (controllerRefOf(pod)?.uid === job.metadata?.uid && hasJobTrackingFinalizer(pod))
        this.orphanQueue.add(metaNamespaceKey(pod));
    }
  }

  /** Removes the tracking finalizer from a pod no unfinished batch/v1 Job controls any more. */
  async syncOrphanPod(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod) return;
    const ref = controllerRefOf(pod);
    if (ref) {
      // Owned by something that is not a Job: its finalizers are not ours to touch.
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
      const job = this.resolveControllerRef(namespace, ref);
      if (job && managedByExternalController(job)) return;
      // Adopted by a live Job: that Job's sync owns the finalizer.
      if (job && !isJobFinished(job)) return;
    }
    const patch = removeTrackingFinalizerPatch(pod);
    if (!patch) return;
    try {
      await this.deps.podControl.patchPod(namespace, name, patch);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Reconciles one Job; a missing Job is the delete. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    if (!namespace || !name) throw new Error(`invalid job key "${key}": either namespace or name is missing`);
    const shared = this.jobs.get(namespace, name);
    const d = this.deps;
    if (!shared) {
      d.expectations.deleteExpectations(key);
      d.finalizerExpectations.deleteExpectations(key);
      d.backoff.remove(key);
      return;
    }
    if (managedByExternalController(shared)) return;
    if (isJobFinished(shared)) {
      d.backoff.remove(key);
      return;
    }
    const mode = shared.spec?.completionMode;
    if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
      d.recorder.event(
        jobSubject(shared),
        'Warning',
        'UnknownCompletionMode',
        'Skipped Job sync because completion mode is unknown',
      );
      return;
    }
    const job = structuredClone(shared);
    // Sampled before listing pods, so a pod created meanwhile cannot sneak past the expectations.
    const satisfied = d.expectations.satisfiedExpectations(key);
    const pods = await claimJobPods(job, this.pods, this.podClient, this.jobClient);
    await syncJobWithPods(d, key, job, pods, satisfied);
  }
}

/** The `job` controller descriptor with the given tunables (tests shorten the backoffs). */
export function jobControllerDescriptor(options: Partial<JobControllerOptions> = {}): ControllerDescriptor {
  return {
    name: 'job',
    serviceAccount: 'job-controller',
    enabledByDefault: true,
    start: (ctx) => new JobController(ctx, options).run(),
  };
}

/** kube-controller-manager's `job` controller. */
export const jobController: ControllerDescriptor = jobControllerDescriptor();

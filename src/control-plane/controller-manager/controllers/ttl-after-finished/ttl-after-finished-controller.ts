import type { Job } from 'kubernetes-types/batch/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import {
  gvr,
  type Lister,
  metaNamespaceKey,
  RateLimitingQueue,
  type ResourceClient,
  runController,
  splitMetaNamespaceKey,
  typed,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { finishedCondition, time } from '../job/job-util.js';

const jobsGVR = gvr('batch', 'v1', 'jobs');

/** Finished, with a TTL, and not already being deleted. */
function needsCleanup(job: Job): boolean {
  return typeof job.spec?.ttlSecondsAfterFinished === 'number' && finishedCondition(job) !== undefined;
}

/**
 * The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished):
 * deletes a finished Job (its pods with it, in the foreground)
 * ttlSecondsAfterFinished after its Complete/Failed condition's transition.
 * A Job not yet due is re-queued for exactly when it is; before deleting, the
 * Job is re-read from the API, since its TTL may have just been changed, and
 * the delete is conditional on the UID that was checked.
 */
export class TTLAfterFinishedController {
  private readonly queue: RateLimitingQueue<string>;
  private readonly jobs: Lister<Job>;
  private readonly client: ResourceClient<Job>;
  private readonly synced: (s: AbortSignal) => Promise<boolean>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'ttl_jobs_to_delete' });
    const inf = ctx.informers.forResource<Job>(jobsGVR);
    this.jobs = inf.lister();
    this.client = typed<Job>(ctx.rest, jobsGVR);
    this.synced = (s) => inf.waitForSync(s);
    const onJob = (job: Job) => {
      if (!job.metadata?.deletionTimestamp && needsCleanup(job)) this.queue.add(metaNamespaceKey(job));
    };
    inf.addEventHandler({ onAdd: onJob, onUpdate: (_old, cur) => onJob(cur) });
  }

  async run(): Promise<void> {
    if (!(await this.synced(this.ctx.signal))) {
      this.queue.shutDown();
      return;
    }
    await runController({
      name: 'ttl-after-finished',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.processJob(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  /**
   * The expiry time when the Job's TTL has run out; otherwise undefined, with
   * the key re-queued for when it will (upstream processTTL).
   */
  private processTTL(job: Job): number | undefined {
    if (job.metadata?.deletionTimestamp || !needsCleanup(job)) return undefined;
    const finishAt = time(finishedCondition(job)!.lastTransitionTime);
    if (finishAt === 0) {
      throw new Error(`unable to find the time when the Job ${job.metadata?.namespace}/${job.metadata?.name} finished`);
    }
    const now = this.ctx.clock.now();
    if (finishAt > now) {
      this.ctx.log.info(
        'Warning: Found Job finished in the future. This is likely due to time skew in the cluster. Job cleanup will be deferred.',
        { job: metaNamespaceKey(job) },
      );
    }
    const expireAt = finishAt + job.spec!.ttlSecondsAfterFinished! * 1000;
    const remaining = expireAt - now;
    if (remaining <= 0) return expireAt;
    this.queue.addAfter(metaNamespaceKey(job), remaining);
    return undefined;
  }

  async processJob(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const job = this.jobs.get(namespace, name);
    if (!job || this.processTTL(job) === undefined) return;
    // The cached TTL may be stale: decide on a fresh read.
    let fresh: Job;
    try {
      fresh = await this.client.namespace(namespace).get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (this.processTTL(fresh) === undefined) return;
    this.ctx.log.debug('cleaning up job', { job: key });
    await this.client
      .namespace(namespace)
      .delete(name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata!.uid! } });
  }
}

/** kube-controller-manager's `ttl-after-finished` controller. */
export const ttlAfterFinishedController: ControllerDescriptor = {
  name: 'ttl-after-finished',
  serviceAccount: 'ttl-after-finished-controller',
  enabledByDefault: true,
  start: (ctx) => new TTLAfterFinishedController(ctx).run(),
};

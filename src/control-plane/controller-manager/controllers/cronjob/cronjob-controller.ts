import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { isAlreadyExists, isNotFound } from '../../../../api/errors/status-error.js';
import {
  type DeletedFinalStateUnknown,
  type EventRecorder,
  type EventSubject,
  gvr,
  type Lister,
  metaNamespaceKey,
  objectOf,
  RateLimitingQueue,
  type ResourceClient,
  type Result,
  runController,
  splitMetaNamespaceKey,
  typed,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { controllerRefOf } from '../replicaset/controller-ref.js';
import { isNamespaceTerminating } from '../replicaset/pod-control.js';
import { finishedCondition, isJobFinished, isJobSucceeded } from '../job/job-util.js';
import { parseStandard, type Schedule } from './cron-schedule.js';
import {
  byJobStartTime,
  deleteFromActiveList,
  formatRFC1123Z,
  inActiveList,
  inActiveListByName,
  jobFromTemplate,
  jobRef,
  mostRecentScheduleTime,
  nextScheduleTimeDuration,
  time,
} from './cronjob-util.js';
import { formatTime } from '../../../../api/values/time.js';
import { localZoneName, Zone } from './zoned-time.js';

export const cronJobsGVR = gvr('batch', 'v1', 'cronjobs');
const jobsGVR = gvr('batch', 'v1', 'jobs');

export interface CronJobControllerOptions {
  /** The zone of schedules without spec.timeZone or TZ= (Go's time.Local; default: this process's zone). */
  localZone?: string;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The CronJob controller (upstream pkg/controller/cronjob, ControllerV2):
 * creates a Job named `<cronjob>-<minutes since epoch>` for each activation
 * of the schedule (in spec.timeZone), honouring concurrencyPolicy,
 * startingDeadlineSeconds, suspend and the history limits, and keeps
 * status.active / lastScheduleTime / lastSuccessfulTime. Instead of polling,
 * each sync re-queues the CronJob for just after its next activation on the
 * injected clock.
 */
export class CronJobController {
  private readonly queue: RateLimitingQueue<string>;
  private readonly cronJobs: Lister<CronJob>;
  private readonly jobs: Lister<Job>;
  private readonly cjClient: ResourceClient<CronJob>;
  private readonly jobClient: ResourceClient<Job>;
  private readonly recorder: EventRecorder;
  private readonly localZone: string;
  private readonly waitSynced: (s: AbortSignal) => Promise<boolean[]>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: CronJobControllerOptions = {},
  ) {
    this.localZone = opts.localZone ?? localZoneName();
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'cronjob' });
    const cjInformer = ctx.informers.forResource<CronJob>(cronJobsGVR);
    const jobInformer = ctx.informers.forResource<Job>(jobsGVR);
    this.cronJobs = cjInformer.lister();
    this.jobs = jobInformer.lister();
    this.waitSynced = (s) => Promise.all([cjInformer.waitForSync(s), jobInformer.waitForSync(s)]);
    this.cjClient = typed<CronJob>(ctx.rest, cronJobsGVR);
    this.jobClient = typed<Job>(ctx.rest, jobsGVR);
    this.recorder = ctx.recorder('cronjob-controller');
    cjInformer.addEventHandler({
      onAdd: (cj) => this.queue.add(metaNamespaceKey(cj)),
      onUpdate: (old, cur) => this.updateCronJob(old, cur),
      onDelete: (cj) => this.queue.add(metaNamespaceKey(cj)),
    });
    jobInformer.addEventHandler({
      onAdd: (j) => this.jobChanged(j),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        const oldRef = controllerRefOf(old);
        if (oldRef && oldRef.uid !== controllerRefOf(cur)?.uid) this.jobChanged(old);
        this.jobChanged(cur);
      },
      onDelete: (j) => this.jobChanged(objectOf(j)),
    });
  }

  async run(): Promise<void> {
    const synced = await this.waitSynced(this.ctx.signal);
    if (!synced.every(Boolean)) {
      this.queue.shutDown();
      return;
    }
    await runController({
      name: 'cronjob',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.sync(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  private subject(cj: CronJob): EventSubject {
    return { ...cj, apiVersion: 'batch/v1', kind: 'CronJob' };
  }

  /** A Job event wakes the CronJob that controls it. */
  private jobChanged(job: Job | DeletedFinalStateUnknown<Job>): void {
    const j = objectOf(job);
    const ref = controllerRefOf(j);
    if (!ref || ref.kind !== 'CronJob') return;
    const cj = this.cronJobs.get(j.metadata?.namespace ?? '', ref.name);
    if (cj && cj.metadata?.uid === ref.uid) this.queue.add(metaNamespaceKey(cj));
  }

  /** A changed schedule re-queues for its next activation; any other change syncs now. */
  private updateCronJob(old: CronJob, cur: CronJob): void {
    const key = metaNamespaceKey(cur);
    if (old.spec?.schedule === cur.spec?.schedule && (old.spec?.timeZone ?? null) === (cur.spec?.timeZone ?? null)) {
      this.queue.add(key);
      return;
    }
    let sched: Schedule;
    try {
      sched = parseStandard(this.formatSchedule(cur, false), this.localZone);
    } catch {
      this.recorder.event(
        this.subject(cur),
        'Warning',
        'UnParseableCronJobSchedule',
        `unparseable schedule for cronjob: ${cur.spec?.schedule}`,
      );
      return;
    }
    this.queue.addAfter(key, nextScheduleTimeDuration(cur, this.ctx.clock.now(), sched));
  }

  /** spec.timeZone becomes a `TZ=` prefix; a TZ in the schedule itself is used as is, with a warning. */
  private formatSchedule(cj: CronJob, warn: boolean): string {
    const schedule = cj.spec?.schedule ?? '';
    if (schedule.includes('TZ')) {
      if (warn)
        this.recorder.event(
          this.subject(cj),
          'Warning',
          'UnsupportedSchedule',
          `CRON_TZ or TZ used in schedule ${JSON.stringify(schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
        );
      return schedule;
    }
    const tz = cj.spec?.timeZone;
    if (tz !== undefined && tz !== null && Zone.load(tz)) return `TZ=${tz} ${schedule}`;
    return schedule;
  }

  /** Reconciles one CronJob; a missing CronJob is the delete. */
  async sync(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const shared = this.cronJobs.get(namespace, name);
    if (!shared) return;
    // Jobs it controls by name, including those whose labels no longer match its template.
    const jobs = this.jobs
      .namespace(namespace)
      .list()
      .filter((j) => controllerRefOf(j)?.name === name);
    const cj = structuredClone(shared);
    const cleaned = await this.cleanupFinishedJobs(cj, jobs);
    let requeueAfter: number | undefined;
    let synced = false;
    let syncError: unknown;
    try {
      const r = await this.syncCronJob(cj, jobs);
      requeueAfter = r.requeueAfter;
      synced = r.updateStatus;
    } catch (err) {
      syncError = err;
      synced = (err as { updateStatus?: boolean }).updateStatus ?? false;
      this.ctx.log.debug('error reconciling cronjob', { cronjob: key, err });
    }
    if (cleaned || synced) await this.cjClient.namespace(namespace).updateStatus(cj);
    if (requeueAfter !== undefined) return { requeueAfter: Math.max(1, requeueAfter) };
    if (syncError !== undefined) throw syncError;
  }

  /**
   * Upstream syncCronJob: folds finished and vanished Jobs out of
   * status.active, then starts the most recent unmet activation if it is
   * within startingDeadlineSeconds, not yet started, and allowed by the
   * concurrency policy. Mutates `cj` (status) and says whether to write it.
   */
  private async syncCronJob(cj: CronJob, jobs: Job[]): Promise<{ requeueAfter?: number; updateStatus: boolean }> {
    const now = this.ctx.clock.now();
    let updateStatus = false;
    const fail = (err: unknown) => Object.assign(err instanceof Error ? err : new Error(String(err)), { updateStatus });
    const ns = cj.metadata!.namespace!;
    const children = new Set<string>();
    cj.status ??= {};
    for (const j of jobs) {
      const uid = j.metadata?.uid;
      children.add(uid ?? '');
      const found = inActiveList(cj, uid);
      if (!found && !isJobFinished(j)) {
        let fresh: CronJob;
        try {
          fresh = await this.cjClient.namespace(ns).get(cj.metadata!.name!);
        } catch (err) {
          throw fail(err);
        }
        if (inActiveList(fresh, uid)) {
          // Our cache was behind our own status write.
          cj.status = structuredClone(fresh.status ?? {});
          continue;
        }
        // Started just before a crash that lost the status write, or made by someone else.
        this.recorder.event(
          this.subject(cj),
          'Warning',
          'UnexpectedJob',
          `Saw a job that the controller did not create or forgot: ${j.metadata?.name}`,
        );
      } else if (isJobFinished(j)) {
        if (found) {
          deleteFromActiveList(cj, uid);
          this.recorder.event(
            this.subject(cj),
            'Normal',
            'SawCompletedJob',
            `Saw completed job: ${j.metadata?.name}, condition: ${finishedCondition(j)?.type}`,
          );
          updateStatus = true;
        }
        const completed = j.status?.completionTime;
        if (isJobSucceeded(j) && completed) {
          const last = cj.status?.lastSuccessfulTime;
          if (!last || time(completed) > time(last)) {
            (cj.status ??= {}).lastSuccessfulTime = completed;
            updateStatus = true;
          }
        }
      }
    }
    // An active reference whose Job is gone would keep a Forbid CronJob blocked forever.
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      try {
        await this.jobClient.namespace(ref.namespace ?? ns).get(ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw fail(err);
        this.recorder.event(this.subject(cj), 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        deleteFromActiveList(cj, ref.uid);
        updateStatus = true;
      }
    }
    if (cj.metadata?.deletionTimestamp) return { updateStatus };
    const tz = cj.spec?.timeZone;
    if (tz !== undefined && tz !== null && !Zone.load(tz)) {
      this.recorder.event(
        this.subject(cj),
        'Warning',
        'UnknownTimeZone',
        `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`,
      );
      return { updateStatus };
    }
    if (cj.spec?.suspend) return { updateStatus };
    let sched: Schedule;
    try {
      sched = parseStandard(this.formatSchedule(cj, true), this.localZone);
    } catch (err) {
      this.recorder.event(
        this.subject(cj),
        'Warning',
        'UnparseableSchedule',
        `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${errorText(err)}`,
      );
      return { updateStatus };
    }
    let scheduled: number | undefined;
    try {
      const r = mostRecentScheduleTime(cj, now, sched, true);
      if (r.mostRecent !== undefined && r.missed === 'many') {
        this.recorder.event(
          this.subject(cj),
          'Warning',
          'TooManyMissedTimes',
          'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
        );
        this.ctx.log.info('too many missed times', { cronjob: metaNamespaceKey(cj) });
      }
      scheduled = r.mostRecent;
    } catch (err) {
      this.recorder.event(
        this.subject(cj),
        'Warning',
        'InvalidSchedule',
        `invalid schedule: ${cj.spec?.schedule} : ${errorText(err)}`,
      );
      return { updateStatus };
    }
    const requeue = () => ({ requeueAfter: nextScheduleTimeDuration(cj, now, sched), updateStatus });
    // Nothing due: only expected when the queue fired early, e.g. after a restart.
    if (scheduled === undefined) return requeue();
    const sds = cj.spec?.startingDeadlineSeconds;
    if (typeof sds === 'number' && scheduled + sds * 1000 < now) {
      this.recorder.event(
        this.subject(cj),
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${formatRFC1123Z(scheduled)}`,
      );
      return requeue();
    }
    const template = jobFromTemplate(cj, scheduled);
    if (
      inActiveListByName(cj, ns, template.metadata!.name!) ||
      (cj.status?.lastScheduleTime && time(cj.status.lastScheduleTime) === scheduled)
    ) {
      return requeue();
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (cj.status?.active?.length ?? 0) > 0) {
      this.recorder.event(
        this.subject(cj),
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return requeue();
    }
    if (policy === 'Replace') {
      for (const ref of [...(cj.status?.active ?? [])]) {
        let job: Job;
        try {
          job = await this.jobClient.namespace(ref.namespace ?? ns).get(ref.name ?? '');
        } catch (err) {
          this.recorder.event(this.subject(cj), 'Warning', 'FailedGet', `Get job: ${errorText(err)}`);
          throw fail(err);
        }
        if (!(await this.deleteJob(cj, job)))
          throw fail(new Error(`could not replace job ${ns}/${job.metadata?.name}`));
        updateStatus = true;
      }
    }
    let created: Job;
    try {
      created = await this.jobClient.namespace(ns).create(template);
      this.recorder.event(this.subject(cj), 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);
    } catch (err) {
      if (isNamespaceTerminating(err)) throw fail(err);
      if (!isAlreadyExists(err)) {
        this.recorder.event(this.subject(cj), 'Warning', 'FailedCreate', `Error creating job: ${errorText(err)}`);
        throw fail(err);
      }
      // Created earlier, but the status write that should have followed was lost.
      try {
        created = await this.jobClient.namespace(ns).get(template.metadata!.name!);
      } catch (getErr) {
        throw fail(getErr);
      }
      if (controllerRefOf(created)?.uid !== cj.metadata?.uid) return { updateStatus };
      if (inActiveList(cj, created.metadata?.uid)) return { updateStatus };
      this.ctx.log.info('job already exists', { cronjob: metaNamespaceKey(cj), job: created.metadata?.name });
    }
    const status = (cj.status ??= {});
    status.active = [...(status.active ?? []), jobRef(created)];
    status.lastScheduleTime = formatTime(scheduled);
    updateStatus = true;
    return requeue();
  }

  /** Deletes finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[]): Promise<boolean> {
    const okLimit = cj.spec?.successfulJobsHistoryLimit;
    const failLimit = cj.spec?.failedJobsHistoryLimit;
    if (typeof okLimit !== 'number' && typeof failLimit !== 'number') return false;
    const succeeded = jobs.filter((j) => finishedCondition(j)?.type === 'Complete');
    const failed = jobs.filter((j) => finishedCondition(j)?.type === 'Failed');
    let changed = false;
    for (const [list, limit] of [
      [succeeded, okLimit],
      [failed, failLimit],
    ] as const) {
      if (typeof limit !== 'number' || list.length <= limit) continue;
      const oldest = [...list].sort(byJobStartTime).slice(0, list.length - limit);
      for (const j of oldest) if (await this.deleteJob(cj, j)) changed = true;
    }
    return changed;
  }

  /** Deletes a Job (its pods follow in the background) and drops it from status.active. */
  private async deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    try {
      await this.jobClient
        .namespace(job.metadata!.namespace!)
        .delete(job.metadata!.name!, { propagationPolicy: 'Background' });
    } catch (err) {
      this.recorder.event(this.subject(cj), 'Warning', 'FailedDelete', `Deleted job: ${errorText(err)}`);
      this.ctx.log.error('error deleting job from cronjob', { job: job.metadata?.name, err });
      return false;
    }
    deleteFromActiveList(cj, job.metadata?.uid);
    this.recorder.event(this.subject(cj), 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
    return true;
  }
}

/** The `cronjob` controller descriptor (tests pin the zone of zone-less schedules). */
export function cronJobControllerDescriptor(opts: CronJobControllerOptions = {}): ControllerDescriptor {
  return {
    name: 'cronjob',
    serviceAccount: 'cronjob-controller',
    enabledByDefault: true,
    start: (ctx) => new CronJobController(ctx, opts).run(),
  };
}

/** kube-controller-manager's `cronjob` controller. */
export const cronJobController: ControllerDescriptor = cronJobControllerDescriptor();

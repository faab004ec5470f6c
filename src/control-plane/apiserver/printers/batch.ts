import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { humanDuration, parseRFC3339, translateTimestampSince } from '../../../api/values/human-duration.js';
import { ageColumn, column, containersColumn, docColumn, imagesColumn, nameColumn, printer, wide } from './columns.js';
import { age, formatLabelSelector, isDeleting, layoutContainerCells, nameOf, printBoolPtr } from './format.js';

/** Jobs and CronJobs (upstream `printJob`, `printCronJob`, v1.32 column sets). */

/** The first condition of a type decides (upstream `hasJobCondition`). */
function hasJobCondition(job: Job, type: string): boolean {
  const c = (job.status?.conditions ?? []).find((c) => c.type === type);
  return c?.status === 'True';
}

/** STATUS: terminal conditions first, then deletion, suspension and the pending failure. */
export function jobStatus(job: Job): string {
  if (hasJobCondition(job, 'Complete')) return 'Complete';
  if (hasJobCondition(job, 'Failed')) return 'Failed';
  if (isDeleting(job)) return 'Terminating';
  if (hasJobCondition(job, 'Suspended')) return 'Suspended';
  if (hasJobCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** COMPLETIONS: `1/3`; without `completions`, `0/1` or `0/1 of 5` for parallel work queues. */
function completions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions != null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** DURATION: start to completion, or start to now while running; empty before the start. */
function jobDuration(job: Job, now: number): string {
  const start = job.status?.startTime;
  if (start == null) return '';
  const completion = job.status?.completionTime;
  if (completion == null) return translateTimestampSince(start, now);
  return humanDuration((parseRFC3339(completion) ?? 0) - (parseRFC3339(start) ?? 0));
}

export const jobPrinter = printer(
  [
    nameColumn,
    column('Status', 'string', 'Status of the job.'),
    docColumn('Completions', 'string', 'JobStatus.succeeded'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide(docColumn('Selector', 'string', 'JobSpec.selector')),
  ],
  (obj: Job, now) => {
    const [names, images] = layoutContainerCells(obj.spec?.template?.spec?.containers);
    return [
      nameOf(obj),
      jobStatus(obj),
      completions(obj),
      jobDuration(obj, now),
      age(obj, now),
      names,
      images,
      formatLabelSelector(obj.spec?.selector),
    ];
  },
);

export const cronJobPrinter = printer(
  [
    nameColumn,
    docColumn('Schedule', 'string', 'CronJobSpec.schedule'),
    docColumn('Timezone', 'string', 'CronJobSpec.timeZone'),
    docColumn('Suspend', 'boolean', 'CronJobSpec.suspend'),
    docColumn('Active', 'integer', 'CronJobStatus.active'),
    docColumn('Last Schedule', 'string', 'CronJobStatus.lastScheduleTime'),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide(docColumn('Selector', 'string', 'JobSpec.selector')),
  ],
  (obj: CronJob, now) => {
    const last = obj.status?.lastScheduleTime;
    const jobSpec = obj.spec?.jobTemplate?.spec;
    const [names, images] = layoutContainerCells(jobSpec?.template?.spec?.containers);
    return [
      nameOf(obj),
      obj.spec?.schedule ?? '',
      obj.spec?.timeZone ?? '<none>',
      printBoolPtr(obj.spec?.suspend),
      obj.status?.active?.length ?? 0,
      last != null ? translateTimestampSince(last, now) : '<none>',
      age(obj, now),
      names,
      images,
      formatLabelSelector(jobSpec?.selector),
    ];
  },
);

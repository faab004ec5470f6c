import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { tryParseTime } from '../../../../api/values/time.js';
import { newControllerRef } from '../replicaset/controller-ref.js';
import type { Schedule } from './cron-schedule.js';
import { Zone } from './zoned-time.js';

/** Annotation with the nominal start time of a Job made by a CronJob (CronJobsScheduledAnnotation, on in 1.32). */
export const CronJobScheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Upstream nextScheduleDelta: requeues land this long after the schedule time, past small clock skews. */
export const nextScheduleDeltaMs = 100;

export type MissedSchedules = 'none' | 'few' | 'many';

export const time = (s: string | undefined | null): number => (s ? (tryParseTime(s) ?? 0) : 0);

export function inActiveList(cj: CronJob, uid: string | undefined): boolean {
  return cj.status?.active?.some((r) => r.uid === uid) ?? false;
}

export function inActiveListByName(cj: CronJob, namespace: string, name: string): boolean {
  return cj.status?.active?.some((r) => r.name === name && r.namespace === namespace) ?? false;
}

export function deleteFromActiveList(cj: CronJob, uid: string | undefined): void {
  const st = (cj.status ??= {});
  st.active = (st.active ?? []).filter((r) => r.uid !== uid);
}

/**
 * Upstream mostRecentScheduleTime: the last schedule time (or creation),
 * the latest activation not after `now` (undefined when none), and how many
 * were missed — estimated from the interval between the next two
 * activations, so a CronJob that was down for years costs no more than a
 * few schedule evaluations. With `includeStartingDeadline`, nothing older
 * than startingDeadlineSeconds counts. Throws for a schedule that never
 * advances by a second (e.g. February 31st).
 */
export function mostRecentScheduleTime(
  cj: CronJob,
  now: number,
  schedule: Schedule,
  includeStartingDeadline: boolean,
): { earliest: number; mostRecent?: number; missed: MissedSchedules } {
  let earliest = time(cj.metadata?.creationTimestamp);
  if (cj.status?.lastScheduleTime) earliest = time(cj.status.lastScheduleTime);
  const sds = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && typeof sds === 'number') {
    const deadline = now - sds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = schedule.next(earliest);
  const t2 = schedule.next(t1);
  if (now < t1) return { earliest, missed: 'none' };
  if (now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) throw new Error('time difference between two schedules is less than 1 second');
  const elapsed = Math.trunc((now - t1) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  // One interval earlier than the estimate, so irregular schedules (30 6-16/4 * * 1-5) are still walked exactly.
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  let mostRecent = 0;
  for (let t = schedule.next(potentialEarliest); t !== 0 && t <= now; t = schedule.next(t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > 100 ? 'many' : missedCount > 0 ? 'few' : 'none';
  return mostRecent === 0 ? { earliest, missed } : { earliest, mostRecent, missed };
}

/**
 * How long until the next activation after the last one, plus 100 ms
 * (upstream nextScheduleTimeDuration); from `now` when schedules were missed
 * or the schedule is broken.
 */
export function nextScheduleTimeDuration(cj: CronJob, now: number, schedule: Schedule): number {
  let from: number;
  try {
    const r = mostRecentScheduleTime(cj, now, schedule, false);
    from = r.mostRecent ?? (r.missed === 'none' ? r.earliest : now);
  } catch {
    from = now;
  }
  return schedule.next(from) + nextScheduleDeltaMs - now;
}

/** The Job object for the activation at `scheduledTime` (upstream getJobFromTemplate2). */
export function jobFromTemplate(cj: CronJob, scheduledTime: number): Job {
  const tmpl = cj.spec?.jobTemplate;
  // The annotation is written in spec.timeZone, or UTC (not the controller's zone) when unset.
  const zone = Zone.load(cj.spec?.timeZone ?? '');
  if (!zone) throw new Error(`unknown time zone ${cj.spec?.timeZone}`);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledTime),
      namespace: cj.metadata?.namespace,
      labels: { ...(tmpl?.metadata?.labels ?? {}) },
      annotations: {
        ...(tmpl?.metadata?.annotations ?? {}),
        [CronJobScheduledTimestampAnnotation]: zone.formatRFC3339(scheduledTime),
      },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(tmpl?.spec ?? { template: {} }) as Job['spec'],
  };
}

/** `<cronjob>-<scheduled time in minutes since the epoch>`: one name per activation, so a retry never doubles it. */
export function jobName(cj: CronJob, scheduledTime: number): string {
  return `${cj.metadata?.name}-${Math.floor(Math.floor(scheduledTime / 1000) / 60)}`;
}

/** Oldest first by status.startTime (Jobs never started last), then by name (upstream byJobStartTime). */
export function byJobStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  const ta = time(sa);
  const tb = time(sb);
  if (ta === tb)
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : a.metadata?.name === b.metadata?.name ? 0 : 1;
  return ta - tb;
}

/** An ObjectReference to the Job as client-go's reference.GetReference makes it. */
export function jobRef(job: Job): ObjectReference {
  const m = job.metadata!;
  return {
    kind: 'Job',
    namespace: m.namespace,
    name: m.name,
    uid: m.uid,
    apiVersion: 'batch/v1',
    resourceVersion: m.resourceVersion,
  };
}

/** Go's time.RFC1123Z in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function formatRFC1123Z(ms: number): string {
  const d = new Date(ms);
  const dn = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mn = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${dn}, ${p(d.getUTCDate())} ${mn} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

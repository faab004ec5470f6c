import type { CronJob, Job, JobSpec } from 'kubernetes-types/batch/v1.js';
import { list, num, obj, semanticEqual, str, validateImmutable, validateNonnegative } from './common.js';
import { cronParseError, isKnownTimeZone } from './cron.js';
import { FieldPath, type FieldError } from './field-error.js';
import { validateDomainPrefixedPath } from './formats.js';
import { selectorMatches, validateLabelSelector } from './label-selector.js';
import { isDNS1123Label, isQualifiedName, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePodTemplateSpec } from './pod.js';

/**
 * batch/v1 Jobs and CronJobs. A Job's selector and the pod template labels it
 * generates (`batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name`
 * and their legacy unprefixed forms) are set by the Job strategy before
 * validation, from the uid the store has assigned.
 */
const spec = FieldPath.of('spec');
const maxParallelismForIndexedJob = 100000;
const maxFailedIndexesForIndexedJob = 100000;
const completionsSoftLimit = 100000;
const parallelismLimitForHighCompletions = 10000;
const maxFailedIndexesLimitForHighCompletions = 10000;
const podFailurePolicyActions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

/** Labels a generated Job selector selects on. */
export const jobLabels = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyControllerUid: 'controller-uid',
  legacyJobName: 'job-name',
};

function validateHasLabel(labels: Record<string, string>, path: FieldPath, key: string, value: string): FieldError[] {
  if (!(key in labels)) return [path.child('labels').key(key).required(`must be '${value}'`)];
  if (labels[key] !== value) return [path.child('labels').key(key).invalid(labels, `must be '${value}'`)];
  return [];
}

function validateGeneratedSelector(job: Job, requirePrefixed: boolean): FieldError[] {
  if (job.spec?.manualSelector === true || !job.spec?.selector) return [];
  const errs: FieldError[] = [];
  const uid = str(job.metadata?.uid);
  const name = str(job.metadata?.name);
  if (!uid) errs.push(FieldPath.of('metadata', 'uid').required());
  const tm = FieldPath.of('spec', 'template', 'metadata');
  const labels = obj<string>(job.spec.template?.metadata?.labels);
  errs.push(...validateHasLabel(labels, tm, jobLabels.legacyControllerUid, uid));
  errs.push(...validateHasLabel(labels, tm, jobLabels.legacyJobName, name));
  const expected: Record<string, string> = { [jobLabels.legacyControllerUid]: uid, [jobLabels.legacyJobName]: name };
  if (requirePrefixed) {
    errs.push(...validateHasLabel(labels, tm, jobLabels.controllerUid, uid));
    errs.push(...validateHasLabel(labels, tm, jobLabels.jobName, name));
    expected[jobLabels.controllerUid] = uid;
    expected[jobLabels.jobName] = name;
  }
  if (selectorMatches(job.spec.selector, expected) === false)
    errs.push(spec.child('selector').invalid(job.spec.selector, '`selector` not auto-generated'));
  return errs;
}

function validatePodFailurePolicy(s: JobSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rules = list(s.podFailurePolicy?.rules);
  const rp = path.child('rules');
  if (rules.length > 20) errs.push(rp.tooMany(rules.length, 20));
  const names = new Set(
    [...list(s.template?.spec?.containers), ...list(s.template?.spec?.initContainers)].map((c) => c.name),
  );
  rules.forEach((rule, i) => {
    const p = rp.index(i);
    const action = str(rule.action);
    if (!action)
      errs.push(
        p
          .child('action')
          .required(`valid values: [${podFailurePolicyActions.map((a) => JSON.stringify(a)).join(' ')}]`),
      );
    else if (action === 'FailIndex') {
      if (s.backoffLimitPerIndex === undefined || s.backoffLimitPerIndex === null)
        errs.push(p.child('action').invalid(action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!podFailurePolicyActions.includes(action))
      errs.push(p.child('action').notSupported(action, podFailurePolicyActions));
    const oec = rule.onExitCodes;
    if (oec) {
      const op = p.child('onExitCodes');
      const operator = str(oec.operator);
      if (!operator) errs.push(op.child('operator').required('valid values: ["In" "NotIn"]'));
      else if (operator !== 'In' && operator !== 'NotIn')
        errs.push(op.child('operator').notSupported(operator, ['In', 'NotIn']));
      if (oec.containerName && !names.has(oec.containerName))
        errs.push(
          op
            .child('containerName')
            .invalid(oec.containerName, 'must be one of the container or initContainer names in the pod template'),
        );
      const values = list(oec.values);
      const vp = op.child('values');
      if (values.length === 0) errs.push(vp.invalid(values, 'at least one value is required'));
      else if (values.length > 255) errs.push(vp.tooMany(values.length, 255));
      const seen = new Set<number>();
      let ordered = true;
      values.forEach((v, j) => {
        if (operator === 'In' && v === 0) errs.push(vp.index(j).invalid(v, 'must not be 0 for the In operator'));
        if (seen.has(v)) errs.push(vp.index(j).duplicate(v));
        seen.add(v);
        if (j > 0 && values[j - 1]! > v) ordered = false;
      });
      if (!ordered) errs.push(vp.invalid(values, 'must be ordered'));
    }
    const conds = list(rule.onPodConditions);
    conds.forEach((c, j) => {
      const cp = p.child('onPodConditions').index(j);
      errs.push(...isQualifiedName(str(c.type)).map((m) => cp.child('type').invalid(str(c.type), m)));
      const status = str(c.status);
      if (!status) errs.push(cp.child('status').required('valid values: ["False" "True" "Unknown"]'));
      else if (!['False', 'True', 'Unknown'].includes(status))
        errs.push(cp.child('status').notSupported(status, ['False', 'True', 'Unknown']));
    });
    if (oec && conds.length)
      errs.push(p.invalid(rule, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!oec && conds.length === 0)
      errs.push(p.invalid(rule, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

/** validateJobSpec: everything but the selector (shared with CronJob job templates). */
function validateJobSpecBody(s: JobSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
  ] as const)
    if (typeof s[f] === 'number') errs.push(...validateNonnegative(s[f], path.child(f)));
  if (
    typeof s.maxFailedIndexes === 'number' &&
    (s.backoffLimitPerIndex === undefined || s.backoffLimitPerIndex === null)
  )
    errs.push(path.child('backoffLimitPerIndex').required('when maxFailedIndexes is specified'));
  if (s.managedBy !== undefined && s.managedBy !== null) {
    errs.push(...validateDomainPrefixedPath(path.child('managedBy'), s.managedBy));
    if (s.managedBy.length > 63) errs.push(path.child('managedBy').tooLong(s.managedBy, 63));
  }
  const mode = s.completionMode;
  if (mode !== undefined && mode !== null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed')
      errs.push(path.child('completionMode').notSupported(mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (s.completions === undefined || s.completions === null)
        errs.push(path.child('completions').required('when completion mode is Indexed'));
      if (typeof s.parallelism === 'number' && s.parallelism > maxParallelismForIndexedJob)
        errs.push(
          path
            .child('parallelism')
            .invalid(
              s.parallelism,
              `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`,
            ),
        );
      if (
        typeof s.completions === 'number' &&
        typeof s.maxFailedIndexes === 'number' &&
        s.maxFailedIndexes > s.completions
      )
        errs.push(
          path.child('maxFailedIndexes').invalid(s.maxFailedIndexes, 'must be less than or equal to completions'),
        );
      if (typeof s.maxFailedIndexes === 'number' && s.maxFailedIndexes > maxFailedIndexesForIndexedJob)
        errs.push(
          path
            .child('maxFailedIndexes')
            .invalid(s.maxFailedIndexes, `must be less than or equal to ${maxFailedIndexesForIndexedJob}`),
        );
      if (
        typeof s.completions === 'number' &&
        s.completions > completionsSoftLimit &&
        typeof s.backoffLimitPerIndex === 'number'
      ) {
        const suffix = `when completions are above ${completionsSoftLimit} and used with backoff limit per index`;
        if (s.maxFailedIndexes === undefined || s.maxFailedIndexes === null)
          errs.push(
            path
              .child('maxFailedIndexes')
              .required(`must be specified when completions is above ${completionsSoftLimit}`),
          );
        if (typeof s.parallelism === 'number' && s.parallelism > parallelismLimitForHighCompletions)
          errs.push(
            path
              .child('parallelism')
              .invalid(s.parallelism, `must be less than or equal to ${parallelismLimitForHighCompletions} ${suffix}`),
          );
        if (typeof s.maxFailedIndexes === 'number' && s.maxFailedIndexes > maxFailedIndexesLimitForHighCompletions)
          errs.push(
            path
              .child('maxFailedIndexes')
              .invalid(
                s.maxFailedIndexes,
                `must be less than or equal to ${maxFailedIndexesLimitForHighCompletions} ${suffix}`,
              ),
          );
      }
    }
  }
  if (mode === undefined || mode === null || mode === 'NonIndexed') {
    if (typeof s.backoffLimitPerIndex === 'number')
      errs.push(path.child('backoffLimitPerIndex').invalid(s.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (typeof s.maxFailedIndexes === 'number')
      errs.push(path.child('maxFailedIndexes').invalid(s.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (s.podFailurePolicy) errs.push(...validatePodFailurePolicy(s, path.child('podFailurePolicy')));
  if (s.successPolicy) {
    const sp = path.child('successPolicy');
    if (mode !== 'Indexed') errs.push(sp.invalid(s.successPolicy, 'requires indexed completion mode'));
    else {
      const rules = list(s.successPolicy.rules);
      if (rules.length === 0)
        errs.push(
          sp.child('rules').required('at least one rules must be specified when the successPolicy is specified'),
        );
      if (rules.length > 20) errs.push(sp.child('rules').tooMany(rules.length, 20));
      rules.forEach((r, i) => {
        const rp = sp.child('rules').index(i);
        if (
          (r.succeededCount === undefined || r.succeededCount === null) &&
          (r.succeededIndexes === undefined || r.succeededIndexes === null)
        )
          errs.push(rp.required('at least one of succeededCount or succeededIndexes must be specified'));
        if (typeof r.succeededCount === 'number') {
          errs.push(...validateNonnegative(r.succeededCount, rp.child('succeededCount')));
          if (r.succeededCount > num(s.completions))
            errs.push(
              rp
                .child('succeededCount')
                .invalid(
                  r.succeededCount,
                  `must be less than or equal to ${num(s.completions)} (the number of specified completions)`,
                ),
            );
        }
      });
    }
  }
  const prp = s.podReplacementPolicy;
  if (prp !== undefined && prp !== null) {
    const allowed = s.podFailurePolicy ? ['Failed'] : ['Failed', 'TerminatingOrFailed'];
    if (!allowed.includes(prp)) errs.push(path.child('podReplacementPolicy').notSupported(prp, allowed));
  }
  errs.push(...validatePodTemplateSpec(s.template, path.child('template')));
  const rp = str(s.template?.spec?.restartPolicy);
  const rpPath = path.child('template', 'spec', 'restartPolicy');
  if (rp === 'Always' || rp === '') errs.push(rpPath.required('valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(rpPath.notSupported(rp, ['OnFailure', 'Never']));
  else if (s.podFailurePolicy && rp !== 'Never')
    errs.push(rpPath.invalid(rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

function validateJobSpec(s: JobSpec): FieldError[] {
  const errs = validateJobSpecBody(s, spec);
  if (!s.selector) errs.push(spec.child('selector').required());
  else errs.push(...validateLabelSelector(s.selector, spec.child('selector')));
  const labels = s.template?.metadata?.labels ?? {};
  // A missing selector selects nothing (upstream's LabelSelectorAsSelector(nil)), so this reports too.
  if (selectorMatches(s.selector, labels) === false)
    errs.push(
      spec.child('template', 'metadata', 'labels').invalid(labels, '`selector` does not match template `labels`'),
    );
  return errs;
}

export function validateJob(job: Job): FieldError[] {
  const errs = validateObjectMeta(job.metadata, true, nameIsDNSSubdomain);
  errs.push(...validateGeneratedSelector(job, true));
  errs.push(...validateJobSpec(job.spec ?? ({} as JobSpec)));
  const s = job.spec;
  if (s?.completionMode === 'Indexed' && typeof s.completions === 'number' && s.completions > 0) {
    const host = `${str(job.metadata?.name)}-${s.completions - 1}`;
    if (isDNS1123Label(host).length)
      errs.push(
        FieldPath.of('metadata', 'name').invalid(
          str(job.metadata?.name),
          `will not able to create pod with invalid DNS label: ${host}`,
        ),
      );
  }
  return errs;
}

export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata);
  const s = job.spec ?? ({} as JobSpec);
  const o = old.spec ?? ({} as JobSpec);
  errs.push(...validateJobSpec(s));
  const completions = spec.child('completions');
  if (s.completionMode === 'Indexed') {
    // Elastic indexed jobs: completions may change together with parallelism.
    if (
      !semanticEqual(s.completions, o.completions) &&
      typeof s.completions === 'number' &&
      s.completions !== s.parallelism
    )
      errs.push(completions.invalid(s.completions, 'can only be modified in tandem with spec.parallelism'));
  } else errs.push(...validateImmutable(s.completions, o.completions, completions));
  errs.push(...validateImmutable(s.selector, o.selector, spec.child('selector')));
  // Suspended jobs that never started may change their scheduling directives.
  const mutableScheduling = o.suspend === true && !old.status?.startTime;
  let oldTemplate = o.template;
  if (mutableScheduling && oldTemplate) {
    const t = structuredClone(oldTemplate);
    const nt = s.template;
    t.metadata = { ...(t.metadata ?? {}), labels: nt?.metadata?.labels, annotations: nt?.metadata?.annotations };
    t.spec = {
      ...(t.spec ?? { containers: [] }),
      nodeSelector: nt?.spec?.nodeSelector,
      tolerations: nt?.spec?.tolerations,
      schedulingGates: nt?.spec?.schedulingGates,
    };
    if (nt?.spec?.affinity || t.spec.affinity)
      t.spec.affinity = { ...(t.spec.affinity ?? {}), nodeAffinity: nt?.spec?.affinity?.nodeAffinity };
    if (!nt?.spec?.affinity && t.spec.affinity && !t.spec.affinity.podAffinity && !t.spec.affinity.podAntiAffinity)
      t.spec.affinity = undefined;
    oldTemplate = t;
  }
  errs.push(...validateImmutable(s.template, oldTemplate, spec.child('template')));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy'] as const)
    errs.push(...validateImmutable(s[f], o[f], spec.child(f)));
  return errs;
}

export function validateJobStatusUpdate(job: Job, old: Job): FieldError[] {
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata);
  const p = FieldPath.of('status');
  const st = job.status ?? {};
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating'] as const)
    errs.push(...validateNonnegative(st[f], p.child(f)));
  const seen = new Set<string>();
  for (const kind of ['succeeded', 'failed'] as const)
    list(st.uncountedTerminatedPods?.[kind]).forEach((uid, i) => {
      const up = p.child('uncountedTerminatedPods', kind).index(i);
      if (!uid) errs.push(up.invalid(uid, 'must not be empty'));
      else if (seen.has(uid)) errs.push(up.duplicate(uid));
      else seen.add(uid);
    });
  if (num(st.failed) < num(old.status?.failed))
    errs.push(p.child('failed').invalid(num(st.failed), 'cannot decrease the failed counter'));
  if (num(st.succeeded) < num(old.status?.succeeded))
    errs.push(p.child('succeeded').invalid(num(st.succeeded), 'cannot decrease the succeeded counter'));
  if (typeof st.ready === 'number' && st.ready > num(st.active))
    errs.push(p.child('ready').invalid(st.ready, 'cannot set more ready pods than active'));
  return errs;
}

const timeZonePartRe = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(tz: string | undefined | null, path: FieldPath): FieldError[] {
  if (tz === undefined || tz === null) return [];
  if (tz === '') return [path.invalid(tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/'))
    if (part === '.' || part === '..' || part.startsWith('-') || !timeZonePartRe.test(part))
      return [path.invalid(tz, `unknown time zone ${tz}`)];
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local')
    errs.push(path.invalid(tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  if (!isKnownTimeZone(tz)) errs.push(path.invalid(tz, `unknown time zone ${tz}`));
  return errs;
}

function validateCronJobSpec(cj: CronJob, old: CronJob | undefined): FieldError[] {
  const s = cj.spec ?? ({} as NonNullable<CronJob['spec']>);
  const errs: FieldError[] = [];
  const schedule = str(s.schedule);
  const sp = spec.child('schedule');
  if (!schedule) errs.push(sp.required());
  else {
    const err = cronParseError(schedule);
    if (err) errs.push(sp.invalid(schedule, err));
    const allowTZ = !!old && str(old.spec?.schedule).includes('TZ');
    if (allowTZ && schedule.includes('TZ') && s.timeZone !== undefined && s.timeZone !== null)
      errs.push(sp.invalid(schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    else if (!allowTZ && schedule.includes('TZ'))
      errs.push(sp.invalid(schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  if (typeof s.startingDeadlineSeconds === 'number')
    errs.push(...validateNonnegative(s.startingDeadlineSeconds, spec.child('startingDeadlineSeconds')));
  if (!old || (old.spec?.timeZone ?? null) !== (s.timeZone ?? null))
    errs.push(...validateTimeZone(s.timeZone, spec.child('timeZone')));
  const cp = str(s.concurrencyPolicy);
  if (cp === '') errs.push(spec.child('concurrencyPolicy').required());
  else if (!['Allow', 'Forbid', 'Replace'].includes(cp))
    errs.push(spec.child('concurrencyPolicy').notSupported(cp, ['Allow', 'Forbid', 'Replace']));
  const jt = spec.child('jobTemplate');
  const jobSpec = s.jobTemplate?.spec ?? ({} as JobSpec);
  errs.push(...validateJobSpecBody(jobSpec, jt.child('spec')));
  if (jobSpec.selector)
    errs.push(jt.child('spec', 'selector').invalid(jobSpec.selector, '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true)
    errs.push(jt.child('spec', 'manualSelector').notSupported(true, ['nil', 'false']));
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit'] as const)
    if (typeof s[f] === 'number') errs.push(...validateNonnegative(s[f], spec.child(f)));
  return errs;
}

export function validateCronJob(cj: CronJob): FieldError[] {
  const errs = validateObjectMeta(cj.metadata, true, nameIsDNSSubdomain);
  errs.push(...validateCronJobSpec(cj, undefined));
  const name = str(cj.metadata?.name);
  // The controller appends an 11-character suffix to job names, which are limited to 63.
  if (name.length > 52) errs.push(FieldPath.of('metadata', 'name').invalid(name, 'must be no more than 52 characters'));
  return errs;
}

export function validateCronJobUpdate(cj: CronJob, old: CronJob): FieldError[] {
  return [...validateObjectMetaUpdate(cj.metadata, old.metadata), ...validateCronJobSpec(cj, old)];
}

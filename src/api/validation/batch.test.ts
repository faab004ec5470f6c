import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import {
  jobLabels,
  validateCronJob,
  validateCronJobUpdate,
  validateJob,
  validateJobStatusUpdate,
  validateJobUpdate,
} from './batch.js';
import { cronParseError } from './cron.js';
import { clone, kinds, messages, template } from './testdata.js';

const uid = '3f7b1c2e-0000-4000-8000-000000000001';

function job(): Job {
  const labels = {
    [jobLabels.controllerUid]: uid,
    [jobLabels.jobName]: 'pi',
    [jobLabels.legacyControllerUid]: uid,
    [jobLabels.legacyJobName]: 'pi',
  };
  return {
    metadata: { name: 'pi', namespace: 'default', uid, resourceVersion: '1' },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      manualSelector: false,
      selector: { matchLabels: { [jobLabels.controllerUid]: uid } },
      template: template(labels, { restartPolicy: 'Never' }),
    },
  };
}

function mutated<T>(base: T, mutate: (o: T) => void): T {
  const o = clone(base);
  mutate(o);
  return o;
}

test('jobs', () => {
  assert.deepEqual(messages(validateJob(job())), []);
  const cases: [string, (j: Job) => void, string[]][] = [
    [
      'restartPolicy Always',
      (j) => (j.spec!.template.spec!.restartPolicy = 'Always'),
      ['FieldValueRequired spec.template.spec.restartPolicy'],
    ],
    ['negative parallelism', (j) => (j.spec!.parallelism = -1), ['FieldValueInvalid spec.parallelism']],
    ['negative completions', (j) => (j.spec!.completions = -1), ['FieldValueInvalid spec.completions']],
    ['negative backoffLimit', (j) => (j.spec!.backoffLimit = -1), ['FieldValueInvalid spec.backoffLimit']],
    ['completionMode', (j) => (j.spec!.completionMode = 'Sometimes'), ['FieldValueNotSupported spec.completionMode']],
    [
      'indexed without completions',
      (j) => ((j.spec!.completionMode = 'Indexed'), delete j.spec!.completions),
      ['FieldValueRequired spec.completions'],
    ],
    [
      'backoffLimitPerIndex needs Indexed',
      (j) => (j.spec!.backoffLimitPerIndex = 1),
      ['FieldValueInvalid spec.backoffLimitPerIndex'],
    ],
    [
      'missing generated label',
      (j) => delete (j.spec!.template.metadata!.labels as Record<string, string>)[jobLabels.jobName],
      ['FieldValueRequired spec.template.metadata.labels[batch.kubernetes.io/job-name]'],
    ],
    [
      'missing uid',
      (j) => delete (j.metadata as { uid?: string }).uid,
      [
        'FieldValueRequired metadata.uid',
        'FieldValueInvalid spec.template.metadata.labels[controller-uid]',
        'FieldValueInvalid spec.template.metadata.labels[batch.kubernetes.io/controller-uid]',
        'FieldValueInvalid spec.selector',
      ],
    ],
    [
      'manual selector mismatch',
      (j) => ((j.spec!.manualSelector = true), (j.spec!.selector = { matchLabels: { x: 'y' } })),
      ['FieldValueInvalid spec.template.metadata.labels'],
    ],
    [
      'no selector',
      (j) => ((j.spec!.manualSelector = true), delete j.spec!.selector),
      ['FieldValueRequired spec.selector', 'FieldValueInvalid spec.template.metadata.labels'],
    ],
  ];
  for (const [name, m, want] of cases) assert.deepEqual(kinds(validateJob(mutated(job(), m))), want, name);
  assert.deepEqual(messages(validateJob(mutated(job(), (j) => (j.spec!.template.spec!.restartPolicy = 'Always')))), [
    'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  ]);
  // Reported twice, as upstream: once by the pod spec and once by the Job rule.
  assert.deepEqual(messages(validateJob(mutated(job(), (j) => (j.spec!.template.spec!.restartPolicy = 'Sometimes')))), [
    'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
  ]);
});

test('job updates: template and selector are immutable, parallelism is not', () => {
  const j = job();
  assert.deepEqual(
    kinds(
      validateJobUpdate(
        mutated(j, (x) => (x.spec!.parallelism = 3)),
        j,
      ),
    ),
    [],
  );
  assert.deepEqual(
    kinds(
      validateJobUpdate(
        mutated(j, (x) => (x.spec!.template.spec!.containers[0]!.image = 'other')),
        j,
      ),
    ),
    ['FieldValueInvalid spec.template'],
  );
  assert.deepEqual(
    kinds(
      validateJobUpdate(
        mutated(j, (x) => (x.spec!.completions = 2)),
        j,
      ),
    ),
    ['FieldValueInvalid spec.completions'],
  );
  const suspended = mutated(j, (x) => (x.spec!.suspend = true));
  assert.deepEqual(
    kinds(
      validateJobUpdate(
        mutated(suspended, (x) => (x.spec!.template.spec!.nodeSelector = { zone: 'a' })),
        suspended,
      ),
    ),
    [],
    'suspended jobs may change scheduling',
  );
  const st = mutated(j, (x) => (x.status = { failed: 1, active: -1 }));
  const older = mutated(j, (x) => (x.status = { failed: 2 }));
  assert.deepEqual(kinds(validateJobStatusUpdate(st, older)), [
    'FieldValueInvalid status.active',
    'FieldValueInvalid status.failed',
  ]);
});

function cronJob(): CronJob {
  return {
    metadata: { name: 'nightly', namespace: 'default', uid: 'c1', resourceVersion: '1' },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        spec: {
          backoffLimit: 6,
          completionMode: 'NonIndexed',
          template: template({ app: 'x' }, { restartPolicy: 'OnFailure' }),
        },
      },
    },
  };
}

test('cron schedules parse like robfig/cron ParseStandard', () => {
  const cases: [string, string | undefined][] = [
    ['*/5 * * * *', undefined],
    ['0 0 1 jan,jul sun-sat', undefined],
    ['@daily', undefined],
    ['@every 1h30m', undefined],
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['@often', 'unrecognized descriptor: @often'],
    ['@every 1x', 'failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"'],
  ];
  for (const [spec, want] of cases) assert.equal(cronParseError(spec), want, spec);
});

test('cronjobs', () => {
  assert.deepEqual(messages(validateCronJob(cronJob())), []);
  const cases: [string, (c: CronJob) => void, string[]][] = [
    ['no schedule', (c) => (c.spec!.schedule = ''), ['FieldValueRequired spec.schedule']],
    ['bad schedule', (c) => (c.spec!.schedule = '61 * * * *'), ['FieldValueInvalid spec.schedule']],
    ['TZ in schedule', (c) => (c.spec!.schedule = 'TZ=UTC 0 * * * *'), ['FieldValueInvalid spec.schedule']],
    ['timeZone', (c) => (c.spec!.timeZone = 'Mars/Olympus'), ['FieldValueInvalid spec.timeZone']],
    ['timeZone Local', (c) => (c.spec!.timeZone = 'Local'), ['FieldValueInvalid spec.timeZone']],
    ['valid timeZone', (c) => (c.spec!.timeZone = 'Europe/Berlin'), []],
    [
      'concurrencyPolicy',
      (c) => (c.spec!.concurrencyPolicy = 'Sometimes'),
      ['FieldValueNotSupported spec.concurrencyPolicy'],
    ],
    [
      'job template restartPolicy',
      (c) => (c.spec!.jobTemplate.spec!.template.spec!.restartPolicy = 'Always'),
      ['FieldValueRequired spec.jobTemplate.spec.template.spec.restartPolicy'],
    ],
    [
      'job template selector',
      (c) => (c.spec!.jobTemplate.spec!.selector = { matchLabels: { a: 'b' } }),
      ['FieldValueInvalid spec.jobTemplate.spec.selector'],
    ],
    ['long name', (c) => (c.metadata!.name = 'a'.repeat(53)), ['FieldValueInvalid metadata.name']],
    ['history limit', (c) => (c.spec!.failedJobsHistoryLimit = -1), ['FieldValueInvalid spec.failedJobsHistoryLimit']],
  ];
  for (const [name, m, want] of cases) assert.deepEqual(kinds(validateCronJob(mutated(cronJob(), m))), want, name);
  assert.deepEqual(messages(validateCronJob(mutated(cronJob(), (c) => (c.spec!.schedule = '* * * *')))), [
    'spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]',
  ]);
  // Long names are only rejected on create.
  const long = mutated(cronJob(), (c) => (c.metadata!.name = 'a'.repeat(53)));
  assert.deepEqual(
    kinds(
      validateCronJobUpdate(
        mutated(long, (c) => (c.spec!.suspend = true)),
        long,
      ),
    ),
    [],
  );
});

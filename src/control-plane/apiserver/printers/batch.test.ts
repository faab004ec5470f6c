import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { cronJobPrinter, jobPrinter } from './batch.js';
import { ago, columnNames, HOUR, MINUTE, rowOf, SECOND } from './testing.js';

const podTemplate = { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5' }] } };

function job(
  spec: Job['spec'] extends infer S ? Partial<S> : never,
  status: Job['status'] = {},
  deleting = false,
): Job {
  return {
    metadata: {
      name: 'pi',
      creationTimestamp: ago(10 * MINUTE),
      ...(deleting ? { deletionTimestamp: ago(SECOND) } : {}),
    },
    spec: {
      template: podTemplate,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } },
      ...spec,
    },
    status,
  };
}

const cond = (type: string, status = 'True') => ({ type, status });

test('job columns: Status before Completions (v1.32)', () => {
  assert.deepEqual(columnNames(jobPrinter), [
    'Name',
    'Status',
    'Completions',
    'Duration',
    'Age',
    'Containers*',
    'Images*',
    'Selector*',
  ]);
});

test('job STATUS precedence', () => {
  const cases: [Job, string][] = [
    [job({}, { active: 1 }), 'Running'],
    [job({}, { conditions: [cond('Complete')] }), 'Complete'],
    [job({}, { conditions: [cond('Failed')] }), 'Failed'],
    [job({}, { conditions: [cond('Complete', 'False')] }), 'Running'],
    [job({}, { conditions: [cond('Suspended')] }), 'Suspended'],
    [job({}, { conditions: [cond('FailureTarget')] }), 'FailureTarget'],
    [job({}, { conditions: [cond('Suspended')] }, true), 'Terminating'],
    [job({}, { conditions: [cond('FailureTarget'), cond('Failed')] }, true), 'Failed'],
    [job({}, { conditions: [cond('Complete')] }, true), 'Complete'],
    // The first condition of a type decides.
    [job({}, { conditions: [cond('Complete', 'False'), cond('Complete')] }), 'Running'],
  ];
  for (const [j, want] of cases) assert.equal(rowOf(jobPrinter, j).Status, want, JSON.stringify(j.status));
});

test('job COMPLETIONS and DURATION', () => {
  const started = { startTime: ago(3 * MINUTE) };
  const cases: [Job, string, string][] = [
    [job({ completions: 3, parallelism: 1 }, { succeeded: 1, ...started }), '1/3', '3m'],
    [job({ parallelism: 5 }, { succeeded: 0, ...started }), '0/1 of 5', '3m'],
    [job({ parallelism: 1 }, {}), '0/1', ''],
    [job({}, { succeeded: 1, startTime: ago(HOUR), completionTime: ago(HOUR - 47 * SECOND) }), '1/1', '47s'],
    [job({ completions: 1 }, { succeeded: 1, startTime: ago(HOUR), completionTime: ago(0) }), '1/1', '60m'],
  ];
  for (const [j, completions, duration] of cases) {
    const r = rowOf(jobPrinter, j);
    assert.deepEqual([r.Completions, r.Duration], [completions, duration]);
  }
  const r = rowOf(jobPrinter, job({ completions: 1 }, {}));
  assert.deepEqual(
    [r.Name, r.Age, r.Containers, r.Images, r.Selector],
    ['pi', '10m', 'pi', 'perl:5', 'batch.kubernetes.io/controller-uid=abc'],
  );
});

test('cron job: schedule, timezone, suspend, active and last schedule', () => {
  const cj = {
    metadata: { name: 'nightly', creationTimestamp: ago(3 * 24 * HOUR) },
    spec: {
      schedule: '0 3 * * *',
      suspend: false,
      jobTemplate: { spec: { template: podTemplate } },
    },
    status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(9 * HOUR) },
  };
  assert.deepEqual(rowOf(cronJobPrinter, cj), {
    Name: 'nightly',
    Schedule: '0 3 * * *',
    Timezone: '<none>',
    Suspend: 'False',
    Active: 1,
    'Last Schedule': '9h',
    Age: '3d',
    Containers: 'pi',
    Images: 'perl:5',
    Selector: '<none>',
  });
  const other = rowOf(cronJobPrinter, {
    ...cj,
    spec: { ...cj.spec, timeZone: 'Europe/Paris', suspend: undefined },
    status: {},
  });
  assert.deepEqual(
    [other.Timezone, other.Suspend, other.Active, other['Last Schedule']],
    ['Europe/Paris', '<unset>', 0, '<none>'],
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, PodFailurePolicy } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { activePodsForRemoval, firstPendingIndexes, podGenerateNameWithIndex } from './indexed-job.js';
import type { JobSyncContext } from './job-context.js';
import { OrderedIntervals } from './ordered-intervals.js';
import { BackoffStore, remainingBackoffMs } from './pod-backoff.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { matchSuccessPolicy } from './success-policy.js';

const failedPod = (exit: Record<string, number>, conditions: [string, string][] = []): Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  status: {
    phase: 'Failed',
    conditions: conditions.map(([type, status]) => ({ type, status })),
    containerStatuses: Object.entries(exit).map(([name, exitCode]) => ({
      name,
      image: 'i',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode } },
    })),
  },
});

test('matchPodFailurePolicy: first matching rule wins; exit 0 and other containers never match', () => {
  const policy: PodFailurePolicy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
    ],
  };
  const cases: [string, Pod, ReturnType<typeof matchPodFailurePolicy>][] = [
    ['disruption', failedPod({ main: 42 }, [['DisruptionTarget', 'True']]), { countFailed: false, action: 'Ignore' }],
    [
      'fail job',
      failedPod({ side: 0, main: 42 }),
      {
        countFailed: true,
        action: 'FailJob',
        failJobMessage: 'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1',
      },
    ],
    ['42 in another container falls to NotIn', failedPod({ side: 42 }), { countFailed: true, action: 'Count' }],
    ['no rule matches', failedPod({ main: 1 }), { countFailed: true }],
    ['exit 0 never matches NotIn', failedPod({ main: 0 }), { countFailed: true }],
  ];
  for (const [name, pod, want] of cases) assert.deepEqual(matchPodFailurePolicy(policy, pod), want, name);
  assert.deepEqual(matchPodFailurePolicy(undefined, failedPod({ main: 1 })), { countFailed: true });
  const cond = matchPodFailurePolicy(
    { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] }] },
    failedPod({ main: 1 }, [['ConfigIssue', 'True']]),
  );
  assert.equal(cond.failJobMessage, 'Pod ns/p has condition ConfigIssue matching FailJob rule at index 0');
});

test('matchSuccessPolicy: indexes, counts and both', () => {
  const s = (text: string) => OrderedIntervals.parse(text, 10);
  const cases: [string, Parameters<typeof matchSuccessPolicy>[0], string, string | undefined][] = [
    ['all listed indexes', { rules: [{ succeededIndexes: '0-2' }] }, '0-3', 'Matched rules at index 0'],
    ['one listed index missing', { rules: [{ succeededIndexes: '0-2,5' }] }, '0-3', undefined],
    ['count within indexes', { rules: [{ succeededIndexes: '0-4', succeededCount: 2 }] }, '3,7', undefined],
    [
      'count within indexes met',
      { rules: [{ succeededIndexes: '0-4', succeededCount: 2 }] },
      '3,4,7',
      'Matched rules at index 0',
    ],
    [
      'plain count, second rule',
      { rules: [{ succeededIndexes: '9' }, { succeededCount: 3 }] },
      '1,4,6',
      'Matched rules at index 1',
    ],
    ['unparsable rule skipped', { rules: [{ succeededIndexes: 'a' }] }, '0-9', undefined],
    ['nothing succeeded', { rules: [{ succeededCount: 0 }] }, '', undefined],
  ];
  for (const [name, policy, succeeded, want] of cases)
    assert.equal(matchSuccessPolicy(policy, 10, s(succeeded)), want, name);
});

test('pod failure backoff: 10 s doubling, capped, counted from the last failure', () => {
  const cases: [number, number, number][] = [
    // failures, ms since last failure, remaining
    [0, 0, 0],
    [1, 0, 10_000],
    [1, 4_000, 6_000],
    [2, 0, 20_000],
    [3, 5_000, 35_000],
    [7, 0, 600_000],
    [30, 0, 600_000],
    [1, 11_000, 0],
  ];
  for (const [failures, since, want] of cases)
    assert.equal(remainingBackoffMs(failures, 1_000_000, 1_000_000 + since), want, `${failures}/${since}`);
});

test('backoff record: failures after the latest success count', () => {
  const at = (phase: 'Succeeded' | 'Failed', finished: string): Pod => ({
    metadata: { name: finished },
    status: {
      phase,
      containerStatuses: [
        {
          name: 'c',
          image: '',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: finished } },
        },
      ],
    },
  });
  const store = new BackoffStore();
  let rec = store.newRecord('k', [], [at('Failed', '2026-01-01T00:00:10Z'), at('Failed', '2026-01-01T00:00:05Z')]);
  assert.deepEqual([rec.failuresAfterLastSuccess, rec.lastFailureTime], [2, Date.UTC(2026, 0, 1, 0, 0, 10)]);
  store.update(rec);
  rec = store.newRecord(
    'k',
    [at('Succeeded', '2026-01-01T00:00:20Z')],
    [at('Failed', '2026-01-01T00:00:30Z'), at('Failed', '2026-01-01T00:00:15Z')],
  );
  assert.deepEqual([rec.failuresAfterLastSuccess, rec.lastFailureTime], [1, Date.UTC(2026, 0, 1, 0, 0, 30)]);
  rec = store.newRecord('k', [at('Succeeded', '2026-01-01T00:00:20Z')], []);
  assert.deepEqual([rec.failuresAfterLastSuccess, rec.lastFailureTime], [0, undefined]);
});

const indexedJob = (completions: number): Job => ({ spec: { completions, completionMode: 'Indexed', template: {} } });
const indexPod = (name: string, ix: string | undefined, extra: Partial<Pod['status']> = {}): Pod => ({
  metadata: {
    name,
    uid: name,
    annotations: ix === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': ix },
  },
  status: { phase: 'Running', ...extra },
});

test('firstPendingIndexes skips succeeded, active and failed indexes', () => {
  const ctx = {
    job: indexedJob(8),
    pods: [],
    activePods: [indexPod('a', '1'), indexPod('b', '4')],
    succeededIndexes: OrderedIntervals.parse('0,2', 8),
    failedIndexes: OrderedIntervals.parse('5', 8),
  } as unknown as JobSyncContext;
  assert.deepEqual(firstPendingIndexes(ctx, 10, 8), [3, 6, 7]);
  assert.deepEqual(firstPendingIndexes(ctx, 2, 8), [3, 6]);
  assert.deepEqual(firstPendingIndexes(ctx, 0, 8), []);
});

test('activePodsForRemoval: duplicates, missing and out-of-range indexes first', () => {
  const pods = [
    indexPod('dup-ready', '1', { conditions: [{ type: 'Ready', status: 'True' }] }),
    indexPod('dup-pending', '1', { phase: 'Pending' }),
    indexPod('none', undefined),
    indexPod('big', '9'),
    indexPod('ok', '2'),
  ];
  const names = (ps: Pod[]) => ps.map((p) => p.metadata!.name).sort();
  assert.deepEqual(names(activePodsForRemoval(indexedJob(3), pods, 0)), ['big', 'dup-pending', 'none']);
  assert.equal(activePodsForRemoval(indexedJob(3), pods, 4).length, 4);
});

test('generateName for indexed pods stays within 58 characters', () => {
  assert.equal(podGenerateNameWithIndex('pi', 3), 'pi-3-');
  const long = 'x'.repeat(60);
  const got = podGenerateNameWithIndex(long, 12);
  assert.equal(got.length, 58);
  assert.ok(got.endsWith('x-12-'));
});

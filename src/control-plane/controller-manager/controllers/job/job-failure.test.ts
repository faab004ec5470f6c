import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { JobTestEnv, newJob } from './job-test-env.js';

let env: JobTestEnv;
afterEach(async () => {
  await env?.stop();
});

const conditions = (j: Job) => (j.status?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason ?? ''}`);

async function failLive(e: JobTestEnv, code = 1, which: (name: string) => boolean = () => true): Promise<number> {
  let n = 0;
  for (const p of e.livePods()) {
    if (!which(p.metadata!.name!)) continue;
    await e.setPodStatus(p, code);
    n++;
  }
  return n;
}

test('pod re-creation backs off 10 s, then 20 s; backoffLimit ends the Job with BackoffLimitExceeded', async () => {
  env = new JobTestEnv();
  await env.start();
  env.createJob(newJob('flaky', { backoffLimit: 2 }));
  await env.advance(1500);
  assert.equal(env.pods().length, 1);
  assert.equal(await failLive(env), 1);
  await env.advance(9000);
  assert.equal(env.livePods().length, 0, 'no replacement within the first 10 s');
  await env.advance(1500);
  assert.equal(env.livePods().length, 1, 'replaced after 10 s');
  assert.equal(env.job('flaky').status?.failed, 1);
  assert.equal(await failLive(env), 1);
  await env.advance(19_000);
  assert.equal(env.livePods().length, 0, 'the second failure doubles the delay');
  await env.advance(1500);
  assert.equal(env.livePods().length, 1);
  assert.equal(await failLive(env), 1);
  await env.advance(2000);
  const job = env.job('flaky');
  assert.equal(job.status?.failed, 3);
  assert.deepEqual(conditions(job), ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
  assert.equal(job.status?.conditions?.[1]?.message, 'Job has reached the specified backoff limit');
  assert.equal(job.status?.completionTime, undefined);
  const ev = env.events().find((e) => e.reason === 'BackoffLimitExceeded');
  assert.equal(ev?.type, 'Warning');
  assert.equal(ev?.message, 'Job has reached the specified backoff limit');
});

test('podFailurePolicy: Ignore does not count, FailJob fails the Job at once with the matching message', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100 });
  env.createJob(
    newJob('policy', {
      completions: 2,
      parallelism: 1,
      backoffLimit: 0,
      podFailurePolicy: {
        rules: [
          { action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } },
          { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
        ],
      },
    }),
  );
  await env.advance(500);
  assert.equal(await failLive(env, 3), 1);
  await env.advance(500);
  let job = env.job('policy');
  assert.equal(job.status?.failed, undefined, 'an ignored failure is not counted');
  assert.deepEqual(conditions(job), []);
  // Ignored or not, a failure delays the replacement by the pod-failure backoff.
  assert.equal(env.livePods().length, 0);
  await env.advance(10_000);
  assert.equal(env.livePods().length, 1, 'and the pod is replaced');
  const victim = env.livePods()[0]!;
  assert.equal(await failLive(env, 42), 1);
  await env.advance(500);
  job = env.job('policy');
  assert.deepEqual(conditions(job), ['FailureTarget=True:PodFailurePolicy', 'Failed=True:PodFailurePolicy']);
  assert.equal(
    job.status?.conditions?.[1]?.message,
    `Container c for pod default/${victim.metadata!.name} failed with exit code 42 matching FailJob rule at index 1`,
  );
  assert.equal(job.status?.failed, 1);
});

test('podFailurePolicy on pod conditions: a DisruptionTarget Ignore rule keeps the Job alive', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100 });
  env.createJob(
    newJob('disrupt', {
      backoffLimit: 0,
      podFailurePolicy: {
        rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
      },
    }),
  );
  await env.advance(500);
  const p = env.livePods()[0]!;
  await env.setPodStatus(p, 137, [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }]);
  await env.advance(10_500);
  const job = env.job('disrupt');
  assert.deepEqual(conditions(job), []);
  assert.equal(job.status?.failed, undefined);
  assert.equal(env.livePods().length, 1);
});

test('activeDeadlineSeconds: DeadlineExceeded exactly at the deadline, running pods deleted', async () => {
  env = new JobTestEnv();
  await env.start();
  env.createJob(newJob('slow', { parallelism: 2, completions: 2, activeDeadlineSeconds: 30 }));
  await env.advance(1500);
  for (const p of env.livePods()) await env.setPodStatus(p, undefined);
  await env.advance(27_000);
  assert.deepEqual(conditions(env.job('slow')), []);
  assert.equal(env.job('slow').status?.ready, 2);
  await env.advance(3000);
  const job = env.job('slow');
  assert.deepEqual(conditions(job), ['FailureTarget=True:DeadlineExceeded', 'Failed=True:DeadlineExceeded']);
  assert.equal(job.status?.conditions?.[1]?.message, 'Job was active longer than specified deadline');
  assert.equal(env.pods().length, 0, 'the active pods were deleted');
  assert.equal(job.status?.failed, 2, 'and counted as failed');
  assert.equal(job.status?.active, undefined);
  assert.equal(job.status?.ready, 0);
});

test('backoffLimitPerIndex: the failure count travels with the index; FailedIndexes once all are decided', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100, podFailureBackoffMs: 1000 });
  env.createJob(
    newJob('per', {
      completions: 2,
      parallelism: 2,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 1,
      backoffLimit: 2147483647,
    }),
  );
  await env.advance(500);
  assert.equal(await failLive(env, 1, (n) => n.startsWith('per-1-')), 1);
  await env.advance(2000);
  const second = env.livePods().find((p) => p.metadata!.name!.startsWith('per-1-'));
  assert.ok(second, 'index 1 was retried');
  assert.equal(second.metadata?.annotations?.['batch.kubernetes.io/job-index-failure-count'], '1');
  assert.equal(await failLive(env, 1, (n) => n.startsWith('per-1-')), 1);
  await env.advance(2000);
  let job = env.job('per');
  assert.equal(job.status?.failedIndexes, '1');
  assert.deepEqual(conditions(job), []);
  assert.equal(await failLive(env, 0), 1);
  await env.advance(1000);
  job = env.job('per');
  assert.equal(job.status?.completedIndexes, '0');
  assert.deepEqual(conditions(job), ['FailureTarget=True:FailedIndexes', 'Failed=True:FailedIndexes']);
  assert.equal(job.status?.conditions?.[1]?.message, 'Job has failed indexes');
  assert.equal(job.status?.failed, 2);
});

test('FailIndex: a matching exit code fails only its index, at once', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100 });
  env.createJob(
    newJob('fi', {
      completions: 3,
      parallelism: 3,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 5,
      backoffLimit: 2147483647,
      maxFailedIndexes: 0,
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [7] } }] },
    }),
  );
  await env.advance(500);
  assert.equal(await failLive(env, 7, (n) => n.startsWith('fi-2-')), 1);
  await env.advance(1000);
  const job = env.job('fi');
  assert.equal(job.status?.failedIndexes, '2');
  assert.deepEqual(conditions(job), [
    'FailureTarget=True:MaxFailedIndexesExceeded',
    'Failed=True:MaxFailedIndexesExceeded',
  ]);
  assert.equal(env.livePods().length, 0);
});

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { JobTestEnv, newJob } from './job-test-env.js';
import { JobTrackingFinalizer } from './job-util.js';

let env: JobTestEnv;
afterEach(async () => {
  await env?.stop();
});

const conditionTypes = (j: Job) => (j.status?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason ?? ''}`);

/** Finishes every live pod with `exitCode(pod)` (undefined = leave running). */
async function finishPods(e: JobTestEnv, exitCode: (name: string) => number | undefined = () => 0) {
  for (const p of e.livePods()) {
    const code = exitCode(p.metadata!.name!);
    if (code !== undefined) await e.setPodStatus(p, code);
  }
}

test('NonIndexed: completions and parallelism; pods tracked with the finalizer; Complete with CompletionsReached', async () => {
  env = new JobTestEnv();
  await env.start();
  const created = env.createJob(newJob('work', { completions: 4, parallelism: 2 }));
  await env.advance(1500);
  let pods = env.pods();
  assert.equal(pods.length, 2, 'parallelism bounds the first wave');
  for (const p of pods) {
    assert.match(p.metadata!.name!, /^work-/);
    assert.deepEqual(p.metadata?.finalizers, [JobTrackingFinalizer]);
    const ref = p.metadata!.ownerReferences![0]!;
    assert.deepEqual([ref.kind, ref.name, ref.uid, ref.controller], ['Job', 'work', created.metadata!.uid, true]);
  }
  assert.equal(env.job('work').status?.active, 2);
  assert.ok(env.job('work').status?.startTime);
  for (let round = 0; round < 4 && !env.job('work').status?.completionTime; round++) {
    await finishPods(env);
    await env.advance(2500);
  }
  const job = env.job('work');
  assert.equal(job.status?.succeeded, 4);
  assert.equal(job.status?.failed, undefined);
  assert.equal(job.status?.active, undefined);
  assert.equal(job.status?.ready, 0);
  assert.equal(job.status?.terminating, 0);
  assert.deepEqual(job.status?.uncountedTerminatedPods, {});
  assert.deepEqual(conditionTypes(job), [
    'SuccessCriteriaMet=True:CompletionsReached',
    'Complete=True:CompletionsReached',
  ]);
  assert.equal(job.status?.conditions?.[1]?.message, 'Reached expected number of succeeded pods');
  assert.ok(job.status?.completionTime);
  pods = env.pods();
  assert.equal(pods.length, 4, 'exactly completions pods ran');
  for (const p of pods) assert.deepEqual(p.metadata?.finalizers ?? [], [], 'every finalizer removed');
  const reasons = env.events().map((e) => e.reason);
  assert.equal(reasons.filter((r) => r === 'SuccessfulCreate').length, 4);
  assert.ok(reasons.includes('Completed'));
});

test('a failed finalizer removal leaves the UID uncounted; the retry counts it exactly once', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100 });
  env.createJob(newJob('once', { completions: 2, parallelism: 2 }));
  await env.advance(500);
  assert.equal(env.pods().length, 2);
  env.failPodPatches = 1;
  await finishPods(env);
  await env.advance(5000);
  assert.equal(env.failPodPatches, 0, 'a removal was refused');
  // Every status written: a pod is in the counter or in the uncounted list, never both, never twice.
  const writes = env.fake.requests
    .filter((r) => r.method === 'PUT' && r.path.endsWith('/jobs/once/status'))
    .map((r) => (r.object as Job).status!);
  for (const st of writes) assert.ok((st.succeeded ?? 0) + (st.uncountedTerminatedPods?.succeeded?.length ?? 0) <= 2);
  assert.ok(
    writes.some((st) => st.succeeded === 1 && st.uncountedTerminatedPods?.succeeded?.length === 1),
    'the partial progress was written before retrying',
  );
  const job = env.job('once');
  assert.equal(job.status?.succeeded, 2);
  assert.deepEqual(job.status?.uncountedTerminatedPods, {});
  assert.ok(conditionTypes(job).includes('Complete=True:CompletionsReached'));
});

test('a restarted controller does not count pods twice', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100 });
  env.createJob(newJob('restart', { completions: 3, parallelism: 3 }));
  await env.advance(500);
  // Finalizer removals fail, so the outcome stays in status.uncountedTerminatedPods...
  env.failPodPatches = Infinity;
  await finishPods(env);
  await env.advance(400);
  assert.equal(env.job('restart').status?.uncountedTerminatedPods?.succeeded?.length, 3);
  // ...then the controller restarts and the API recovers.
  await env.stop();
  env.failPodPatches = 0;
  await env.start({ syncBatchPeriodMs: 100 });
  await env.advance(3000);
  const job = env.job('restart');
  assert.equal(job.status?.succeeded, 3);
  assert.ok(conditionTypes(job).includes('Complete=True:CompletionsReached'));
});

test('Indexed: index annotation, label, hostname and env; each index completes exactly once', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100, podFailureBackoffMs: 1000 });
  env.createJob(newJob('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
  await env.advance(500);
  const pods = env.pods().sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
  assert.equal(pods.length, 3);
  pods.forEach((p, i) => {
    assert.match(p.metadata!.name!, new RegExp(`^idx-${i}-`));
    assert.equal(p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], String(i));
    assert.equal(p.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], String(i));
    assert.equal(p.spec?.hostname, `idx-${i}`);
    assert.deepEqual(p.spec?.containers[0]?.env, [
      {
        name: 'JOB_COMPLETION_INDEX',
        valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } },
      },
    ]);
  });
  // Index 1 fails once and is replaced with a pod of the same index.
  await finishPods(env, (n) => (n.startsWith('idx-1-') ? 1 : 0));
  await env.advance(1500);
  const mid = env.job('idx');
  assert.equal(mid.status?.completedIndexes, '0,2');
  assert.equal(mid.status?.failed, 1);
  const replacement = env.livePods();
  assert.equal(replacement.length, 1);
  assert.equal(replacement[0]!.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], '1');
  await finishPods(env);
  await env.advance(1000);
  const job = env.job('idx');
  assert.equal(job.status?.completedIndexes, '0-2');
  assert.equal(job.status?.succeeded, 3);
  assert.ok(conditionTypes(job).includes('Complete=True:CompletionsReached'));
  const succeeded = env.pods().filter((p) => p.status?.phase === 'Succeeded');
  assert.deepEqual(succeeded.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort(), [
    '0',
    '1',
    '2',
  ]);
});

test('suspend: no pods and Suspended=True; resume creates pods and restarts startTime', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100 });
  env.createJob(newJob('sus', { completions: 2, parallelism: 2, suspend: true }));
  await env.advance(500);
  assert.equal(env.pods().length, 0);
  let job = env.job('sus');
  assert.deepEqual(conditionTypes(job), ['Suspended=True:JobSuspended']);
  assert.equal(job.status?.startTime, undefined);
  await env.advance(5000);
  await env.fake.handle({
    method: 'PUT',
    path: '/apis/batch/v1/namespaces/default/jobs/sus',
    query: new URLSearchParams(),
    headers: {},
    object: { ...job, metadata: { ...job.metadata, generation: 2 }, spec: { ...job.spec, suspend: false } },
  } as never);
  await env.advance(500);
  job = env.job('sus');
  assert.equal(env.pods().length, 2);
  assert.deepEqual(conditionTypes(job), ['Suspended=False:JobResumed']);
  assert.equal(job.status?.startTime, '2026-01-01T00:00:05Z');
  const reasons = env.events().map((e) => e.reason);
  assert.ok(reasons.includes('Suspended') && reasons.includes('Resumed'));
  // Suspending again deletes the running pods (they are not failures).
  await env.fake.handle({
    method: 'PUT',
    path: '/apis/batch/v1/namespaces/default/jobs/sus',
    query: new URLSearchParams(),
    headers: {},
    object: { ...job, metadata: { ...job.metadata, generation: 3 }, spec: { ...job.spec, suspend: true } },
  } as never);
  await env.advance(500);
  job = env.job('sus');
  assert.equal(env.pods().length, 0);
  assert.equal(job.status?.failed, undefined);
  assert.deepEqual(conditionTypes(job), ['Suspended=True:JobSuspended']);
});

test('successPolicy: the rule is met, lingering pods go, SuccessCriteriaMet then Complete with SuccessPolicy', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100 });
  env.createJob(
    newJob('leader', {
      completions: 3,
      parallelism: 3,
      completionMode: 'Indexed',
      successPolicy: { rules: [{ succeededIndexes: '0' }] },
    }),
  );
  await env.advance(500);
  assert.equal(env.pods().length, 3);
  await finishPods(env, (n) => (n.startsWith('leader-0-') ? 0 : undefined));
  await env.advance(1000);
  const job = env.job('leader');
  assert.deepEqual(conditionTypes(job), ['SuccessCriteriaMet=True:SuccessPolicy', 'Complete=True:SuccessPolicy']);
  assert.equal(job.status?.conditions?.[0]?.message, 'Matched rules at index 0');
  assert.equal(job.status?.completedIndexes, '0');
  assert.equal(env.livePods().length, 0, 'the other indexes were terminated');
});

test('adopts a matching orphan pod with the tracking finalizer instead of creating one', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100 });
  env.fake.seed('', 'pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'stray', namespace: 'default', labels: { 'job-name': 'adopter' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  const job = env.createJob(newJob('adopter'));
  await env.advance(500);
  const pods = env.pods();
  assert.deepEqual(
    pods.map((p) => p.metadata!.name),
    ['stray'],
  );
  assert.deepEqual(pods[0]!.metadata?.finalizers, [JobTrackingFinalizer]);
  assert.equal(pods[0]!.metadata?.ownerReferences?.[0]?.uid, job.metadata!.uid);
  await env.setPodStatus(pods[0]!, 0);
  await env.advance(500);
  assert.equal(env.job('adopter').status?.succeeded, 1);
  assert.deepEqual(env.pods()[0]!.metadata?.finalizers ?? [], []);
});

test('the pods of a deleted Job lose their tracking finalizer', async () => {
  env = new JobTestEnv();
  await env.start({ syncBatchPeriodMs: 100 });
  env.createJob(newJob('gone', { completions: 2, parallelism: 2 }));
  await env.advance(500);
  assert.equal(env.pods().filter((p) => p.metadata?.finalizers?.includes(JobTrackingFinalizer)).length, 2);
  await env.fake.handle({
    method: 'DELETE',
    path: '/apis/batch/v1/namespaces/default/jobs/gone',
    query: new URLSearchParams(),
    headers: {},
  } as never);
  await env.advance(500);
  const pods = env.pods();
  assert.equal(pods.length, 2);
  for (const p of pods) assert.deepEqual(p.metadata?.finalizers ?? [], []);
});

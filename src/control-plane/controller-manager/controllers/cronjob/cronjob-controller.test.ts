import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../../lib/clock.js';
import { type RunningControllerManager, startControllerManager } from '../../controller-manager.js';
import { cronJobControllerDescriptor } from './cronjob-controller.js';

/** A CronJob controller over a fake API server on a fake clock; no Job controller runs. */
class Env {
  readonly clock: FakeClock;
  readonly fake: FakeApiServer;
  private cm?: RunningControllerManager;

  constructor(start: string) {
    this.clock = new FakeClock(Date.parse(start));
    this.fake = new FakeApiServer(this.clock);
  }
  async start() {
    this.cm = await startControllerManager({
      rest: fakeRestClient(this.fake, { clock: this.clock }),
      controllers: [cronJobControllerDescriptor({ localZone: 'UTC' })],
      clock: this.clock,
      config: { workers: 1 },
    });
    await this.settle();
  }
  stop() {
    return this.cm?.stop();
  }
  async settle() {
    for (let i = 0; i < 20; i++) await this.clock.advance(0);
  }
  /** Moves time in steps (default one minute), letting every sync run in between. */
  async advance(ms: number, step = 60_000) {
    for (let t = 0; t < ms; t += step) {
      await this.clock.advance(Math.min(step, ms - t));
      await this.settle();
    }
  }
  createCronJob(name: string, spec: Partial<NonNullable<CronJob['spec']>>): CronJob {
    return this.fake.seed('batch', 'cronjobs', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, namespace: 'default' },
      spec: {
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: { labels: { app: name } },
          spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
        },
        ...spec,
      },
    }) as CronJob;
  }
  cronJob(name: string): CronJob {
    return this.fake.get('batch', 'cronjobs', 'default', name) as CronJob;
  }
  jobs(): Job[] {
    return (this.fake.list('batch', 'jobs', 'default') as Job[]).sort((a, b) =>
      a.metadata!.name!.localeCompare(b.metadata!.name!),
    );
  }
  events(reason: string): Event[] {
    return (this.fake.list('', 'events') as Event[]).filter((e) => e.reason === reason);
  }
  /** Plays the Job controller: the Job starts now and ends Complete or Failed. */
  async finish(job: Job, type: 'Complete' | 'Failed', startMs = this.clock.now()) {
    const now = formatTime(this.clock.now());
    const cur = this.fake.get('batch', 'jobs', 'default', job.metadata!.name!)!;
    const status: Job['status'] = {
      startTime: formatTime(startMs),
      conditions: [{ type, status: 'True', lastTransitionTime: now }],
      ...(type === 'Complete' ? { completionTime: now, succeeded: 1 } : { failed: 1 }),
    };
    await this.fake.handle({
      method: 'PUT',
      path: `/apis/batch/v1/namespaces/default/jobs/${job.metadata!.name}/status`,
      query: new URLSearchParams(),
      headers: {},
      object: { ...cur, status },
    } as never);
    await this.advance(1000, 100);
  }
}

let env: Env;
afterEach(async () => {
  await env?.stop();
});

const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);
const annotation = (j: Job) => j.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'];

test('a named time zone across spring-forward: the skipped wall time does not run, later days run at 02:30 local', async () => {
  env = new Env('2024-03-08T12:00:00Z');
  await env.start();
  const cj = env.createCronJob('nightly', { schedule: '30 2 * * *', timeZone: 'America/New_York' });
  await env.advance(4 * 24 * 3600_000, 10 * 60_000);
  const jobs = env.jobs();
  assert.deepEqual(
    jobs.map((j) => j.metadata!.name),
    [
      `nightly-${minutes('2024-03-09T07:30:00Z')}`,
      `nightly-${minutes('2024-03-11T06:30:00Z')}`,
      `nightly-${minutes('2024-03-12T06:30:00Z')}`,
    ],
  );
  assert.deepEqual(jobs.map(annotation), [
    '2024-03-09T02:30:00-05:00',
    '2024-03-11T02:30:00-04:00',
    '2024-03-12T02:30:00-04:00',
  ]);
  const job = jobs[0]!;
  assert.deepEqual(job.metadata?.labels, { app: 'nightly' });
  const ref = job.metadata!.ownerReferences![0]!;
  assert.deepEqual([ref.kind, ref.name, ref.uid, ref.controller], ['CronJob', 'nightly', cj.metadata!.uid, true]);
  const status = env.cronJob('nightly').status!;
  assert.equal(status.lastScheduleTime, '2024-03-12T06:30:00Z');
  assert.deepEqual(
    status.active?.map((r) => r.name),
    jobs.map((j) => j.metadata!.name),
  );
  assert.equal(env.events('SuccessfulCreate').length, 3);
});

test('fall-back: a wall time that happens twice runs twice (robfig semantics)', async () => {
  env = new Env('2024-11-02T12:00:00Z');
  await env.start();
  env.createCronJob('twice', { schedule: '30 1 * * *', timeZone: 'America/New_York' });
  await env.advance(24 * 3600_000, 10 * 60_000);
  assert.deepEqual(env.jobs().map(annotation), ['2024-11-03T01:30:00-04:00', '2024-11-03T01:30:00-05:00']);
});

test('Forbid skips an activation while the previous Job runs; finishing it records lastSuccessfulTime', async () => {
  env = new Env('2026-01-01T00:00:30Z');
  await env.start();
  env.createCronJob('forbid', { schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 60 });
  await env.advance(5 * 60_000);
  assert.equal(env.jobs().length, 1);
  await env.advance(6 * 60_000);
  assert.equal(env.jobs().length, 1, 'the 00:10 activation was skipped');
  assert.ok(env.events('JobAlreadyActive').length >= 1);
  assert.equal(env.cronJob('forbid').status?.active?.length, 1);
  const first = env.jobs()[0]!;
  await env.finish(first, 'Complete');
  // 00:11:30: the skipped 00:10 activation is past its 60 s starting deadline, so it stays skipped.
  assert.equal(env.jobs().length, 1);
  const st = env.cronJob('forbid').status!;
  assert.deepEqual(st.active, []);
  assert.equal(st.lastSuccessfulTime, first.status?.completionTime ?? '2026-01-01T00:11:30Z');
  assert.equal(
    env.events('SawCompletedJob')[0]?.message,
    `Saw completed job: ${first.metadata!.name}, condition: Complete`,
  );
  await env.advance(4 * 60_000);
  assert.deepEqual(env.jobs().map(annotation), ['2026-01-01T00:05:00Z', '2026-01-01T00:15:00Z']);
});

test('Forbid without a starting deadline starts the skipped activation late, once the previous Job ends', async () => {
  env = new Env('2026-01-01T00:00:30Z');
  await env.start();
  env.createCronJob('late-start', { schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid' });
  await env.advance(10 * 60_000 + 30_000);
  assert.equal(env.jobs().length, 1);
  await env.finish(env.jobs()[0]!, 'Failed');
  assert.deepEqual(env.jobs().map(annotation), ['2026-01-01T00:05:00Z', '2026-01-01T00:10:00Z']);
  assert.equal(env.cronJob('late-start').status?.lastSuccessfulTime, undefined);
});

test('Replace deletes the running Job and starts the new one', async () => {
  env = new Env('2026-01-01T00:00:30Z');
  await env.start();
  env.createCronJob('replace', { schedule: '* * * * *', concurrencyPolicy: 'Replace' });
  await env.advance(60_000);
  const first = env.jobs()[0]!.metadata!.name;
  await env.advance(60_000);
  const names = env.jobs().map((j) => j.metadata!.name);
  assert.equal(names.length, 1);
  assert.notEqual(names[0], first);
  assert.deepEqual(
    env.cronJob('replace').status?.active?.map((r) => r.name),
    names,
  );
  assert.equal(env.events('SuccessfulDelete')[0]?.message, `Deleted job ${first}`);
});

test('history limits keep the newest successful and failed Jobs', async () => {
  env = new Env('2026-01-01T00:00:30Z');
  await env.start();
  env.createCronJob('hist', { schedule: '* * * * *', successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 });
  for (let i = 0; i < 6; i++) {
    await env.advance(60_000);
    const fresh = env.jobs().find((j) => !j.status?.conditions);
    assert.ok(fresh, `activation ${i}`);
    await env.finish(fresh, i % 3 === 2 ? 'Failed' : 'Complete');
  }
  await env.advance(60_000);
  const finished = env.jobs().filter((j) => j.status?.conditions);
  const byType = (t: string) => finished.filter((j) => j.status!.conditions![0]!.type === t).map((j) => annotation(j));
  // Successful at minutes 1,2,4,5 -> newest two; failed at 3,6 -> newest one.
  assert.deepEqual(byType('Complete'), ['2026-01-01T00:04:00Z', '2026-01-01T00:05:00Z']);
  assert.deepEqual(byType('Failed'), ['2026-01-01T00:06:00Z']);
});

test('suspend starts nothing; more than 100 missed activations warn and start only the latest', async () => {
  env = new Env('2026-01-01T00:00:30Z');
  await env.start();
  env.createCronJob('late', { schedule: '* * * * *', suspend: true });
  await env.advance(3 * 60_000);
  assert.equal(env.jobs().length, 0);
  // The controller was "down" for three hours while the CronJob stayed unsuspended.
  await env.stop();
  const cur = env.cronJob('late');
  await env.fake.handle({
    method: 'PUT',
    path: '/apis/batch/v1/namespaces/default/cronjobs/late',
    query: new URLSearchParams(),
    headers: {},
    object: { ...cur, spec: { ...cur.spec, suspend: false } },
  } as never);
  env.clock.setWallTime(Date.parse('2026-01-01T03:00:30Z'));
  await env.start();
  await env.settle();
  assert.deepEqual(env.jobs().map(annotation), ['2026-01-01T03:00:00Z']);
  assert.equal(
    env.events('TooManyMissedTimes')[0]?.message,
    'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
  );
});

test('startingDeadlineSeconds: an activation missed by more than the deadline is not started', async () => {
  env = new Env('2026-01-01T00:00:30Z');
  await env.start();
  env.createCronJob('deadline', { schedule: '0 * * * *', startingDeadlineSeconds: 30 });
  await env.stop();
  env.clock.setWallTime(Date.parse('2026-01-01T01:00:45Z'));
  await env.start();
  await env.settle();
  assert.equal(env.jobs().length, 0, 'the 01:00 activation is 45 s old');
  await env.advance(3600_000);
  assert.deepEqual(env.jobs().map(annotation), ['2026-01-01T02:00:00Z']);
});

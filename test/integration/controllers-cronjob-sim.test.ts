import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { gvr, type ResourceClient, typed } from '../../src/client/index.js';
import { componentUsers, inProcessRest, serviceAccountUser } from '../../src/cmd/in-process.js';
import {
  type RunningControllerManager,
  startControllerManager,
} from '../../src/control-plane/controller-manager/controller-manager.js';
import { cronJobControllerDescriptor } from '../../src/control-plane/controller-manager/controllers/cronjob/cronjob-controller.js';
import { jobControllerDescriptor } from '../../src/control-plane/controller-manager/controllers/job/job-controller.js';
import { FakeClock } from '../../src/lib/clock.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes } from '../harness/sim.js';

/**
 * The CronJob controller runs on a fake clock that starts at real time, so a
 * `* * * * *` schedule fires when the test says, while the Job controller
 * and the simulated kubelets run the created Jobs in real time.
 */
describe('cronjob controller against a real apiserver', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let jobCM: RunningControllerManager;
  let cronCM: RunningControllerManager;
  let clock: FakeClock;
  let jobs: ResourceClient<Job>;
  let cronJobs: ResourceClient<CronJob>;

  const managerFor = (controllers: Parameters<typeof startControllerManager>[0]['controllers'], fake?: FakeClock) =>
    startControllerManager({
      rest: inProcessRest(c.cp.apiserver, componentUsers.controllerManager, 'kube-controller-manager'),
      restFor: (sa) => inProcessRest(c.cp.apiserver, serviceAccountUser(sa), 'kube-controller-manager'),
      controllers,
      clock: fake,
    });

  before(async () => {
    c = await startTestCluster({ controllers: ['serviceaccount', 'garbage-collector'] });
    sim = await startTestSimNodes(c, { count: 2, failPods: () => 0 });
    jobCM = await managerFor([jobControllerDescriptor({ syncBatchPeriodMs: 200 })]);
    clock = new FakeClock(Date.now());
    cronCM = await managerFor([cronJobControllerDescriptor({ localZone: 'UTC' })], clock);
    const rest = adminRest(c);
    jobs = typed<Job>(rest, gvr('batch', 'v1', 'jobs'), 'default');
    cronJobs = typed<CronJob>(rest, gvr('batch', 'v1', 'cronjobs'), 'default');
  });
  after(async () => {
    await cronCM?.stop();
    await jobCM?.stop();
    await sim?.dispose();
    await c?.dispose();
  });

  async function kubectl(args: string[], stdin?: string): Promise<string> {
    const r = await c.kubectl(args, { stdin, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Moves the fake clock to 200 ms past the next minute boundary. */
  async function toNextMinute(): Promise<number> {
    const boundary = Math.floor(clock.now() / 60_000) * 60_000 + 60_000;
    await clock.advance(boundary + 200 - clock.now());
    return boundary;
  }

  test('creates a Job per activation, tracks it, and prunes history', async () => {
    await kubectl([
      'create',
      'cronjob',
      'tick',
      '--image=busybox',
      '--schedule=* * * * *',
      '--restart=Never',
      '--',
      'true',
    ]);
    await kubectl(['patch', 'cronjob', 'tick', '--type=merge', '-p', '{"spec":{"successfulJobsHistoryLimit":1}}']);
    const first = await toNextMinute();
    const firstName = `tick-${first / 60_000}`;
    const job1 = await eventually(async () => {
      const j = await jobs.get(firstName);
      return j.status?.completionTime ? j : undefined;
    }, 'the first Job to complete');
    assert.equal(
      job1.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'],
      new Date(first).toISOString().replace('.000Z', 'Z'),
    );
    await eventually(async () => {
      const cj = await cronJobs.get('tick');
      return cj.status?.lastSuccessfulTime && (cj.status.active ?? []).length === 0;
    }, 'the CronJob noticing the completion');

    const second = await toNextMinute();
    const secondName = `tick-${second / 60_000}`;
    await eventually(async () => (await jobs.get(secondName)).status?.completionTime, 'the second Job to complete');
    // One successful Job is kept: the older one goes.
    await eventually(async () => {
      const names = (await jobs.list()).items.map((j) => j.metadata!.name);
      return names.length === 1 && names[0] === secondName;
    }, 'history pruned to the newest Job');
    const cj = await cronJobs.get('tick');
    assert.equal(cj.status?.lastScheduleTime, new Date(second).toISOString().replace('.000Z', 'Z'));
    const row = await kubectl(['get', 'cronjob', 'tick', '--no-headers']);
    assert.match(row, /^tick\s+\* \* \* \* \*\s+<none>\s+False\s+0\s/);
  });
});

/**
 * Across a DST change in a named time zone, through the real apiserver: the
 * CronJob controller's fake clock starts the day before America/New_York
 * springs forward (2027-03-14, 02:00 -> 03:00), so `30 2 * * *` runs on the
 * 13th at 02:30 EST, not at all on the 14th (02:30 does not exist), and on
 * the 15th at 02:30 EDT. startingDeadlineSeconds keeps the controller from
 * counting the (real-time) months since the CronJob was created as missed.
 */
describe('cronjob controller across a DST change (America/New_York)', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let jobCM: RunningControllerManager;
  let cronCM: RunningControllerManager;
  let clock: FakeClock;
  let jobs: ResourceClient<Job>;
  let cronJobs: ResourceClient<CronJob>;

  before(async () => {
    c = await startTestCluster({ controllers: ['serviceaccount', 'garbage-collector'] });
    sim = await startTestSimNodes(c, { count: 1, failPods: () => 0 });
    const managerFor = (controllers: Parameters<typeof startControllerManager>[0]['controllers'], fake?: FakeClock) =>
      startControllerManager({
        rest: inProcessRest(c.cp.apiserver, componentUsers.controllerManager, 'kube-controller-manager'),
        restFor: (sa) => inProcessRest(c.cp.apiserver, serviceAccountUser(sa), 'kube-controller-manager'),
        controllers,
        clock: fake,
      });
    jobCM = await managerFor([jobControllerDescriptor({ syncBatchPeriodMs: 200 })]);
    clock = new FakeClock(Date.parse('2027-03-13T06:00:00Z'));
    cronCM = await managerFor([cronJobControllerDescriptor({ localZone: 'UTC' })], clock);
    const rest = adminRest(c);
    jobs = typed<Job>(rest, gvr('batch', 'v1', 'jobs'), 'default');
    cronJobs = typed<CronJob>(rest, gvr('batch', 'v1', 'cronjobs'), 'default');
  });
  after(async () => {
    await cronCM?.stop();
    await jobCM?.stop();
    await sim?.dispose();
    await c?.dispose();
  });

  const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);
  const scheduledAt = (j: Job) => j.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'];
  const names = async () =>
    (await jobs.list()).items
      .map((j) => j.metadata!.name!)
      .filter((n) => n.startsWith('nightly-'))
      .sort();
  /** Advances the controller's clock to `iso` in 10-minute steps, letting each reconcile reach the API. */
  async function advanceTo(iso: string) {
    const target = Date.parse(iso);
    while (clock.now() < target) {
      await clock.advance(Math.min(10 * 60_000, target - clock.now()));
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  test('02:30 local runs on the 13th (EST), is skipped on the 14th, runs on the 15th (EDT)', async () => {
    await cronJobs.create({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: {
        schedule: '30 2 * * *',
        timeZone: 'America/New_York',
        startingDeadlineSeconds: 300,
        jobTemplate: {
          spec: {
            template: {
              spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] },
            },
          },
        },
      },
    });
    const first = `nightly-${minutes('2027-03-13T07:30:00Z')}`;
    await advanceTo('2027-03-13T07:31:00Z');
    await eventually(async () => (await names()).includes(first) || undefined, 'the Job of the 13th');
    await advanceTo('2027-03-14T12:00:00Z');
    // Let any (wrong) activation of the 14th reach the API before looking.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await names(), [first], 'no Job for the non-existent 02:30 of the 14th');
    const third = `nightly-${minutes('2027-03-15T06:30:00Z')}`;
    await advanceTo('2027-03-15T06:31:00Z');
    await eventually(async () => ((await names()).length === 2 ? true : undefined), 'the Job of the 15th');
    assert.deepEqual(await names(), [first, third]);
    const all = (await jobs.list()).items.filter((j) => j.metadata!.name!.startsWith('nightly-'));
    assert.deepEqual(all.map(scheduledAt).sort(), ['2027-03-13T02:30:00-05:00', '2027-03-15T02:30:00-04:00']);
    await eventually(
      async () =>
        (await cronJobs.get('nightly')).status?.lastScheduleTime === '2027-03-15T06:30:00Z' ? true : undefined,
      'lastScheduleTime of the 15th',
    );
  });
});

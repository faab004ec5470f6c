import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { gvr, type ResourceClient, typed } from '../../src/client/index.js';
import { componentUsers, inProcessRest, serviceAccountUser } from '../../src/cmd/in-process.js';
import {
  type RunningControllerManager,
  startControllerManager,
} from '../../src/control-plane/controller-manager/controller-manager.js';
import { jobControllerDescriptor } from '../../src/control-plane/controller-manager/controllers/job/job-controller.js';
import { ttlAfterFinishedController } from '../../src/control-plane/controller-manager/controllers/ttl-after-finished/ttl-after-finished-controller.js';
import type { SimNodes } from '../../src/node/sim/sim-nodes.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually, startTestSimNodes, watchObjects } from '../harness/sim.js';

const indexOf = (p: Pod) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'];
const jobNameOf = (p: Pod) => p.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? '';
const live = (p: Pod) =>
  !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/**
 * Pod outcomes for the simulated kubelet, steered by pod-template labels:
 * `fail-first: N` — the job's first N pods exit 1; `exit: C` — every pod
 * exits C; `fail-index: I` — the first pod of index I exits 1; `run: forever`
 * — pods keep running. Anything else exits 0.
 */
function outcomes() {
  const seen = new Map<string, number>();
  const decided = new Map<string, number | undefined>();
  return (pod: Pod): number | undefined => {
    const uid = pod.metadata!.uid!;
    if (decided.has(uid)) return decided.get(uid);
    const l = pod.metadata?.labels ?? {};
    const job = jobNameOf(pod);
    let code: number | undefined = 0;
    if (l.run === 'forever') code = undefined;
    else if (l.exit) code = Number(l.exit);
    else if (l['fail-first']) {
      const n = (seen.get(job) ?? 0) + 1;
      seen.set(job, n);
      code = n <= Number(l['fail-first']) ? 1 : 0;
    } else if (l['fail-index'] !== undefined && indexOf(pod) === l['fail-index']) {
      const key = `${job}/${indexOf(pod)}`;
      code = seen.has(key) ? 0 : 1;
      seen.set(key, 1);
    }
    decided.set(uid, code);
    return code;
  };
}

const jobManifest = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) =>
  JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      ...spec,
      template: {
        metadata: { labels },
        spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['true'] }] },
      },
    },
  });

describe('job and ttl-after-finished controllers on simulated nodes', () => {
  let c: TestCluster;
  let sim: SimNodes;
  let cm: RunningControllerManager;
  let jobs: ResourceClient<Job>;
  let pods: ResourceClient<Pod>;
  let events: ResourceClient<Event>;

  before(async () => {
    c = await startTestCluster({ controllers: ['serviceaccount', 'garbage-collector'] });
    sim = await startTestSimNodes(c, { count: 3, podStartDelayMs: 100, failPods: outcomes() });
    // The Job controller with short pod-failure backoffs, writing as system:serviceaccount:kube-system:job-controller.
    cm = await startControllerManager({
      rest: inProcessRest(c.cp.apiserver, componentUsers.controllerManager, 'kube-controller-manager'),
      restFor: (sa) => inProcessRest(c.cp.apiserver, serviceAccountUser(sa), 'kube-controller-manager'),
      controllers: [
        jobControllerDescriptor({ syncBatchPeriodMs: 200, podFailureBackoffMs: 200, maxPodFailureBackoffMs: 800 }),
        ttlAfterFinishedController,
      ],
    });
    const rest = adminRest(c);
    jobs = typed<Job>(rest, gvr('batch', 'v1', 'jobs'), 'default');
    pods = typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default');
    events = typed<Event>(rest, gvr('', 'v1', 'events'), 'default');
  });
  after(async () => {
    await cm?.stop();
    await sim?.dispose();
    await c?.dispose();
  });

  async function kubectl(args: string[], stdin?: string): Promise<string> {
    const r = await c.kubectl(args, { stdin, timeoutMs: 120_000 });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }
  const podsOf = async (job: string) =>
    (await pods.list({ labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;
  const conditions = (j: Job) => (j.status?.conditions ?? []).map((x) => `${x.type}:${x.reason}`);
  const reasonsFor = async (name: string) =>
    (await events.list()).items.filter((e) => e.involvedObject.name === name).map((e) => e.reason);

  test('completions=10, parallelism=3, three failing pods: Complete with the right counts', async () => {
    let maxLive = 0;
    const stop = await watchObjects(pods, { labelSelector: 'batch.kubernetes.io/job-name=ten' }, (objs) => {
      maxLive = Math.max(maxLive, [...objs.values()].filter(live).length);
    });
    try {
      await kubectl(
        ['apply', '-f', '-'],
        jobManifest('ten', { completions: 10, parallelism: 3 }, { 'fail-first': '3' }),
      );
      await kubectl(['wait', '--for=condition=complete', 'job/ten', '--timeout=90s']);
    } finally {
      await stop();
    }
    const job = await jobs.get('ten');
    assert.equal(job.status?.succeeded, 10);
    assert.equal(job.status?.failed, 3);
    assert.equal(job.status?.active, undefined);
    assert.deepEqual(job.status?.uncountedTerminatedPods, {});
    assert.deepEqual(conditions(job), ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
    assert.ok(job.status?.completionTime && job.status.startTime);
    assert.ok(maxLive <= 3, `never more than parallelism pods running (saw ${maxLive})`);
    const all = await eventually(async () => {
      const ps = await podsOf('ten');
      return ps.every((p) => !p.metadata?.finalizers?.length) ? ps : undefined;
    }, 'every tracking finalizer removed');
    assert.equal(all.filter((p) => p.status?.phase === 'Succeeded').length, 10);
    assert.equal(all.filter((p) => p.status?.phase === 'Failed').length, 3);
    const table = await kubectl(['get', 'job', 'ten', '--no-headers']);
    assert.match(table, /^ten\s+Complete\s+10\/10\s/);
    // 13 creations; the event correlator folds similar events after the tenth, as client-go's does.
    await eventually(async () => {
      const reasons = await reasonsFor('ten');
      return reasons.filter((r) => r === 'SuccessfulCreate').length >= 10 && reasons.includes('Completed');
    }, 'the SuccessfulCreate and Completed events');
  });

  test('backoffLimit: every pod fails; Failed with BackoffLimitExceeded after backoffLimit+1 failures', async () => {
    await kubectl(['apply', '-f', '-'], jobManifest('doomed', { backoffLimit: 2 }, { exit: '1' }));
    await kubectl(['wait', '--for=condition=failed', 'job/doomed', '--timeout=90s']);
    const job = await jobs.get('doomed');
    assert.equal(job.status?.failed, 3);
    assert.deepEqual(conditions(job), ['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
    assert.equal(job.status?.conditions?.[1]?.message, 'Job has reached the specified backoff limit');
    assert.equal((await podsOf('doomed')).length, 3);
    // Events are written asynchronously.
    await eventually(async () => (await reasonsFor('doomed')).includes('BackoffLimitExceeded'), 'the event');
  });

  test('podFailurePolicy FailJob on an exit code fails the Job at once', async () => {
    const manifest = JSON.parse(jobManifest('fatal', { backoffLimit: 6 }, { exit: '42' }));
    manifest.spec.podFailurePolicy = {
      rules: [{ action: 'FailJob', onExitCodes: { containerName: 'work', operator: 'In', values: [42] } }],
    };
    await kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
    await kubectl(['wait', '--for=condition=failed', 'job/fatal', '--timeout=90s']);
    const job = await jobs.get('fatal');
    assert.deepEqual(conditions(job), ['FailureTarget:PodFailurePolicy', 'Failed:PodFailurePolicy']);
    const [pod] = await podsOf('fatal');
    assert.equal(
      job.status?.conditions?.[1]?.message,
      `Container work for pod default/${pod!.metadata!.name} failed with exit code 42 matching FailJob rule at index 0`,
    );
    assert.equal(job.status?.failed, 1);
    assert.equal((await podsOf('fatal')).length, 1, 'no replacement pod');
  });

  test('Indexed: every index completes exactly once, a failed index is retried', async () => {
    await kubectl(
      ['apply', '-f', '-'],
      jobManifest('indexed', { completions: 5, parallelism: 2, completionMode: 'Indexed' }, { 'fail-index': '3' }),
    );
    await kubectl(['wait', '--for=condition=complete', 'job/indexed', '--timeout=90s']);
    const job = await jobs.get('indexed');
    assert.equal(job.status?.completedIndexes, '0-4');
    assert.equal(job.status?.succeeded, 5);
    assert.equal(job.status?.failed, 1);
    const ps = await podsOf('indexed');
    const succeededIndexes = ps.filter((p) => p.status?.phase === 'Succeeded').map(indexOf);
    assert.deepEqual(succeededIndexes.sort(), ['0', '1', '2', '3', '4']);
    assert.deepEqual(ps.filter((p) => p.status?.phase === 'Failed').map(indexOf), ['3']);
    for (const p of ps) {
      const ix = indexOf(p)!;
      assert.match(p.metadata!.name!, new RegExp(`^indexed-${ix}-[a-z0-9]{5}$`));
      assert.equal(p.spec?.hostname, `indexed-${ix}`);
      assert.equal(p.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], ix);
      const env = p.spec?.containers[0]?.env?.find((e) => e.name === 'JOB_COMPLETION_INDEX');
      assert.equal(env?.valueFrom?.fieldRef?.fieldPath, "metadata.labels['batch.kubernetes.io/job-completion-index']");
    }
  });

  test('suspend and resume with kubectl patch', async () => {
    const manifest = JSON.parse(jobManifest('paused', { completions: 2, parallelism: 2 }));
    manifest.spec.suspend = true;
    await kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
    await eventually(async () => conditions(await jobs.get('paused')).includes('Suspended:JobSuspended'), 'Suspended');
    assert.equal((await podsOf('paused')).length, 0);
    assert.match(await kubectl(['get', 'job', 'paused', '--no-headers']), /^paused\s+Suspended\s+0\/2\s/);
    await kubectl(['patch', 'job', 'paused', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await kubectl(['wait', '--for=condition=complete', 'job/paused', '--timeout=90s']);
    const job = await jobs.get('paused');
    assert.ok(conditions(job).includes('Suspended:JobResumed'));
    assert.equal(job.status?.succeeded, 2);
  });

  test('ttlSecondsAfterFinished deletes the finished Job and its pods', async () => {
    await kubectl(['apply', '-f', '-'], jobManifest('shortlived', { ttlSecondsAfterFinished: 1 }));
    const job = await eventually(async () => {
      const j = await jobs.get('shortlived');
      return j.status?.completionTime ? j : undefined;
    }, 'the job completing');
    await eventually(async () => {
      const list = await jobs.list();
      return !list.items.some((j) => j.metadata?.uid === job.metadata?.uid);
    }, 'the job deleted');
    await eventually(async () => (await podsOf('shortlived')).length === 0, 'its pods deleted');
  });
});

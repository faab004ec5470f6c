import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeKubelet } from '../testing/fake-context.js';
import { needsSync } from './pod-workers.js';

const image = 'kubets.local/busybox:1';
let k: FakeKubelet;

beforeEach(() => {
  k = new FakeKubelet();
});
afterEach(async () => {
  await k.dispose();
});

const starts = () => k.runtime.calls.filter((c) => c.startsWith('startContainer'));

test('a pod runs: sandbox, then its container; status Running with the pod IP', async () => {
  k.add({ metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image }] } });
  await k.settle();
  assert.deepEqual(
    k.runtime.calls.filter((c) => !c.startsWith('ensureSandbox')),
    ['runPodSandbox web', 'createContainer app#0', 'startContainer app#0'],
  );
  const s = k.podStatus('web')!;
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '10.88.0.2');
  assert.equal(s.hostIP, '192.0.2.10');
  assert.equal(s.containerStatuses?.[0]?.ready, true);
  assert.equal(s.containerStatuses?.[0]?.containerID?.startsWith('fake://'), true);
  assert.deepEqual(
    s.conditions?.map((c) => [c.type, c.status]),
    [
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ],
  );
  assert.deepEqual(
    k.events.filter((e) => e.pod === 'web').map((e) => e.reason),
    ['Pulled', 'Created', 'Started'],
  );
  // Nothing more happens on a later sync of a steady pod.
  const before = k.runtime.calls.length;
  k.workers.wake(k.api.list('', 'pods')[0]!.metadata.uid);
  await k.settle();
  assert.deepEqual(
    k.runtime.calls.slice(before).filter((c) => !c.startsWith('list')),
    [],
  );
});

test('starting a pod lists its runtime state twice: before, and after the start (not after the new sandbox)', async () => {
  k.add({ metadata: { name: 'lean' }, spec: { containers: [{ name: 'app', image }] } });
  await k.settle();
  assert.equal(k.podStatus('lean')?.phase, 'Running');
  assert.equal(k.runtime.scopedContainerLists, 2);
  // The state the kubelet server sees is the fresh one from after the start.
  const uid = k.api.list('', 'pods')[0]!.metadata.uid;
  assert.equal(k.syncer.lastState(uid)?.containers[0]?.state, 'CONTAINER_RUNNING');
});

test('a pod whose sandbox went away gets a new one (next attempt) and its containers start again in it', async () => {
  k.add({ metadata: { name: 'phoenix' }, spec: { containers: [{ name: 'app', image }] } });
  await k.settle();
  const [first] = [...k.runtime.sandboxes.values()];
  await k.runtime.stopSandbox(first!.id);
  k.workers.wake(k.api.list('', 'pods')[0]!.metadata.uid);
  await k.settle();
  const sandboxes = [...k.runtime.sandboxes.values()];
  assert.deepEqual(
    sandboxes.map((s) => [s.spec.attempt, s.state]),
    [
      [0, 'SANDBOX_NOTREADY'],
      [1, 'SANDBOX_READY'],
    ],
  );
  assert.equal(k.runtime.calls.filter((c) => c.startsWith('runPodSandbox')).length, 2);
  const apps = k.runtime.byName('app');
  assert.deepEqual(apps.map((c) => [c.sandboxId === sandboxes[1]!.id, c.state]).sort(), [
    [false, 'CONTAINER_EXITED'],
    [true, 'CONTAINER_RUNNING'],
  ]);
  assert.ok(k.events.some((e) => e.pod === 'phoenix' && e.reason === 'SandboxChanged'));
  assert.equal(k.podStatus('phoenix')?.phase, 'Running');
});

test('init containers run one at a time, in order, before app containers', async () => {
  for (const n of ['one', 'two']) k.runtime.onStart.set(n, (c, rt) => setImmediate(() => rt.exit(c.id, 0)));
  k.add({
    metadata: { name: 'init' },
    spec: {
      initContainers: [
        { name: 'one', image },
        { name: 'two', image },
      ],
      containers: [{ name: 'app', image }],
    },
  });
  await k.settle();
  // Each init container's exit is seen on the next sync (PLEG in the real kubelet).
  for (let i = 0; i < 4; i++) {
    k.workers.wake(k.api.list('', 'pods')[0]!.metadata.uid);
    await k.settle();
  }
  assert.deepEqual(starts(), ['startContainer one#0', 'startContainer two#0', 'startContainer app#0']);
  const s = k.podStatus('init')!;
  assert.equal(s.phase, 'Running');
  assert.deepEqual(
    s.initContainerStatuses?.map((c) => [c.name, c.state?.terminated?.reason, c.ready]),
    [
      ['one', 'Completed', true],
      ['two', 'Completed', true],
    ],
  );
});

test('a failing init container with restartPolicy Never fails the pod', async () => {
  k.runtime.onStart.set('setup', (c, rt) => rt.exit(c.id, 2));
  k.add({
    metadata: { name: 'bad-init' },
    spec: { restartPolicy: 'Never', initContainers: [{ name: 'setup', image }], containers: [{ name: 'app', image }] },
  });
  await k.settle();
  k.workers.wake(k.api.list('', 'pods')[0]!.metadata.uid);
  await k.settle();
  const s = k.podStatus('bad-init')!;
  assert.equal(s.phase, 'Failed');
  assert.equal(s.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 2);
  assert.equal(starts().filter((c) => c.startsWith('startContainer app')).length, 0);
  assert.ok(k.runtime.calls.includes('stopSandbox bad-init'), 'the sandbox of a finished pod is stopped');
});

test('restart policies decide Succeeded, Failed or a restart', async () => {
  const cases: { policy: 'Never' | 'OnFailure' | 'Always'; code: number; phase: string; restarts: number }[] = [
    { policy: 'Never', code: 0, phase: 'Succeeded', restarts: 0 },
    { policy: 'Never', code: 1, phase: 'Failed', restarts: 0 },
    { policy: 'OnFailure', code: 0, phase: 'Succeeded', restarts: 0 },
    { policy: 'OnFailure', code: 1, phase: 'Running', restarts: 1 },
    { policy: 'Always', code: 0, phase: 'Running', restarts: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    const name = `job-${i}`;
    let runs = 0;
    k.runtime.onStart.set(name, (ctr, rt) => {
      if (runs++ === 0) rt.exit(ctr.id, c.code);
    });
    k.add({ metadata: { name }, spec: { restartPolicy: c.policy, containers: [{ name, image }] } });
    await k.settle();
    k.workers.wake(k.api.list('', 'pods').find((p) => p.metadata.name === name)!.metadata.uid);
    await k.settle();
    const s = k.podStatus(name)!;
    assert.equal(s.phase, c.phase, `${c.policy}/${c.code}`);
    assert.equal(s.containerStatuses?.[0]?.restartCount, c.restarts, `${c.policy}/${c.code} restarts`);
    if (c.restarts > 0) assert.equal(s.containerStatuses?.[0]?.lastState?.terminated?.exitCode, c.code);
  }
});

test('crash-loop back-off: restarts at once, then after 10 s, 20 s, 40 s, then waits 80 s', async () => {
  k.runtime.onStart.set('crash', (c, rt) => rt.exit(c.id, 1));
  const pod = k.add({ metadata: { name: 'crash' }, spec: { containers: [{ name: 'crash', image }] } });
  const uid = pod.metadata!.uid!;
  const startTimes: number[] = [];
  k.runtime.onStart.set('crash', (c, rt) => {
    startTimes.push(k.clock.now());
    rt.exit(c.id, 1);
  });
  const t0 = k.clock.now();
  // The real kubelet wakes the worker on each exit (PLEG) and when the back-off ends (requeue).
  for (let t = 0; t < 75_000; t += 500) {
    k.workers.wake(uid);
    await k.advance(500);
  }
  const offsets = startTimes.map((t) => Math.round((t - t0) / 1000));
  assert.deepEqual(offsets, [0, 0, 10, 30, 70], 'the delay doubles: 10 s, 20 s, 40 s');
  const s = k.podStatus('crash')!;
  const cs = s.containerStatuses![0]!;
  assert.equal(cs.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.match(
    cs.state?.waiting?.message ?? '',
    /^back-off 1m20s restarting failed container=crash pod=crash_default\(uid-\d+\)$/,
  );
  assert.equal(cs.lastState?.terminated?.exitCode, 1);
  assert.equal(cs.restartCount, startTimes.length - 1);
  assert.ok(
    k.events.some(
      (e) =>
        e.reason === 'BackOff' &&
        e.message.startsWith('Back-off restarting failed container crash in pod crash_default('),
    ),
  );
  // Only the two newest attempts are kept.
  assert.ok(k.runtime.byName('crash').length <= 2);
});

test('deletion: preStop before the stop, regular containers before sidecars, then the API delete', async () => {
  const pod = k.add({
    metadata: { name: 'bye' },
    spec: {
      terminationGracePeriodSeconds: 30,
      initContainers: [{ name: 'proxy', image, restartPolicy: 'Always' }],
      containers: [{ name: 'app', image, lifecycle: { preStop: { exec: { command: ['drain'] } } } }],
    },
  });
  await k.settle();
  k.workers.wake(pod.metadata!.uid!);
  await k.settle();
  assert.equal(k.podStatus('bye')?.phase, 'Running');
  const cur = k.api.get('', 'pods', 'default', 'bye') as Pod;
  const deleting: Pod = {
    ...cur,
    metadata: { ...cur.metadata, deletionTimestamp: '2026-01-01T00:01:00Z', deletionGracePeriodSeconds: 7 },
  };
  k.workers.update(deleting);
  await k.settle();
  const tail = k.runtime.calls.filter((c) => /^(exec|stopContainer|stopSandbox)/.test(c));
  assert.deepEqual(tail, ['exec app drain', 'stopContainer app 7', 'stopContainer proxy 7', 'stopSandbox bye']);
  const del = k.api.requests.filter((r) => r.method === 'DELETE');
  assert.equal(del.length, 1);
  assert.deepEqual(
    (del[0]!.object as { gracePeriodSeconds?: number; preconditions?: { uid?: string } }).gracePeriodSeconds,
    0,
  );
  assert.deepEqual((del[0]!.object as { preconditions?: { uid?: string } }).preconditions, { uid: pod.metadata!.uid });
  assert.equal(k.podStatus('bye')?.phase, undefined, 'forgotten once deleted');
  // The informer's delete event removes what is left.
  k.workers.remove(deleting);
  await k.settle();
  assert.equal(k.runtime.sandboxes.size, 0);
  assert.equal(k.runtime.containers.size, 0);
  assert.ok(k.volumes.tearDowns.includes(pod.metadata!.uid!));
  assert.equal(k.workers.has(pod.metadata!.uid!), false);
});

test('orphans found in the runtime are killed with a 1 s grace (2 s minimum) and removed', async () => {
  const sb = await k.runtime.ensureSandbox({ name: 'ghost', namespace: 'default', uid: 'ghost-uid' });
  const id = await k.runtime.createContainer(sb, { name: 'main', image, annotations: {} });
  await k.runtime.startContainer(id);
  k.workers.adoptOrphan('ghost-uid', 'ghost', 'default');
  await k.settle();
  assert.ok(k.runtime.calls.includes('stopContainer main 2'));
  assert.equal(k.runtime.sandboxes.size, 0);
  assert.equal(k.runtime.containers.size, 0);
  assert.equal(k.workers.has('ghost-uid'), false);
});

test('a failing volume setup is a FailedMount event and is retried', async () => {
  let fail = true;
  const setUp = k.volumes.setUpPod.bind(k.volumes);
  k.volumes.setUpPod = async (p: Pod) => {
    if (fail) throw new Error('MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found');
    return setUp(p);
  };
  k.add({ metadata: { name: 'vol' }, spec: { containers: [{ name: 'app', image }] } });
  await k.settle();
  assert.equal(k.podStatus('vol')?.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
  assert.ok(k.events.some((e) => e.reason === 'FailedMount' && e.message.includes('configmap "cfg" not found')));
  fail = false;
  await k.advance(2500);
  assert.equal(k.podStatus('vol')?.phase, 'Running');
});

test('needsSync ignores status-only changes but not spec, deletion or readiness gates', () => {
  const base: Pod = {
    metadata: { name: 'p', uid: 'u', resourceVersion: '1' },
    spec: { containers: [{ name: 'a' }], readinessGates: [{ conditionType: 'example.com/gate' }] },
    status: { phase: 'Pending', conditions: [] },
  };
  const statusOnly = { ...base, metadata: { ...base.metadata, resourceVersion: '2' }, status: { phase: 'Running' } };
  assert.equal(needsSync(base, statusOnly), false);
  assert.equal(needsSync(base, { ...base, metadata: { ...base.metadata, deletionTimestamp: 'x' } }), true);
  assert.equal(needsSync(base, { ...base, spec: { ...base.spec!, containers: [{ name: 'a', image: 'new' }] } }), true);
  assert.equal(
    needsSync(base, { ...base, status: { conditions: [{ type: 'example.com/gate', status: 'True' }] } }),
    true,
  );
});

test('host network: the node IP is the pod IP and the hosts file is the node one', async () => {
  const pod = k.add({
    metadata: { name: 'hostnet' },
    spec: { hostNetwork: true, containers: [{ name: 'app', image }] },
  });
  await k.settle();
  const s = k.podStatus('hostnet')!;
  assert.equal(s.podIP, '192.0.2.10');
  const started = [...k.runtime.containers.values()][0]!;
  const hosts = started.spec.mounts?.find((m) => m.containerPath === '/etc/hosts');
  assert.ok(hosts);
  const { readFileSync } = await import('node:fs');
  assert.equal(
    readFileSync(hosts.hostPath, 'utf8'),
    '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n',
  );
  assert.equal([...k.runtime.sandboxes.values()][0]!.spec.hostNetwork, true);
  assert.equal(pod.metadata?.name, 'hostnet');
});

test('a failing postStart hook kills the container and shows PostStartHookError', async () => {
  k.runtime.onExec = (_c, cmd) => ({ stdout: '', stderr: 'nope', exitCode: cmd[0] === 'setup' ? 1 : 0 });
  k.add({
    metadata: { name: 'hook' },
    spec: { containers: [{ name: 'app', image, lifecycle: { postStart: { exec: { command: ['setup'] } } } }] },
  });
  await k.settle();
  const cs = k.podStatus('hook')!.containerStatuses![0]!;
  assert.equal(cs.state?.waiting?.reason, 'PostStartHookError');
  assert.match(
    cs.state?.waiting?.message ?? '',
    /^Exec lifecycle hook \(\["setup"\]\) for Container "app" in Pod "hook_default\(uid-\d+\)" failed - error: command 'setup' exited with non-zero status, message: "nope"$/,
  );
  assert.ok(k.events.some((e) => e.reason === 'FailedPostStartHook' && e.message === 'PostStartHook failed'));
  assert.ok(k.runtime.calls.some((c) => c.startsWith('stopContainer app')));
});

test('an image that cannot be pulled: ErrImagePull, then ImagePullBackOff', async () => {
  const pod = k.add({
    metadata: { name: 'pull' },
    spec: { containers: [{ name: 'app', image: 'registry.invalid/x:1' }] },
  });
  await k.settle();
  assert.equal(k.podStatus('pull')!.containerStatuses![0]!.state?.waiting?.reason, 'ErrImagePull');
  k.workers.wake(pod.metadata!.uid!);
  await k.settle();
  const w = k.podStatus('pull')!.containerStatuses![0]!.state?.waiting;
  assert.deepEqual(w, { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.invalid/x:1"' });
  assert.ok(k.events.some((e) => e.reason === 'Failed' && e.message === 'Error: ErrImagePull'));
  k.runtime.addImage('registry.invalid/x:1');
  await k.advance(11_000);
  assert.equal(k.podStatus('pull')!.phase, 'Running', 'retried once the back-off passed');
});

test('sidecars start before app containers and are restarted when they exit', async () => {
  const pod = k.add({
    metadata: { name: 'side' },
    spec: { initContainers: [{ name: 'proxy', image, restartPolicy: 'Always' }], containers: [{ name: 'app', image }] },
  });
  await k.settle();
  assert.deepEqual(starts(), ['startContainer proxy#0', 'startContainer app#0']);
  const s = k.podStatus('side')!;
  assert.equal(s.phase, 'Running');
  assert.equal(s.initContainerStatuses?.[0]?.ready, true);
  assert.equal(s.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  k.runtime.exit(k.runtime.byName('proxy')[0]!.id, 1);
  k.workers.wake(pod.metadata!.uid!);
  await k.settle();
  assert.deepEqual(starts().slice(2), ['startContainer proxy#1']);
  assert.equal(k.podStatus('side')!.initContainerStatuses?.[0]?.restartCount, 1);
});

test('ephemeral containers are started once and never restarted', async () => {
  const pod = k.add({ metadata: { name: 'debug' }, spec: { containers: [{ name: 'app', image }] } });
  await k.settle();
  const withDebug: Pod = {
    ...pod,
    spec: { ...pod.spec!, ephemeralContainers: [{ name: 'dbg', image, command: ['sh'] }] },
  };
  k.workers.update(withDebug);
  await k.settle();
  assert.deepEqual(starts(), ['startContainer app#0', 'startContainer dbg#0']);
  k.runtime.exit(k.runtime.byName('dbg')[0]!.id, 0);
  k.workers.wake(pod.metadata!.uid!);
  await k.settle();
  assert.equal(starts().length, 2);
  assert.equal(k.podStatus('debug')!.ephemeralContainerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  assert.equal(k.podStatus('debug')!.phase, 'Running');
});

test('an ephemeral container with targetContainerName joins the target container PID namespace', async () => {
  const pod = k.add({ metadata: { name: 'tgt' }, spec: { containers: [{ name: 'app', image }] } });
  await k.settle();
  const app = k.runtime.byName('app')[0]!;
  k.workers.update({
    ...pod,
    spec: {
      ...pod.spec!,
      ephemeralContainers: [
        { name: 'dbg', image, targetContainerName: 'app' },
        { name: 'plain', image },
        { name: 'lost', image, targetContainerName: 'nope' },
      ],
    },
  });
  await k.settle();
  assert.equal(k.runtime.byName('dbg')[0]?.spec.pidNamespaceTarget, app.id);
  assert.equal(k.runtime.byName('plain')[0]?.spec.pidNamespaceTarget, undefined);
  assert.deepEqual(k.runtime.byName('lost'), [], 'no container without its target');
  const lost = k.podStatus('tgt')!.ephemeralContainerStatuses?.find((s) => s.name === 'lost');
  assert.deepEqual(lost?.state?.waiting, {
    reason: 'CreateContainerConfigError',
    message: 'unable to find target container nope',
  });
});

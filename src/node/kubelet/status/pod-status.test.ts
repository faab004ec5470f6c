import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, PodSpec, PodStatus } from 'kubernetes-types/core/v1.js';
import { generatePodStatus } from './generate-status.js';
import {
  containersReadyCondition,
  initializedCondition,
  readyCondition,
  withTransitionTime,
} from './pod-conditions.js';
import { podPhase } from './pod-phase.js';
import { statusPatch } from './status-manager.js';

const runningS = (name: string, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  image: 'i',
  imageID: '',
  ready: true,
  restartCount: 0,
  started: true,
  state: { running: { startedAt: 't' } },
  ...extra,
});
const exited = (name: string, exitCode: number): ContainerStatus => ({
  name,
  image: 'i',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode } },
});
const waiting = (name: string, lastExit?: number): ContainerStatus => ({
  name,
  image: 'i',
  imageID: '',
  ready: false,
  restartCount: lastExit === undefined ? 0 : 1,
  state: { waiting: { reason: 'X' } },
  lastState: lastExit === undefined ? {} : { terminated: { exitCode: lastExit } },
});
const spec = (policy: PodSpec['restartPolicy'], extra: Partial<PodSpec> = {}): PodSpec => ({
  restartPolicy: policy,
  containers: [{ name: 'a' }, { name: 'b' }],
  ...extra,
});

test('podPhase', () => {
  const cases: [string, PodSpec, ContainerStatus[], ContainerStatus[], boolean, string][] = [
    ['nothing started', spec('Always'), [], [waiting('a'), waiting('b')], false, 'Pending'],
    ['one unknown', spec('Always'), [], [runningS('a')], false, 'Pending'],
    ['all running', spec('Always'), [], [runningS('a'), runningS('b')], false, 'Running'],
    ['one exited, Always restarts', spec('Always'), [], [exited('a', 0), runningS('b')], false, 'Running'],
    ['all exited, Always', spec('Always'), [], [exited('a', 1), exited('b', 0)], false, 'Running'],
    ['all exited 0, Never', spec('Never'), [], [exited('a', 0), exited('b', 0)], false, 'Succeeded'],
    ['one failed, Never', spec('Never'), [], [exited('a', 1), exited('b', 0)], false, 'Failed'],
    ['one failed, OnFailure', spec('OnFailure'), [], [exited('a', 1), exited('b', 0)], false, 'Running'],
    ['crash-looping', spec('Always'), [], [waiting('a', 1), runningS('b')], false, 'Running'],
    ['terminal after deletion', spec('Always'), [], [exited('a', 143), exited('b', 0)], true, 'Failed'],
    ['terminal, all 0', spec('Always'), [], [exited('a', 0), exited('b', 0)], true, 'Succeeded'],
    [
      'init running',
      spec('Always', { initContainers: [{ name: 'i' }] }),
      [runningS('i')],
      [waiting('a'), waiting('b')],
      false,
      'Pending',
    ],
    [
      'init failed, Never',
      spec('Never', { initContainers: [{ name: 'i' }] }),
      [exited('i', 1)],
      [waiting('a'), waiting('b')],
      false,
      'Failed',
    ],
    [
      'sidecar not started yet',
      spec('Always', { initContainers: [{ name: 's', restartPolicy: 'Always' }] }),
      [runningS('s', { started: false })],
      [waiting('a'), waiting('b')],
      false,
      'Pending',
    ],
    [
      'sidecar running, apps done (Never)',
      spec('Never', { initContainers: [{ name: 's', restartPolicy: 'Always' }] }),
      [runningS('s')],
      [exited('a', 0), exited('b', 0)],
      false,
      'Running',
    ],
  ];
  for (const [name, s, init, app, terminal, want] of cases) assert.equal(podPhase(s, init, app, terminal), want, name);
});

test('conditions: Initialized, ContainersReady, Ready with readiness gates', () => {
  const s = spec('Always', {
    initContainers: [{ name: 'i1' }, { name: 'i2' }],
    readinessGates: [{ conditionType: 'x/gate' }],
  });
  assert.deepEqual(initializedCondition(s, [exited('i1', 0), waiting('i2')], 'Pending', [waiting('a'), waiting('b')]), {
    type: 'Initialized',
    status: 'False',
    reason: 'ContainersNotInitialized',
    message: 'containers with incomplete status: [i2]',
  });
  assert.deepEqual(initializedCondition(s, [exited('i1', 0), exited('i2', 0)], 'Succeeded', []), {
    type: 'Initialized',
    status: 'True',
    reason: 'PodCompleted',
  });
  const apps = [runningS('a'), runningS('b', { ready: false })];
  assert.deepEqual(containersReadyCondition(s, [], apps, 'Running'), {
    type: 'ContainersReady',
    status: 'False',
    reason: 'ContainersNotReady',
    message: 'containers with unready status: [b]',
  });
  assert.deepEqual(containersReadyCondition(s, [], [runningS('a')], 'Running'), {
    type: 'ContainersReady',
    status: 'False',
    reason: 'ContainersNotReady',
    message: 'containers with unknown status: [b]',
  });
  assert.deepEqual(containersReadyCondition(s, [], apps, 'Failed'), {
    type: 'ContainersReady',
    status: 'False',
    reason: 'PodFailed',
  });
  const allReady = [runningS('a'), runningS('b')];
  assert.deepEqual(readyCondition(s, [], allReady, 'Running', []), {
    type: 'Ready',
    status: 'False',
    reason: 'ReadinessGatesNotReady',
    message: 'corresponding condition of pod readiness gate "x/gate" does not exist.',
  });
  assert.deepEqual(readyCondition(s, [], allReady, 'Running', [{ type: 'x/gate', status: 'False' }]), {
    type: 'Ready',
    status: 'False',
    reason: 'ReadinessGatesNotReady',
    message: 'the status of pod readiness gate "x/gate" is not "True", but False',
  });
  assert.deepEqual(readyCondition(s, [], allReady, 'Running', [{ type: 'x/gate', status: 'True' }]), {
    type: 'Ready',
    status: 'True',
  });
  assert.deepEqual(readyCondition(s, [], allReady, 'Succeeded', []), {
    type: 'Ready',
    status: 'False',
    reason: 'PodCompleted',
  });
});

test('withTransitionTime keeps the previous time while the status holds', () => {
  const prev = [{ type: 'Ready', status: 'True', lastTransitionTime: 'then' }];
  assert.equal(withTransitionTime({ type: 'Ready', status: 'True' }, prev, 'now').lastTransitionTime, 'then');
  assert.equal(withTransitionTime({ type: 'Ready', status: 'False' }, prev, 'now').lastTransitionTime, 'now');
});

test('generated status: reason and message stay with their phase, a DisruptionTarget condition is carried over', () => {
  const disruption = {
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'TerminationByKubelet',
    message: 'The node was low on resource: memory. ',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  };
  const gen = (status: PodStatus, podIsTerminal: boolean) =>
    generatePodStatus({
      pod: { metadata: { uid: 'u' }, spec: { containers: [{ name: 'a', image: 'i' }] }, status },
      state: { uid: 'u', sandboxes: [], containers: [] },
      nodeIPs: ['192.0.2.1'],
      now: Date.UTC(2026, 0, 2),
      podIsTerminal,
      runtimeName: 'containerd',
      reasons: new Map(),
      probes: { ready: () => undefined, started: () => undefined },
      terminationMessage: () => '',
    });
  const evicted = gen(
    { phase: 'Failed', reason: 'Evicted', message: disruption.message, conditions: [disruption] },
    true,
  );
  assert.deepEqual([evicted.phase, evicted.reason, evicted.message], ['Failed', 'Evicted', disruption.message]);
  assert.deepEqual(
    evicted.conditions?.find((c) => c.type === 'DisruptionTarget'),
    disruption,
  );
  const moved = gen({ phase: 'Running', reason: 'SomethingOld', message: 'x' }, false);
  assert.equal(moved.phase, 'Pending');
  assert.deepEqual([moved.reason, moved.message], [undefined, undefined], 'a new phase drops the old reason');
  assert.deepEqual(statusPatch('u', { phase: 'Running' }, { phase: 'Failed', reason: 'OutOfcpu', message: 'm' }), {
    metadata: { uid: 'u' },
    status: { phase: 'Failed', reason: 'OutOfcpu', message: 'm' },
  });
});

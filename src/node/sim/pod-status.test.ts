import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { normalizeImage, simPodStatus } from './pod-status.js';

const facts = {
  hostIP: '127.100.0.1',
  podIP: '10.42.0.2',
  startedAt: '2026-01-01T00:00:00Z',
  now: '2026-01-01T00:00:01Z',
};
const pod = (restartPolicy: string, init = false): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: {
    restartPolicy,
    containers: [{ name: 'c', image: 'busybox' }],
    initContainers: init ? [{ name: 'i', image: 'registry.local:5000/tools/init:v1' }] : undefined,
  },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-12-31T23:59:59Z' }],
  },
});
const cond = (p: ReturnType<typeof simPodStatus>, type: string) => p.conditions!.find((c) => c.type === type)!;

test('running: phase, the five conditions in kubelet order, IPs, container state', () => {
  const s = simPodStatus(pod('Always', true), facts);
  assert.equal(s.phase, 'Running');
  assert.deepEqual(
    s.conditions!.map((c) => `${c.type}=${c.status}`),
    ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
  );
  assert.equal(cond(s, 'PodScheduled').lastTransitionTime, '2025-12-31T23:59:59Z', 'kept from the binding');
  assert.deepEqual([s.podIP, s.hostIP, s.startTime], ['10.42.0.2', '127.100.0.1', '2026-01-01T00:00:00Z']);
  const c = s.containerStatuses![0]!;
  assert.deepEqual([c.ready, c.started, c.restartCount, c.image], [true, true, 0, 'docker.io/library/busybox:latest']);
  assert.deepEqual(c.state, { running: { startedAt: '2026-01-01T00:00:00Z' } });
  assert.match(c.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
  assert.equal(s.initContainerStatuses![0]!.state!.terminated!.reason, 'Completed');
});

test('exit codes follow the restart policy', () => {
  const cases: [string, number, string, string][] = [
    ['Never', 0, 'Succeeded', 'terminated'],
    ['Never', 3, 'Failed', 'terminated'],
    ['OnFailure', 0, 'Succeeded', 'terminated'],
    ['OnFailure', 1, 'Running', 'waiting'],
    ['Always', 0, 'Running', 'waiting'],
  ];
  for (const [policy, code, phase, state] of cases) {
    const s = simPodStatus(pod(policy), { ...facts, exitCode: code });
    assert.equal(s.phase, phase, `${policy}/${code}`);
    const c = s.containerStatuses![0]!;
    assert.ok(c.state![state as 'waiting'], `${policy}/${code} state`);
    assert.equal(cond(s, 'Ready').status, 'False');
    if (phase === 'Failed') assert.equal(c.state!.terminated!.exitCode, 3);
    if (state === 'waiting') assert.equal(c.state!.waiting!.reason, 'CrashLoopBackOff');
  }
});

test('image references are normalized like the runtime reports them', () => {
  assert.equal(normalizeImage('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeImage('nginx:1.25'), 'docker.io/library/nginx:1.25');
  assert.equal(normalizeImage('bitnami/redis'), 'docker.io/bitnami/redis:latest');
  assert.equal(normalizeImage('localhost:5000/x:1'), 'localhost:5000/x:1');
  assert.equal(normalizeImage('ghcr.io/a/b@sha256:00'), 'ghcr.io/a/b@sha256:00');
});

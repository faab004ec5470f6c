import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { FakeClock, flushMicrotasks } from '../../../lib/clock.js';
import { nullLogger } from '../../../lib/log.js';
import { formatTime } from '../../../api/values/time.js';
import { ProberManager } from './prober-manager.js';

function setup(pod: Pod) {
  const clock = new FakeClock();
  const outcomes = new Map<string, number>();
  let status: PodStatus | undefined;
  const changes: string[] = [];
  const events: string[] = [];
  const execs: string[] = [];
  const m = new ProberManager({
    runtime: {
      execSync: async (_id, cmd) => {
        execs.push(cmd[0]!);
        return { stdout: '', stderr: `${cmd[0]} says no`, exitCode: outcomes.get(cmd[0]!) ?? 0 };
      },
    },
    clock,
    log: nullLogger,
    podStatus: () => status,
    onChange: (uid) => changes.push(uid),
    event: (_p, _t, reason, message) => events.push(`${reason}: ${message}`),
  });
  const run = (id: string, startedAt = clock.now()) => {
    status = {
      phase: 'Running',
      podIP: '10.0.0.5',
      containerStatuses: [
        {
          name: 'app',
          containerID: `fake://${id}`,
          image: 'i',
          imageID: '',
          ready: false,
          restartCount: 0,
          started: m.view(pod).started('app', id) ?? true,
          state: { running: { startedAt: formatTime(startedAt) } },
        },
      ],
    };
  };
  const tick = async (ms: number) => {
    for (let t = 0; t < ms; t += 250) {
      await clock.advance(250);
      await flushMicrotasks(10);
    }
  };
  return { clock, m, outcomes, run, tick, changes, events, execs };
}

const podWith = (probes: Partial<Container>): Pod => ({
  metadata: { name: 'p', uid: 'u1', namespace: 'ns' },
  spec: { containers: [{ name: 'app', image: 'i', ...probes }] },
});

test('readiness: initial delay, success and failure thresholds', async () => {
  const pod = podWith({
    readinessProbe: {
      exec: { command: ['ready'] },
      initialDelaySeconds: 3,
      periodSeconds: 1,
      failureThreshold: 2,
      successThreshold: 2,
    },
  });
  const h = setup(pod);
  h.run('c1');
  h.m.addPod(pod);
  await h.tick(2000);
  assert.deepEqual(h.execs, [], 'no probe before the initial delay');
  assert.equal(h.m.view(pod).ready('app', 'c1'), false, 'readiness starts as failure');
  await h.tick(1500);
  assert.equal(h.m.view(pod).ready('app', 'c1'), false, 'one success is not enough');
  await h.tick(1000);
  assert.equal(h.m.view(pod).ready('app', 'c1'), true, 'two successes in a row');
  h.outcomes.set('ready', 1);
  await h.tick(1000);
  assert.equal(h.m.view(pod).ready('app', 'c1'), true, 'one failure is tolerated');
  await h.tick(1000);
  assert.equal(h.m.view(pod).ready('app', 'c1'), false);
  assert.ok(h.events.includes('Unhealthy: Readiness probe failed: ready says no'));
  assert.ok(h.changes.length >= 2);
  h.m.dispose();
});

test('liveness failure is held until the container is replaced; startup gates liveness', async () => {
  const pod = podWith({
    startupProbe: { exec: { command: ['started'] }, periodSeconds: 1, failureThreshold: 3 },
    livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1, failureThreshold: 1 },
  });
  const h = setup(pod);
  h.outcomes.set('started', 1);
  h.run('c1');
  h.m.addPod(pod);
  await h.tick(1200);
  assert.equal(h.m.view(pod).started('app', 'c1'), false);
  assert.ok(!h.execs.includes('alive'), 'liveness waits for the startup probe');
  h.outcomes.set('started', 0);
  await h.tick(1000);
  assert.equal(h.m.view(pod).started('app', 'c1'), true);
  h.run('c1');
  h.outcomes.set('alive', 1);
  await h.tick(1500);
  assert.equal(h.m.failed('u1', 'app', 'c1'), 'liveness');
  const probesBefore = h.execs.filter((e) => e === 'alive').length;
  await h.tick(3000);
  assert.equal(h.execs.filter((e) => e === 'alive').length, probesBefore, 'held: no probing until a new container');
  h.outcomes.set('alive', 0);
  h.run('c2');
  h.m.poke('u1');
  await h.tick(3000);
  assert.equal(h.m.failed('u1', 'app', 'c2'), undefined);
  h.m.dispose();
});

test('after a kubelet restart a container the API shows ready stays ready until its probe says otherwise', async () => {
  const probe = { exec: { command: ['ready'] }, periodSeconds: 10, failureThreshold: 1 };
  const pod = podWith({ readinessProbe: probe });
  const fromApi = (id: string, ready: boolean): Pod => ({
    ...pod,
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          containerID: `containerd://${id}`,
          image: 'i',
          imageID: '',
          ready,
          restartCount: 0,
          state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
        },
      ],
    },
  });
  const h = setup(pod);
  // A fresh prober (the restarted kubelet) has no result yet.
  assert.equal(h.m.view(fromApi('c1', true)).ready('app', 'c1'), true, 'the API said ready: no flap');
  assert.equal(h.m.view(fromApi('c1', false)).ready('app', 'c1'), false, 'the API said not ready');
  assert.equal(h.m.view(fromApi('c0', true)).ready('app', 'c1'), false, 'another container ID counts for nothing');
  // The first probe runs as soon as the kubelet has a status, not a period later, and its result wins.
  h.m.addPod(fromApi('c1', true));
  h.outcomes.set('ready', 1);
  await h.tick(250);
  assert.deepEqual(h.execs, [], 'no status yet: nothing to probe');
  h.run('c1');
  await h.tick(500);
  assert.deepEqual(h.execs, ['ready']);
  assert.equal(h.m.view(fromApi('c1', true)).ready('app', 'c1'), false, 'a failed probe overrides the API');
  h.m.dispose();
});

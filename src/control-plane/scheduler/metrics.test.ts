import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../lib/clock.js';
import type { EventRecorder, QueuedPodInfo } from './framework/interfaces.js';
import { SchedulerMetrics, failureResult } from './metrics.js';
import type { Scheduler } from './scheduler.js';

test('failureResult classifies FailedScheduling messages as upstream counts them', () => {
  const cases: [string, string | undefined][] = [
    ['0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available', 'unschedulable'],
    ['no nodes available to schedule pods', 'unschedulable'],
    ['running PreBind plugin "VolumeBinding": boom', 'error'],
    ['skip schedule deleting pod: default/web', undefined],
  ];
  for (const [msg, want] of cases) assert.equal(failureResult(msg), want, msg);
});

const pod = (name: string, schedulerName?: string): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { containers: [], ...(schedulerName ? { schedulerName } : {}) },
});

/** The parts of a Scheduler the metrics touch: scheduleOne, the profiles' event port, the queue. */
function fakeScheduler(clock: FakeClock) {
  const forwarded: string[] = [];
  const events: EventRecorder = { event: (_o, _t, reason) => void forwarded.push(reason) };
  const popped: string[] = [];
  const s = {
    scheduleOne: (qpi: QueuedPodInfo) => void popped.push(qpi.podInfo.uid),
    profiles: new Map([
      ['default-scheduler', { eventRecorder: events }],
      ['batch', { eventRecorder: events }],
    ]),
    queue: { pendingPods: () => ({ active: 2, backoff: 1, unschedulable: 4, gated: 0 }) },
  };
  const start = (p: Pod) => s.scheduleOne({ podInfo: { uid: p.metadata!.uid!, pod: p } } as unknown as QueuedPodInfo);
  return { scheduler: s as unknown as Scheduler, events, forwarded, popped, start, clock };
}

test('SchedulerMetrics observes attempts from scheduleOne to their outcome event', async () => {
  const clock = new FakeClock();
  const m = new SchedulerMetrics({ clock });
  const f = fakeScheduler(clock);
  m.observe(f.scheduler);
  m.observe(f.scheduler); // idempotent: a second wrap would double-count
  const web = pod('web');
  const job = pod('job', 'batch');
  f.start(web);
  await clock.advance(3);
  f.events.event(web, 'Normal', 'Scheduled', 'Successfully assigned default/web to n1');
  f.start(job);
  await clock.advance(1500);
  f.events.event(job, 'Warning', 'FailedScheduling', '0/1 nodes are available: 1 Too many pods.');
  f.events.event(web, 'Warning', 'FailedScheduling', 'skip schedule deleting pod: default/web');
  f.events.event(web, 'Normal', 'Pulled', 'ignored');

  assert.deepEqual(f.popped, ['uid-web', 'uid-job'], 'the scheduler still runs every attempt');
  assert.deepEqual(f.forwarded, ['Scheduled', 'FailedScheduling', 'FailedScheduling', 'Pulled'], 'events still sent');
  assert.deepEqual([m.count('scheduled'), m.count('unschedulable'), m.count('error')], [1, 1, 0]);

  const text = m.render(f.scheduler, { isLeader: () => true });
  for (const line of [
    'scheduler_pending_pods{queue="active"} 2',
    'scheduler_pending_pods{queue="unschedulable"} 4',
    'scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"} 1',
    'scheduler_schedule_attempts_total{profile="batch",result="unschedulable"} 1',
    // 3 ms lands in the 4 ms bucket, not the 2 ms one; 1.5 s above 1.024 s.
    'scheduler_scheduling_attempt_duration_seconds_bucket{profile="default-scheduler",result="scheduled",le="0.002"} 0',
    'scheduler_scheduling_attempt_duration_seconds_bucket{profile="default-scheduler",result="scheduled",le="0.004"} 1',
    'scheduler_scheduling_attempt_duration_seconds_bucket{profile="batch",result="unschedulable",le="1.024"} 0',
    'scheduler_scheduling_attempt_duration_seconds_sum{profile="batch",result="unschedulable"} 1.5',
    'leader_election_master_status{name="kube-scheduler"} 1',
  ])
    assert.ok(text.split('\n').includes(line), line);
});

test('SchedulerMetrics renders zero pending pods without a scheduler and no leader gauge without election', () => {
  const text = new SchedulerMetrics().render(undefined);
  assert.match(text, /^scheduler_pending_pods\{queue="gated"\} 0$/m);
  assert.doesNotMatch(text, /leader_election_master_status/);
  assert.doesNotMatch(text, /^scheduler_schedule_attempts_total\{/m);
});

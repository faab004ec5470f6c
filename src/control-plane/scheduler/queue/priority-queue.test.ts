import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../lib/clock.js';
import { ActionType, Events, QueueingHint, type ClusterEventWithHint } from '../framework/events.js';
import type { QueuedPodInfo } from '../framework/interfaces.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Code, Status } from '../framework/status.js';
import { PrioritySort } from '../plugins/priority-sort/priority-sort.js';
import { SchedulingGates } from '../plugins/scheduling-gates/scheduling-gates.js';
import { bump, makeNode, makePod } from '../testing/builders.js';
import { Heap } from './heap.js';
import { PriorityQueue } from './priority-queue.js';

function newQueue(hints: Record<string, ClusterEventWithHint[]> = {}, clock = new FakeClock()) {
  const gates = new SchedulingGates();
  const q = new PriorityQueue({
    clock,
    less: new PrioritySort().less,
    profileFor: () => ({
      runPreEnqueuePlugins: (pi: PodInfo) => {
        const s = gates.preEnqueue(pi);
        return s ? s.withPlugin('SchedulingGates') : null;
      },
      queueingHints: new Map(Object.entries({ SchedulingGates: gates.eventsToRegister(), ...hints })),
    }),
  });
  return { q, clock };
}

/** Pops a pod and fails it as rejected by `plugins`. */
function failWith(q: PriorityQueue, plugins: string[]): QueuedPodInfo {
  const p = q.tryPop()!;
  p.unschedulablePlugins = new Set(plugins);
  q.addUnschedulableIfNotPresent(p);
  return p;
}

test('heap keeps order through add, update and delete', () => {
  const h = new Heap<{ k: string; v: number }>(
    (x) => x.k,
    (a, b) => a.v < b.v,
  );
  for (const [k, v] of [
    ['a', 5],
    ['b', 3],
    ['c', 9],
    ['d', 1],
  ] as const)
    h.addOrUpdate({ k, v });
  h.addOrUpdate({ k: 'c', v: 0 });
  h.delete('d');
  assert.deepEqual([h.pop()!.k, h.pop()!.k, h.pop()!.k, h.pop()], ['c', 'b', 'a', undefined]);
});

test('activeQ pops by priority, then FIFO', () => {
  const { q } = newQueue();
  q.add(makePod('low-1', { priority: 1 }));
  q.add(makePod('high', { priority: 10 }));
  q.add(makePod('low-2', { priority: 1 }));
  assert.deepEqual(
    [q.tryPop()!.podInfo.name, q.tryPop()!.podInfo.name, q.tryPop()!.podInfo.name],
    ['high', 'low-1', 'low-2'],
  );
  assert.equal(q.tryPop(), undefined);
});

test('pop waits for a pod and honours abort', async () => {
  const { q } = newQueue();
  const waiting = q.pop();
  q.add(makePod('p'));
  assert.equal((await waiting).podInfo.name, 'p');
  const ctrl = new AbortController();
  const pending = q.pop(ctrl.signal);
  ctrl.abort(new Error('stop'));
  await assert.rejects(pending, /stop/);
  const closed = q.pop();
  q.close();
  await assert.rejects(closed, /closed/);
});

test('backoff doubles per attempt from 1s and caps at 10s', () => {
  const { q } = newQueue();
  const info = { attempts: 0 } as QueuedPodInfo;
  const durations = [0, 1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration({ ...info, attempts: a }));
  assert.deepEqual(durations, [0, 1000, 2000, 4000, 8000, 10000, 10000]);
});

test('a pod failing with an error goes to backoffQ and comes back when its backoff expires', async () => {
  const { q, clock } = newQueue();
  q.add(makePod('p'));
  const p = q.tryPop()!;
  q.addUnschedulableIfNotPresent(p);
  assert.equal(q.whereIs(p.podInfo.uid), 'backoff');
  q.flushBackoffQCompleted();
  assert.equal(q.tryPop(), undefined, 'still backing off');
  await clock.advance(1000);
  q.flushBackoffQCompleted();
  assert.equal(q.tryPop()?.podInfo.name, 'p');
});

test('unschedulable pods wait for an event their plugins registered, filtered by the hint', async () => {
  const hint = (_pod: Pod, _o: unknown, n: unknown) =>
    (n as { metadata?: { labels?: Record<string, string> } })?.metadata?.labels?.ok
      ? QueueingHint.Queue
      : QueueingHint.QueueSkip;
  const { q, clock } = newQueue({ NodeAffinity: [{ event: { resource: 'Node', actionType: ActionType.Add }, hint }] });
  q.add(makePod('p'));
  const p = failWith(q, ['NodeAffinity']);
  assert.equal(q.whereIs(p.podInfo.uid), 'unschedulable');
  // An unrelated event and a node the hint rejects change nothing.
  q.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, makePod('x'), undefined);
  q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, makeNode('n1'));
  assert.equal(q.whereIs(p.podInfo.uid), 'unschedulable');
  // A matching node moves it; its backoff (1 s after one attempt) still applies.
  q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, makeNode('n2', { labels: { ok: 'y' } }));
  assert.equal(q.whereIs(p.podInfo.uid), 'backoff');
  await clock.advance(1000);
  q.flushBackoffQCompleted();
  assert.equal(q.whereIs(p.podInfo.uid), 'active');
});

test('events during a scheduling attempt requeue the pod when it fails', () => {
  const { q } = newQueue({ NodeResourcesFit: [{ event: { resource: 'Node', actionType: ActionType.Add } }] });
  q.add(makePod('p'));
  const p = q.tryPop()!;
  q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, makeNode('n'));
  p.unschedulablePlugins = new Set(['NodeResourcesFit']);
  q.addUnschedulableIfNotPresent(p);
  assert.notEqual(q.whereIs(p.podInfo.uid), 'unschedulable');
  assert.equal(q.inFlightEventCount, 0, 'events are dropped once nothing is in flight');
});

test('pods left unschedulable are retried after 5 minutes', async () => {
  const { q, clock } = newQueue({ X: [] });
  q.run();
  q.add(makePod('p'));
  const p = failWith(q, ['X']);
  await clock.advance(4 * 60_000);
  assert.equal(q.whereIs(p.podInfo.uid), 'unschedulable');
  await clock.advance(90_000);
  assert.equal(q.whereIs(p.podInfo.uid), 'active');
  q.close();
  assert.equal(clock.pending(), 0);
});

test('gated pods wait until their scheduling gates are removed', () => {
  const { q } = newQueue();
  const gated = makePod('g', { schedulingGates: ['example.com/wait'] });
  q.add(gated);
  assert.equal(q.whereIs(gated.metadata!.uid!), 'gated');
  assert.deepEqual(q.pendingPods(), { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
  // Other events never move gated pods.
  q.moveAllToActiveOrBackoffQueue(Events.UnschedulableTimeout, undefined, undefined);
  assert.equal(q.whereIs(gated.metadata!.uid!), 'gated');
  const ungated = bump(gated, (p) => {
    p.spec!.schedulingGates = [];
  });
  q.update(gated, ungated);
  assert.equal(q.whereIs(gated.metadata!.uid!), 'active');
  assert.deepEqual(q.tryPop()!.podInfo.pod.spec!.schedulingGates, []);
});

test('updates and deletes reach pods in every internal queue', () => {
  const { q } = newQueue({ X: [] });
  const a = makePod('a', { priority: 1 });
  q.add(a);
  q.update(
    a,
    bump(a, (p) => (p.spec!.priority = 100)),
  );
  assert.equal(q.get(a.metadata!.uid!)!.podInfo.priority, 100);
  q.delete(a);
  assert.equal(q.whereIs(a.metadata!.uid!), undefined);
  const b = makePod('b');
  q.add(b);
  failWith(q, ['X']);
  q.delete(b);
  assert.deepEqual(q.pendingPods(), { active: 0, backoff: 0, unschedulable: 0, gated: 0 });
});

test('activate moves parked pods to activeQ at once', () => {
  const { q } = newQueue({ X: [] });
  const a = makePod('a');
  q.add(a);
  failWith(q, ['X']);
  q.activate([a]);
  assert.equal(q.whereIs(a.metadata!.uid!), 'active');
});

test('nominated pods are tracked per node and follow updates', () => {
  const { q } = newQueue();
  const p = makePod('p', { priority: 5 });
  q.add(p);
  const qp = q.tryPop()!;
  q.addNominatedPod(qp.podInfo, { mode: 'Override', nominatedNodeName: 'n1' });
  assert.deepEqual(
    q.nominatedPodsForNode('n1').map((x) => x.name),
    ['p'],
  );
  q.addNominatedPod(qp.podInfo, { mode: 'Override', nominatedNodeName: '' });
  assert.deepEqual(q.nominatedPodsForNode('n1'), []);
  const nominated = makePod('n', { nominatedNodeName: 'n2' });
  q.add(nominated);
  assert.deepEqual(
    q.nominatedPodsForNode('n2').map((x) => x.name),
    ['n'],
  );
  q.delete(nominated);
  assert.deepEqual(q.nominatedPodsForNode('n2'), []);
});

test('a status-only update does not requeue an unschedulable pod', () => {
  const { q } = newQueue({
    NodeResourcesFit: [{ event: { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodScaleDown } }],
  });
  const p = makePod('p', { req: { cpu: '2' } });
  q.add(p);
  failWith(q, ['NodeResourcesFit']);
  q.update(
    p,
    bump(p, () => {}),
  );
  assert.equal(q.whereIs(p.metadata!.uid!), 'unschedulable');
  q.update(
    p,
    bump(p, (x) => (x.spec!.containers[0]!.resources = { requests: { cpu: '1' } })),
  );
  assert.equal(q.whereIs(p.metadata!.uid!), 'backoff');
  void new Status(Code.Success);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../lib/clock.js';
import { CycleState } from '../../framework/cycle-state.js';
import type { EventRecorder, QueuedPodInfo } from '../../framework/interfaces.js';
import { PodInfo } from '../../framework/pod-info.js';
import { makePod } from '../../testing/builders.js';
import { noopPorts, testHandle } from '../../testing/framework.js';
import { DeadlineAnnotation, DeadlineSort } from './deadline-sort.js';

const q = (name: string, priority: number, deadline: string | undefined, timestamp = 0) =>
  ({
    podInfo: new PodInfo(
      makePod(name, { priority, annotations: deadline ? { [DeadlineAnnotation]: deadline } : undefined }),
    ),
    timestamp,
    seq: 0,
  }) as QueuedPodInfo;

test('DeadlineSort: priority, then earliest deadline, then queue order', () => {
  const { handle } = testHandle();
  const s = new DeadlineSort(handle);
  const items = [
    q('none', 0, undefined, 1),
    q('late', 0, '2026-01-01T12:00:00Z', 2),
    q('early', 0, '2026-01-01T10:00:00Z', 3),
    q('important', 5, undefined, 4),
    q('none-earlier', 0, undefined, 0),
  ];
  items.sort((a, b) => (s.less(a, b) ? -1 : s.less(b, a) ? 1 : 0));
  assert.deepEqual(
    items.map((i) => i.podInfo.name),
    ['important', 'early', 'late', 'none-earlier', 'none'],
  );
});

test('DeadlineSort reports a missed deadline once, and a late binding', () => {
  const clock = new FakeClock(Date.parse('2026-01-01T10:00:30Z'));
  const events: string[] = [];
  const recorder: EventRecorder = {
    event: (o, type, reason, msg) => events.push(`${o.metadata?.name} ${type} ${reason}: ${msg}`),
  };
  const { handle } = testHandle({ clock, ports: { ...noopPorts, events: recorder } });
  const s = new DeadlineSort(handle);
  const pi = new PodInfo(makePod('p', { annotations: { [DeadlineAnnotation]: '2026-01-01T10:00:00Z' } }));
  s.preFilter(new CycleState(), pi);
  s.preFilter(new CycleState(), pi);
  assert.deepEqual(events, [
    'p Warning DeadlineMissed: pod is still unscheduled 30s after its deadline 2026-01-01T10:00:00.000Z',
  ]);
  const other = new PodInfo(makePod('q', { annotations: { [DeadlineAnnotation]: '2026-01-01T09:59:00Z' } }));
  s.postBind(new CycleState(), other, 'n1');
  assert.equal(
    events[1],
    'q Warning DeadlineMissed: pod was bound to n1 1m30s after its deadline 2026-01-01T09:59:00.000Z',
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../lib/clock.js';
import { CycleState } from '../../framework/cycle-state.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { testHandle } from '../../testing/framework.js';
import { listerOf } from '../helpers/fake-listers.js';
import { MinMemberAnnotation, PodGroupLabel, newPodSet } from './pod-set.js';

const member = (name: string, node?: string, min = 3) =>
  makePod(name, {
    nodeName: node,
    labels: { [PodGroupLabel]: 'g' },
    annotations: { [MinMemberAnnotation]: String(min) },
  });

test('PodSet Permit waits until minMember members are placed, then allows them together', () => {
  const clock = new FakeClock();
  const placed = [member('m1', 'n1'), member('m2', 'n1')];
  const { handle, waiting } = testHandle({ clock, nodes: [makeNode('n1')], pods: placed });
  const pl = newPodSet({}, handle);
  // Pretend m1 and m2 wait at Permit (they are assumed, hence in the snapshot).
  for (const p of placed) waiting.add(p, new Map([['PodSet', 60_000]]));
  const [s, timeout] = pl.permit!(new CycleState(), new PodInfo(member('m3')), 'n1');
  assert.equal(s, null, 'the third member completes the group');
  assert.equal(timeout, 0);
  assert.equal(waiting.size, 2);
  let allowed = 0;
  waiting.forEach((wp) => {
    if (wp.pendingPlugins().length === 0) allowed++;
  });
  assert.equal(allowed, 2);
});

test('PodSet Permit asks an incomplete group to wait; a timeout annotation overrides the default', () => {
  const { handle } = testHandle({ nodes: [makeNode('n1')] });
  const pl = newPodSet({ permitWaitingTimeSeconds: 30 }, handle);
  const [s, timeout] = pl.permit!(new CycleState(), new PodInfo(member('m1')), 'n1');
  assert.equal(s?.code, Code.Wait);
  assert.equal(timeout, 30_000);
  const custom = member('m2');
  custom.metadata!.annotations!['scheduling.x-k8s.io/schedule-timeout-seconds'] = '5';
  assert.equal(pl.permit!(new CycleState(), new PodInfo(custom), 'n1')[1], 5_000);
  assert.deepEqual(
    pl.permit!(new CycleState(), new PodInfo(makePod('solo')), 'n1'),
    [null, 0],
    'pods outside groups pass',
  );
});

test('PodSet PreFilter requires enough siblings to exist; Unreserve rejects waiting siblings', async () => {
  const clock = new FakeClock();
  const pods = [member('a'), member('b')];
  const { handle, waiting } = testHandle({ clock, nodes: [makeNode('n1')], listers: { pods: listerOf(pods) } });
  const pl = newPodSet({}, handle);
  const s = pl.preFilter!(new CycleState(), new PodInfo(pods[0]!), []);
  assert.equal(
    (s as { message(): string }).message(),
    'pre-filter pod a cannot find enough sibling pods, current pods number: 2, minMember: 3',
  );
  waiting.add(pods[1]!, new Map([['PodSet', 60_000]]));
  const result = waiting.wait(pods[1]!.metadata!.uid!);
  pl.unreserve!(new CycleState(), new PodInfo(pods[0]!), 'n1');
  const r = await result;
  assert.equal(r?.message(), 'rejection in Unreserve');
  assert.equal(clock.pending(), 0, 'timers released');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueuedPodInfo } from '../../framework/interfaces.js';
import { PodInfo } from '../../framework/pod-info.js';
import { makePod } from '../../testing/builders.js';
import { PrioritySort } from './priority-sort.js';

const q = (priority: number, timestamp: number, seq = 0) =>
  ({ podInfo: new PodInfo(makePod('p', { priority })), timestamp, seq }) as QueuedPodInfo;

test('PrioritySort Less', () => {
  const l = new PrioritySort();
  assert.equal(l.less(q(10, 5), q(1, 1)), true, 'higher priority first');
  assert.equal(l.less(q(1, 1), q(10, 5)), false);
  assert.equal(l.less(q(5, 1), q(5, 2)), true, 'earlier first');
  assert.equal(l.less(q(5, 1, 2), q(5, 1, 1)), false, 'queue order breaks ties');
});

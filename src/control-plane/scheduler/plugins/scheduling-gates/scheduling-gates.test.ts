import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodInfo } from '../../framework/pod-info.js';
import { Code } from '../../framework/status.js';
import { makePod } from '../../testing/builders.js';
import { SchedulingGates } from './scheduling-gates.js';

test('SchedulingGates PreEnqueue', () => {
  const pl = new SchedulingGates();
  assert.equal(pl.preEnqueue(new PodInfo(makePod('p'))), null);
  const s = pl.preEnqueue(new PodInfo(makePod('g', { schedulingGates: ['foo', 'bar'] })));
  assert.equal(s?.code, Code.UnschedulableAndUnresolvable);
  assert.equal(s?.message(), 'waiting for scheduling gates: [foo bar]');
});

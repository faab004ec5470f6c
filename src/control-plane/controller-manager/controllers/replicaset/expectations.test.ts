import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../lib/clock.js';
import { ControllerExpectations } from './expectations.js';

test('creations: unsatisfied until every expected pod is observed', () => {
  const e = new ControllerExpectations(new FakeClock());
  assert.equal(e.satisfiedExpectations('ns/rs'), true, 'no expectations yet');
  e.expectCreations('ns/rs', 2);
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
  assert.deepEqual(e.get('ns/rs'), { add: 0, del: 0 });
});

test('deletions count each expected pod once, ignore others', () => {
  const e = new ControllerExpectations(new FakeClock());
  e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/zzz');
  assert.deepEqual(e.get('ns/rs'), { add: 0, del: 1 });
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.deletionObserved('ns/rs', 'ns/b');
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
});

test('expectations expire after the timeout and are dropped with the owner', async () => {
  const clock = new FakeClock();
  const e = new ControllerExpectations(clock, 1000);
  e.expectCreations('ns/rs', 5);
  await clock.advance(1000);
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  await clock.advance(1);
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
  e.deleteExpectations('ns/rs');
  assert.equal(e.get('ns/rs'), undefined);
});

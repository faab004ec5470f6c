import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectControllers } from './controller-selection.js';

const all = [
  { name: 'deployment', enabledByDefault: true },
  { name: 'job', enabledByDefault: true },
  { name: 'bootstrapsigner', enabledByDefault: false },
];
const names = (flags: string[]) => selectControllers(all, flags).map((c) => c.name);

test('--controllers: * means the defaults, names add, -names remove (removal wins)', () => {
  assert.deepEqual(names(['*']), ['deployment', 'job']);
  assert.deepEqual(names(['*', 'bootstrapsigner']), ['deployment', 'job', 'bootstrapsigner']);
  assert.deepEqual(names(['*', '-job']), ['deployment']);
  assert.deepEqual(names(['job']), ['job']);
  assert.deepEqual(names(['job', '-job']), []);
  assert.deepEqual(names([]), []);
});

test('--controllers: an unknown name is an error listing the known ones', () => {
  assert.throws(
    () => names(['*', '-nope']),
    /unknown controller "nope" in --controllers; known: bootstrapsigner, deployment, job/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { PriorityAdmission } from './priority.js';
import { attrs, rejection } from './testing.js';

const high: PriorityClass = { metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' };
const low: PriorityClass = { metadata: { name: 'low' }, value: 10, globalDefault: true };

const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'c' }], ...spec },
});

test('resolves class names, the global default and the built-in system classes', async () => {
  const p = new PriorityAdmission({ listPriorityClasses: () => [high, low] });
  const cases: [Partial<Pod['spec']>, { priorityClassName?: string; priority: number; preemptionPolicy?: string }][] = [
    [{ priorityClassName: 'high' }, { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' }],
    [{}, { priorityClassName: 'low', priority: 10 }],
    [
      { priorityClassName: 'system-node-critical' },
      { priorityClassName: 'system-node-critical', priority: 2000001000, preemptionPolicy: 'PreemptLowerPriority' },
    ],
    [
      { priorityClassName: 'system-cluster-critical' },
      { priorityClassName: 'system-cluster-critical', priority: 2000000000, preemptionPolicy: 'PreemptLowerPriority' },
    ],
  ];
  for (const [spec, want] of cases) {
    const obj = pod(spec);
    await p.admit(attrs({ resource: 'pods', object: obj }));
    assert.equal(obj.spec!.priorityClassName, want.priorityClassName);
    assert.equal(obj.spec!.priority, want.priority);
    assert.equal(obj.spec!.preemptionPolicy, want.preemptionPolicy);
  }
  const none = pod();
  await new PriorityAdmission({ listPriorityClasses: () => [] }).admit(attrs({ resource: 'pods', object: none }));
  assert.equal(none.spec!.priority, 0);
  assert.equal(none.spec!.preemptionPolicy, 'PreemptLowerPriority');
  assert.equal(none.spec!.priorityClassName, undefined);
});

test('unknown classes and conflicting hand-set values are forbidden', async () => {
  const p = new PriorityAdmission({ listPriorityClasses: () => [high] });
  const unknown = await rejection(() =>
    p.admit(attrs({ resource: 'pods', object: pod({ priorityClassName: 'nope' }) })),
  );
  assert.equal(unknown.message, 'pods "p" is forbidden: no PriorityClass with name nope was found');
  const mismatch = await rejection(() =>
    p.admit(attrs({ resource: 'pods', object: pod({ priorityClassName: 'high', priority: 5 }) })),
  );
  assert.equal(
    mismatch.message,
    'pods "p" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
  );
  const policy = await rejection(() =>
    p.admit(
      attrs({ resource: 'pods', object: pod({ priorityClassName: 'high', preemptionPolicy: 'PreemptLowerPriority' }) }),
    ),
  );
  assert.match(
    policy.message,
    /the string value of PreemptionPolicy \(PreemptLowerPriority\) must not be provided in pod spec; priority admission controller computed Never/,
  );
});

test('updates keep the stored priority; only one global default class', async () => {
  const p = new PriorityAdmission({ listPriorityClasses: () => [low] });
  const updated = pod();
  await p.admit(
    attrs({
      resource: 'pods',
      operation: 'UPDATE',
      name: 'p',
      object: updated,
      oldObject: pod({ priority: 10, preemptionPolicy: 'Never' }),
    }),
  );
  assert.equal(updated.spec!.priority, 10);
  assert.equal(updated.spec!.preemptionPolicy, 'Never');
  const second: PriorityClass = { metadata: { name: 'other' }, value: 5, globalDefault: true };
  const e = await rejection(() => p.validate(attrs({ resource: 'priorityclasses', object: second })));
  assert.equal(
    e.message,
    'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low is already marked as default. Only one default can exist',
  );
  await p.validate(
    attrs({ resource: 'priorityclasses', operation: 'UPDATE', name: 'low', object: { ...low, value: 11 } }),
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podDisruptionBudgetPrinter, priorityClassPrinter, runtimeClassPrinter } from './policy.js';
import { ago, columnNames, DAY, rowOf } from './testing.js';

const meta = (name: string) => ({ name, creationTimestamp: ago(DAY * 30) });

test('pod disruption budget: int-or-string bounds, N/A when unset', () => {
  assert.deepEqual(
    rowOf(podDisruptionBudgetPrinter, {
      metadata: meta('web'),
      spec: { minAvailable: 2 },
      status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 },
    }),
    { Name: 'web', 'Min Available': '2', 'Max Unavailable': 'N/A', 'Allowed Disruptions': 1, Age: '30d' },
  );
  const pct = rowOf(podDisruptionBudgetPrinter, { metadata: meta('db'), spec: { maxUnavailable: '25%' } });
  assert.deepEqual([pct['Min Available'], pct['Max Unavailable'], pct['Allowed Disruptions']], ['N/A', '25%', 0]);
});

test('priority class: value, global default and preemption policy', () => {
  assert.deepEqual(columnNames(priorityClassPrinter), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']);
  assert.deepEqual(
    rowOf(priorityClassPrinter, {
      metadata: meta('system-node-critical'),
      value: 2000001000,
      preemptionPolicy: 'PreemptLowerPriority',
    }),
    {
      Name: 'system-node-critical',
      Value: 2000001000,
      'Global-Default': false,
      Age: '30d',
      PreemptionPolicy: 'PreemptLowerPriority',
    },
  );
  assert.equal(
    rowOf(priorityClassPrinter, { metadata: meta('x'), value: 1, globalDefault: true })['Global-Default'],
    true,
  );
});

test('runtime class', () => {
  assert.deepEqual(rowOf(runtimeClassPrinter, { metadata: meta('gvisor'), handler: 'runsc' }), {
    Name: 'gvisor',
    Handler: 'runsc',
    Age: '30d',
  });
  assert.equal(runtimeClassPrinter.columns[1]!.description, '');
});

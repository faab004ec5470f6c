import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, testHandle } from '../../testing/framework.js';
import { newNodeUnschedulable } from './node-unschedulable.js';

test('NodeUnschedulable Filter', async (t) => {
  const cases: { name: string; unschedulable: boolean; tolerate: boolean; fits: boolean }[] = [
    { name: 'schedulable node', unschedulable: false, tolerate: false, fits: true },
    { name: 'unschedulable node', unschedulable: true, tolerate: false, fits: false },
    { name: 'unschedulable node, pod tolerates the taint', unschedulable: true, tolerate: true, fits: true },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { snapshot } = testHandle({ nodes: [makeNode('n', { unschedulable: c.unschedulable })] });
      const pod = makePod('p', {
        tolerations: c.tolerate
          ? [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }]
          : [],
      });
      const s = runFilter(newNodeUnschedulable(), pod, snapshot.get('n')!);
      assert.equal(s === null, c.fits);
      if (s) assert.equal(s.message(), 'node(s) were unschedulable');
    });
  }
});

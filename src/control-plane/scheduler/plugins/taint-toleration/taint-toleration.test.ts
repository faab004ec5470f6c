import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore, testHandle } from '../../testing/framework.js';
import { newTaintToleration } from './taint-toleration.js';

test('TaintToleration Filter (upstream TestTaintTolerationFilter)', async (t) => {
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; want: string | null }[] = [
    { name: 'no taints', taints: [], want: null },
    {
      name: 'untolerated NoSchedule taint',
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'tolerated by key and value',
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      tolerations: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: null,
    },
    {
      name: 'value mismatch',
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'Exists tolerates any value; empty effect any effect',
      taints: [{ key: 'foo', value: 'bar', effect: 'NoExecute' }],
      tolerations: [{ key: 'foo', operator: 'Exists' }],
      want: null,
    },
    {
      name: 'empty key with Exists tolerates everything',
      taints: [
        { key: 'a', effect: 'NoSchedule' },
        { key: 'b', value: 'x', effect: 'NoExecute' },
      ],
      tolerations: [{ operator: 'Exists' }],
      want: null,
    },
    {
      name: 'effect mismatch',
      taints: [{ key: 'foo', value: 'bar', effect: 'NoExecute' }],
      tolerations: [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {foo: bar}',
    },
    {
      name: 'PreferNoSchedule does not filter',
      taints: [{ key: 'foo', value: 'bar', effect: 'PreferNoSchedule' }],
      want: null,
    },
    {
      name: 'taint without value',
      taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }],
      want: 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { handle, snapshot } = testHandle({ nodes: [makeNode('n', { taints: c.taints })] });
      const s = runFilter(newTaintToleration(), makePod('p', { tolerations: c.tolerations }), snapshot.get('n')!);
      assert.equal(s ? s.message() : null, c.want);
      if (s) assert.equal(s.code, Code.UnschedulableAndUnresolvable);
      void handle;
    });
  }
});

test('TaintToleration Score: fewer untolerated PreferNoSchedule taints is better (upstream TestTaintTolerationScore)', () => {
  const pref = (key: string, value: string): Taint => ({ key, value, effect: 'PreferNoSchedule' });
  const nodes = [
    makeNode('n0'),
    makeNode('n1', { taints: [pref('cpu-type', 'arm64')] }),
    makeNode('n2', { taints: [pref('cpu-type', 'arm64'), pref('disk-type', 'ssd')] }),
    makeNode('n3', { taints: [pref('foo', 'bar'), { key: 'x', value: 'y', effect: 'NoSchedule' }] }),
  ];
  const { snapshot } = testHandle({ nodes });
  const pod = makePod('p', {
    tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }],
  });
  // counts 0, 1, 2, 0 -> reversed and scaled by the max (2)
  assert.deepEqual(runScore(newTaintToleration(), pod, snapshot.list()), [100, 50, 0, 100]);
});

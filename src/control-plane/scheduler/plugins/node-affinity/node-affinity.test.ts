import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorTerm, PreferredSchedulingTerm } from 'kubernetes-types/core/v1.js';
import { CycleState } from '../../framework/cycle-state.js';
import { PreFilterResult } from '../../framework/interfaces.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore, testHandle } from '../../testing/framework.js';
import { ErrReasonPod, newNodeAffinity } from './node-affinity.js';

const required = (...terms: NodeSelectorTerm[]) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
});

test('NodeAffinity Filter (upstream TestNodeAffinity)', async (t) => {
  const labels = { foo: 'bar', zone: 'a', gpus: '4' };
  const cases: { name: string; pod: Parameters<typeof makePod>[1]; want: boolean }[] = [
    { name: 'no selector', pod: {}, want: true },
    { name: 'nodeSelector matches', pod: { nodeSelector: { foo: 'bar' } }, want: true },
    { name: 'nodeSelector mismatch', pod: { nodeSelector: { foo: 'baz' } }, want: false },
    {
      name: 'In',
      pod: { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }) },
      want: true,
    },
    {
      name: 'NotIn',
      pod: { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }) },
      want: false,
    },
    {
      name: 'Exists',
      pod: { affinity: required({ matchExpressions: [{ key: 'foo', operator: 'Exists' }] }) },
      want: true,
    },
    {
      name: 'DoesNotExist',
      pod: { affinity: required({ matchExpressions: [{ key: 'foo', operator: 'DoesNotExist' }] }) },
      want: false,
    },
    {
      name: 'Gt',
      pod: { affinity: required({ matchExpressions: [{ key: 'gpus', operator: 'Gt', values: ['3'] }] }) },
      want: true,
    },
    {
      name: 'Lt',
      pod: { affinity: required({ matchExpressions: [{ key: 'gpus', operator: 'Lt', values: ['3'] }] }) },
      want: false,
    },
    {
      name: 'terms are ORed',
      pod: {
        affinity: required(
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] },
          { matchExpressions: [{ key: 'foo', operator: 'Exists' }] },
        ),
      },
      want: true,
    },
    {
      name: 'requirements within a term are ANDed',
      pod: {
        affinity: required({
          matchExpressions: [
            { key: 'zone', operator: 'In', values: ['a'] },
            { key: 'foo', operator: 'In', values: ['x'] },
          ],
        }),
      },
      want: false,
    },
    { name: 'an empty term matches nothing', pod: { affinity: required({}) }, want: false },
    {
      name: 'nodeSelector and affinity must both match',
      pod: {
        nodeSelector: { foo: 'bar' },
        affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }),
      },
      want: false,
    },
    {
      name: 'matchFields on the node name',
      pod: { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }) },
      want: true,
    },
    {
      name: 'invalid operator matches nothing',
      pod: { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'Weird', values: ['a'] }] }) },
      want: false,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { handle, snapshot } = testHandle({ nodes: [makeNode('n', { labels })] });
      const s = runFilter(newNodeAffinity({}, handle), makePod('p', c.pod), snapshot.get('n')!);
      assert.equal(s === null, c.want);
      if (s) {
        assert.equal(s.message(), ErrReasonPod);
        assert.equal(s.code, Code.UnschedulableAndUnresolvable);
      }
    });
  }
});

test('NodeAffinity PreFilter narrows to nodes named by matchFields', () => {
  const { handle } = testHandle();
  const pl = newNodeAffinity({}, handle);
  const run = (...terms: NodeSelectorTerm[]) =>
    pl.preFilter!(new CycleState(), new PodInfo(makePod('p', { affinity: required(...terms) })), []);
  const byName = (...names: string[]): NodeSelectorTerm => ({
    matchFields: [{ key: 'metadata.name', operator: 'In', values: names }],
  });
  const r = run(byName('a', 'b'), byName('c'));
  assert.ok(r instanceof PreFilterResult);
  assert.deepEqual([...r.nodeNames!].sort(), ['a', 'b', 'c']);
  assert.equal(
    run(byName('a'), { matchExpressions: [{ key: 'x', operator: 'Exists' }] }),
    null,
    'a term without names admits all',
  );
  const conflict = run({ matchFields: [...byName('a').matchFields!, ...byName('b').matchFields!] });
  assert.ok(conflict instanceof Status);
  assert.equal(conflict.message(), 'pod affinity terms conflict');
  const skip = pl.preFilter!(new CycleState(), new PodInfo(makePod('p')), []);
  assert.equal((skip as Status).code, Code.Skip);
});

test('NodeAffinity addedAffinity is enforced on every pod', () => {
  const args = {
    addedAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['a'] }] }],
      },
    },
  };
  const { handle, snapshot } = testHandle({ nodes: [makeNode('n', { labels: { pool: 'b' } })] });
  const s = runFilter(newNodeAffinity(args, handle), makePod('p'), snapshot.get('n')!);
  assert.equal(s?.message(), "node(s) didn't match scheduler-enforced node affinity");
});

test('NodeAffinity Score: weights of matching preferred terms, normalized by the max', () => {
  const pref: PreferredSchedulingTerm[] = [
    { weight: 2, preference: { matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] } },
    { weight: 4, preference: { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] } },
    { weight: 5, preference: { matchExpressions: [{ key: 'az', operator: 'In', values: ['az1'] }] } },
  ];
  const nodes = [
    makeNode('n1', { labels: { foo: 'bar' } }),
    makeNode('n2', { labels: { key: 'value' } }),
    makeNode('n3', { labels: { foo: 'bar', key: 'value', az: 'az1' } }),
  ];
  const { handle, snapshot } = testHandle({ nodes });
  const pod = makePod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: pref } } });
  // raw 2, 4, 11 -> 100 * x / 11
  assert.deepEqual(runScore(newNodeAffinity({}, handle), pod, snapshot.list()), [18, 36, 100]);
  assert.deepEqual(
    runScore(newNodeAffinity({}, handle), makePod('q'), snapshot.list()),
    [0, 0, 0],
    'no preferences: skipped',
  );
});

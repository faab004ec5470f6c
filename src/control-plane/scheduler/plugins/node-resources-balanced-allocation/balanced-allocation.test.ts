import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod } from '../../testing/builders.js';
import { runScore, testHandle } from '../../testing/framework.js';
import { newBalancedAllocation } from './balanced-allocation.js';

test('NodeResourcesBalancedAllocation scores (upstream TestNodeResourcesBalancedAllocation)', async (t) => {
  const nodes = [
    makeNode('n1', { alloc: { cpu: '4', memory: '10000', pods: '10' } }),
    makeNode('n2', { alloc: { cpu: '6', memory: '10000', pods: '10' } }),
  ];
  await t.test('differently sized nodes: the more balanced wins', () => {
    const { handle, snapshot } = testHandle({ nodes });
    const pod = makePod('p', { req: { cpu: '3', memory: '5000' } });
    // n1: |0.75 - 0.5| / 2 = 0.125 -> 87; n2: 0.5, 0.5 -> 100
    assert.deepEqual(runScore(newBalancedAllocation({}, handle), pod, snapshot.list()), [87, 100]);
  });
  await t.test('existing pods count, requests (not defaults) are used', () => {
    const { handle, snapshot } = testHandle({ nodes, pods: [makePod('e', { nodeName: 'n2', req: { cpu: '3' } })] });
    const pod = makePod('p', { req: { cpu: '0', memory: '5000' } });
    // n1: cpu 0, mem 0.5 -> 75; n2: cpu 0.5, mem 0.5 -> 100
    assert.deepEqual(runScore(newBalancedAllocation({}, handle), pod, snapshot.list()), [75, 100]);
  });
  await t.test('fractions above 1 are capped; three resources use the standard deviation', () => {
    const three = [makeNode('g', { alloc: { cpu: '1', memory: '1000', 'example.com/gpu': '4', pods: '10' } })];
    const { handle, snapshot } = testHandle({ nodes: three });
    const pod = makePod('p', { req: { cpu: '2', memory: '500', 'example.com/gpu': '1' } });
    const pl = newBalancedAllocation(
      { resources: [{ name: 'cpu' }, { name: 'memory' }, { name: 'example.com/gpu' }] },
      handle,
    );
    // fractions 1, 0.5, 0.25: mean 0.5833, std 0.3118 -> 68
    assert.deepEqual(runScore(pl, pod, snapshot.list()), [68]);
  });
});

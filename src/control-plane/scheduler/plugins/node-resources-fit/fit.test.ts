import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from 'kubernetes-types/core/v1.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore, testHandle } from '../../testing/framework.js';
import { newNodeResourcesFit } from './fit.js';

const ctr = (requests: Record<string, string>, restartPolicy?: string): Container => ({
  name: 'c',
  image: 'x',
  resources: { requests },
  restartPolicy,
});

test('NodeResourcesFit Filter (upstream TestEnoughRequests)', async (t) => {
  // Node: 10 cpu, 20 memory bytes, 32 pods, 5 example.com/aaa; already used: 5 cpu, 19 memory.
  const node = makeNode('n', {
    alloc: { cpu: '10m', memory: '20', pods: '32', 'example.com/aaa': '5', 'hugepages-2Mi': '5' },
  });
  const existing = makePod('existing', { nodeName: 'n', containers: [ctr({ cpu: '5m', memory: '19' })] });
  const cases: {
    name: string;
    containers?: Container[];
    init?: Container[];
    overhead?: Record<string, string>;
    args?: unknown;
    want: string[] | null;
    code?: Code;
  }[] = [
    { name: 'no resources requested always fits', containers: [{ name: 'c', image: 'x' }], want: null },
    {
      name: 'too many resources fails',
      containers: [ctr({ cpu: '8m', memory: '19' })],
      want: ['Insufficient cpu', 'Insufficient memory'],
      code: Code.Unschedulable,
    },
    { name: 'fits exactly', containers: [ctr({ cpu: '5m', memory: '1' })], want: null },
    {
      name: 'too many resources fails due to init container cpu',
      containers: [ctr({ cpu: '1m', memory: '1' })],
      init: [ctr({ cpu: '6m', memory: '1' })],
      want: ['Insufficient cpu'],
    },
    {
      name: 'sidecar counts for the whole pod lifetime',
      containers: [ctr({ cpu: '3m' })],
      init: [ctr({ cpu: '3m' }, 'Always')],
      want: ['Insufficient cpu'],
    },
    {
      name: 'overhead is counted',
      containers: [ctr({ cpu: '3m' })],
      overhead: { cpu: '3m' },
      want: ['Insufficient cpu'],
    },
    { name: 'extended resource fits', containers: [ctr({ 'example.com/aaa': '5' })], want: null },
    {
      name: 'extended resource insufficient',
      containers: [ctr({ 'example.com/aaa': '6' })],
      want: ['Insufficient example.com/aaa'],
    },
    {
      name: 'unknown extended resource is insufficient',
      containers: [ctr({ 'example.com/bbb': '1' })],
      want: ['Insufficient example.com/bbb'],
    },
    {
      name: 'ignored extended resource',
      containers: [ctr({ 'example.com/bbb': '1' })],
      args: { ignoredResources: ['example.com/bbb'] },
      want: null,
    },
    {
      name: 'ignored resource group',
      containers: [ctr({ 'example.com/bbb': '1' })],
      args: { ignoredResourceGroups: ['example.com'] },
      want: null,
    },
    {
      name: 'hugepages are checked',
      containers: [ctr({ 'hugepages-2Mi': '6' })],
      want: ['Insufficient hugepages-2Mi'],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { handle, snapshot } = testHandle({ nodes: [node], pods: [existing] });
      const pl = newNodeResourcesFit(c.args, handle);
      const s = runFilter(
        pl,
        makePod('p', { containers: c.containers, initContainers: c.init, overhead: c.overhead }),
        snapshot.get('n')!,
      );
      assert.deepEqual(s ? s.reasons : null, c.want);
      if (c.code !== undefined) assert.equal(s?.code, c.code);
    });
  }
});

test('NodeResourcesFit Filter: too many pods', () => {
  const node = makeNode('n', { alloc: { cpu: '10', memory: '10Gi', pods: '1' } });
  const { handle, snapshot } = testHandle({ nodes: [node], pods: [makePod('e', { nodeName: 'n' })] });
  const s = runFilter(newNodeResourcesFit(undefined, handle), makePod('p'), snapshot.get('n')!);
  assert.deepEqual(s?.reasons, ['Too many pods']);
});

test('NodeResourcesFit Score strategies (upstream least/most/requested-to-capacity tests)', async (t) => {
  // Nothing scheduled; the pod requests 3000m cpu and 5000 bytes; nodes differ in size.
  const nodes = [
    makeNode('n1', { alloc: { cpu: '4', memory: '10000', pods: '10' } }),
    makeNode('n2', { alloc: { cpu: '6', memory: '10000', pods: '10' } }),
  ];
  const pod = makePod('p', { containers: [ctr({ cpu: '1', memory: '0' }), ctr({ cpu: '2', memory: '5000' })] });
  const cases: { name: string; args: unknown; want: number[] }[] = [
    { name: 'LeastAllocated', args: {}, want: [37, 50] },
    { name: 'MostAllocated', args: { scoringStrategy: { type: 'MostAllocated' } }, want: [62, 50] },
    {
      name: 'RequestedToCapacityRatio (score falls with utilization)',
      args: {
        scoringStrategy: {
          type: 'RequestedToCapacityRatio',
          requestedToCapacityRatio: {
            shape: [
              { utilization: 0, score: 10 },
              { utilization: 100, score: 0 },
            ],
          },
        },
      },
      want: [38, 50],
    },
    {
      name: 'LeastAllocated with cpu weighted 3',
      args: {
        scoringStrategy: {
          type: 'LeastAllocated',
          resources: [
            { name: 'cpu', weight: 3 },
            { name: 'memory', weight: 1 },
          ],
        },
      },
      // n1: (25*3 + 50)/4 = 31; n2: 50
      want: [31, 50],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const { handle, snapshot } = testHandle({ nodes });
      assert.deepEqual(runScore(newNodeResourcesFit(c.args, handle), pod, snapshot.list()), c.want);
    });
  }
  await t.test('pods without requests score with the 100m / 200Mi defaults', () => {
    const big = [
      makeNode('a', { alloc: { cpu: '1', memory: '1Gi', pods: '10' } }),
      makeNode('b', { alloc: { cpu: '2', memory: '1Gi', pods: '10' } }),
    ];
    const { handle, snapshot } = testHandle({ nodes: big });
    // a: cpu 90, mem (1024-200)/1024 = 80 -> 85; b: cpu 95, mem 80 -> 87
    assert.deepEqual(runScore(newNodeResourcesFit({}, handle), makePod('p'), snapshot.list()), [85, 87]);
  });
});

test('NodeResourcesFit args are validated', () => {
  const { handle } = testHandle();
  assert.throws(
    () => newNodeResourcesFit({ scoringStrategy: { type: 'Weird' } }, handle),
    /scoringStrategy.type: Unsupported value: "Weird": supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"/,
  );
  assert.throws(
    () =>
      newNodeResourcesFit(
        { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 101 }] } },
        handle,
      ),
    /scoringStrategy.resources\[0\].weight: Invalid value: 101: resource weight of cpu not in valid range \[1, 100\]/,
  );
  assert.throws(
    () =>
      newNodeResourcesFit(
        {
          scoringStrategy: {
            type: 'RequestedToCapacityRatio',
            requestedToCapacityRatio: {
              shape: [
                { utilization: 50, score: 1 },
                { utilization: 10, score: 11 },
              ],
            },
          },
        },
        handle,
      ),
    /utilization values must be sorted in increasing order/,
  );
});

test('NodeResourcesFit Filter: rejections with the same reasons are one shared, attributed status', () => {
  const nodes = ['a', 'b'].map((n) => makeNode(n, { alloc: { cpu: '1', memory: '1Gi', pods: '10' } }));
  const { handle, snapshot } = testHandle({ nodes });
  const pl = newNodeResourcesFit({}, handle);
  const big = makePod('p', { req: { cpu: '2' } });
  const [a, b] = snapshot.list().map((ni) => runFilter(pl, big, ni, snapshot.list()));
  assert.deepEqual(a?.reasons, ['Insufficient cpu']);
  assert.equal(a?.plugin, 'NodeResourcesFit');
  assert.equal(a, b);
  const both = runFilter(pl, makePod('q', { req: { cpu: '2', memory: '2Gi' } }), snapshot.list()[0]!, snapshot.list());
  assert.deepEqual(both?.reasons, ['Insufficient cpu', 'Insufficient memory']);
});

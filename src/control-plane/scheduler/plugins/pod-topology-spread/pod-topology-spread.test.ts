import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { Code } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { runFilter, runScore, testHandle } from '../../testing/framework.js';
import { newPodTopologySpread } from './pod-topology-spread.js';

const zoneNodes = () => [
  makeNode('a', { zone: 'z1' }),
  makeNode('b', { zone: 'z1' }),
  makeNode('x', { zone: 'z2', labels: { pool: 'x' } }),
  makeNode('y', { zone: 'z2', labels: { pool: 'x' } }),
];
const foo = { foo: '' };
const existing = (counts: Record<string, number>, labels: Record<string, string> = foo, namespace = 'default') =>
  Object.entries(counts).flatMap(([node, n]) =>
    Array.from({ length: n }, (_, i) => makePod(`${node}-${i}-${namespace}`, { nodeName: node, labels, namespace })),
  );
const spread = (
  key: string,
  maxSkew: number,
  extra: Partial<TopologySpreadConstraint> = {},
): TopologySpreadConstraint => ({
  maxSkew,
  topologyKey: key,
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { matchExpressions: [{ key: 'foo', operator: 'Exists' }] },
  ...extra,
});

function feasible(
  pods: ReturnType<typeof existing>,
  pod: ReturnType<typeof makePod>,
  nodes = zoneNodes(),
): Record<string, string | null> {
  const { handle, snapshot } = testHandle({ nodes, pods });
  const pl = newPodTopologySpread({}, handle);
  const out: Record<string, string | null> = {};
  for (const ni of snapshot.list()) out[ni.name] = runFilter(pl, pod, ni, snapshot.list())?.message() ?? null;
  return out;
}

const NO = "node(s) didn't match pod topology spread constraints";

test('PodTopologySpread Filter (upstream TestSingleConstraint shapes)', async (t) => {
  await t.test('no existing pods: every node fits', () => {
    const r = feasible(
      [],
      makePod('p', { labels: foo, topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1)] }),
    );
    assert.deepEqual(r, { a: null, x: null, b: null, y: null });
  });
  await t.test('zones 2/3: only the smaller zone fits', () => {
    const r = feasible(
      existing({ a: 1, b: 1, x: 2, y: 1 }),
      makePod('p', { labels: foo, topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1)] }),
    );
    assert.deepEqual(r, { a: null, x: NO, b: null, y: NO });
  });
  await t.test('pods in another namespace or not matching do not count', () => {
    const pods = [...existing({ x: 3 }, foo, 'other'), ...existing({ y: 3 }, { bar: '' })];
    const r = feasible(
      pods,
      makePod('p', { labels: foo, topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1)] }),
    );
    assert.deepEqual(r, { a: null, x: null, b: null, y: null });
  });
  await t.test('hostname 2/1/0/3: only the empty node fits', () => {
    const r = feasible(
      existing({ a: 2, b: 1, y: 3 }),
      makePod('p', { labels: foo, topologySpreadConstraints: [spread('kubernetes.io/hostname', 1)] }),
    );
    assert.deepEqual(r, { a: NO, x: null, b: NO, y: NO });
  });
  await t.test('an incoming pod that does not match its own selector adds no skew', () => {
    const r = feasible(
      existing({ a: 1, b: 1, x: 2, y: 1 }),
      makePod('p', { topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1)] }),
    );
    assert.deepEqual(r, { a: null, x: null, b: null, y: null });
  });
  await t.test('a node without the topology label is unresolvable', () => {
    const nodes = [...zoneNodes(), makeNode('bare')];
    const { handle, snapshot } = testHandle({ nodes });
    const s = runFilter(
      newPodTopologySpread({}, handle),
      makePod('p', { labels: foo, topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1)] }),
      snapshot.get('bare')!,
      snapshot.list(),
    );
    assert.equal(s?.message(), NO + ' (missing required label)');
    assert.equal(s?.code, Code.UnschedulableAndUnresolvable);
  });
  await t.test('minDomains above the domain count makes the global minimum 0', () => {
    const pod = makePod('p', {
      labels: foo,
      topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1, { minDomains: 3 })],
    });
    assert.deepEqual(feasible(existing({ a: 1, x: 1 }), pod), { a: NO, x: NO, b: NO, y: NO });
    const ok = makePod('p', {
      labels: foo,
      topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1, { minDomains: 2 })],
    });
    assert.deepEqual(feasible(existing({ a: 1, x: 1 }), ok), { a: null, x: null, b: null, y: null });
  });
  await t.test('nodeAffinityPolicy Honor counts only nodes the pod may land on', () => {
    const honor = makePod('p', {
      labels: foo,
      nodeSelector: { pool: 'x' },
      topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1)],
    });
    // Zone z1 is not eligible, so the minimum is z2's own count.
    assert.equal(feasible(existing({ x: 2 }), honor).x, null);
    const ignore = makePod('p', {
      labels: foo,
      nodeSelector: { pool: 'x' },
      topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1, { nodeAffinityPolicy: 'Ignore' })],
    });
    assert.equal(feasible(existing({ x: 2 }), ignore).x, NO);
  });
  await t.test('nodeTaintsPolicy Honor skips nodes with untolerated taints', () => {
    const nodes = [
      makeNode('a', { zone: 'z1', taints: [{ key: 'k', effect: 'NoSchedule' }] }),
      makeNode('x', { zone: 'z2' }),
    ];
    const pod = (policy: string) =>
      makePod('p', {
        labels: foo,
        topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1, { nodeTaintsPolicy: policy })],
      });
    assert.equal(feasible(existing({ x: 1 }), pod('Honor'), nodes).x, null);
    assert.equal(feasible(existing({ x: 1 }), pod('Ignore'), nodes).x, NO);
  });
  await t.test('matchLabelKeys narrow the selector to pods with the same value', () => {
    const pods = existing({ x: 3 }, { foo: '', rev: 'old' });
    const pod = makePod('p', {
      labels: { foo: '', rev: 'new' },
      topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1, { matchLabelKeys: ['rev'] })],
    });
    assert.deepEqual(feasible(pods, pod), { a: null, x: null, b: null, y: null });
  });
  await t.test('two constraints must both hold', () => {
    const pod = makePod('p', {
      labels: foo,
      topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1), spread('kubernetes.io/hostname', 1)],
    });
    // zones 1/1 -> fine anywhere; hosts a:1 x:1 -> only b and y fit.
    assert.deepEqual(feasible(existing({ a: 1, x: 1 }), pod), { a: NO, x: NO, b: null, y: null });
  });
});

test('PodTopologySpread Score', async (t) => {
  await t.test('fewer matching pods in the domain scores higher', () => {
    const { handle, snapshot } = testHandle({ nodes: zoneNodes(), pods: existing({ a: 2, x: 1 }) });
    const pod = makePod('p', {
      labels: foo,
      topologySpreadConstraints: [spread('topology.kubernetes.io/zone', 1, { whenUnsatisfiable: 'ScheduleAnyway' })],
    });
    // zone counts 2 and 1, weight ln(4): raw 3 and 1 -> 100*(3+1-raw)/3. Order a, x, b, y.
    assert.deepEqual(runScore(newPodTopologySpread({}, handle), pod, snapshot.list()), [33, 100, 33, 100]);
  });
  await t.test('hostname counts per node', () => {
    const { handle, snapshot } = testHandle({ nodes: zoneNodes(), pods: existing({ a: 2, b: 1 }) });
    const pod = makePod('p', {
      labels: foo,
      topologySpreadConstraints: [spread('kubernetes.io/hostname', 1, { whenUnsatisfiable: 'ScheduleAnyway' })],
    });
    // weight ln(6) = 1.79: raw a 4, b 2, x 0, y 0 -> 100*(4+0-raw)/4
    assert.deepEqual(runScore(newPodTopologySpread({}, handle), pod, snapshot.list()), [0, 100, 50, 100]);
  });
  await t.test('no soft constraints and nothing selecting the pod: skipped', () => {
    const { handle, snapshot } = testHandle({ nodes: zoneNodes(), pods: existing({ a: 2 }) });
    assert.deepEqual(
      runScore(newPodTopologySpread({}, handle), makePod('p', { labels: foo }), snapshot.list()),
      [0, 0, 0, 0],
    );
  });
  await t.test('system default constraints apply to pods a Service selects', () => {
    const svc: Service = { metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'web' } } };
    const listers = { services: { get: () => svc, list: () => [svc] } };
    const pods = existing({ a: 3, b: 3 }, { app: 'web' });
    const { handle, snapshot } = testHandle({ nodes: zoneNodes(), pods, listers });
    const scores = runScore(
      newPodTopologySpread({}, handle),
      makePod('p', { labels: { app: 'web' } }),
      snapshot.list(),
    ) as number[];
    assert.ok(scores[1]! > scores[0]!, `zone z2 preferred: ${scores}`);
  });
});

test('PodTopologySpread args validation', () => {
  const { handle } = testHandle();
  assert.throws(
    () =>
      newPodTopologySpread(
        { defaultConstraints: [{ maxSkew: 0, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }] },
        handle,
      ),
    /defaultConstraints\[0\].maxSkew: Invalid value: 0/,
  );
  assert.throws(
    () =>
      newPodTopologySpread(
        {
          defaultingType: 'System',
          defaultConstraints: [{ maxSkew: 1, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }],
        },
        handle,
      ),
    /when .defaultConstraints are not empty, .defaultingType must be List/,
  );
});

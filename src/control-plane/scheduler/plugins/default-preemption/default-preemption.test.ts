import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeToStatus } from '../../framework/node-to-status.js';
import { PodInfo } from '../../framework/pod-info.js';
import { Code, Status } from '../../framework/status.js';
import { makeNode, makePod } from '../../testing/builders.js';
import { testFramework, testProfile } from '../../testing/framework.js';
import { listerOf } from '../helpers/fake-listers.js';
import {
  compilePDBs,
  filterPodsWithPDBViolation,
  pickOneNodeForPreemption,
  selectVictimsOnNode,
  type Candidate,
} from './victims.js';
import type { DefaultPreemption } from './default-preemption.js';

const pdb = (
  name: string,
  labels: Record<string, string>,
  allowed: number,
  disrupted: string[] = [],
): PodDisruptionBudget => ({
  metadata: { name, namespace: 'default' },
  spec: { selector: { matchLabels: labels } },
  status: {
    disruptionsAllowed: allowed,
    currentHealthy: 0,
    desiredHealthy: 0,
    expectedPods: 0,
    disruptedPods: Object.fromEntries(disrupted.map((d) => [d, '2026-01-01T00:00:00Z'])),
  },
});

test('PDB violations: a budget is spent victim by victim', () => {
  const pods = ['a', 'b', 'c'].map((n) => new PodInfo(makePod(n, { labels: { app: 'x' } })));
  const other = new PodInfo(makePod('o', { labels: { app: 'x' }, namespace: 'other' }));
  const [violating, ok] = filterPodsWithPDBViolation([...pods, other], compilePDBs([pdb('p', { app: 'x' }, 1)]));
  assert.deepEqual(
    violating.map((p) => p.name),
    ['b', 'c'],
  );
  assert.deepEqual(
    ok.map((p) => p.name),
    ['a', 'o'],
  );
  const [v2] = filterPodsWithPDBViolation(pods, compilePDBs([pdb('p', { app: 'x' }, 1, ['a'])]));
  assert.deepEqual(
    v2.map((p) => p.name),
    ['c'],
    'already disrupted pods do not spend the budget',
  );
  const [v3] = filterPodsWithPDBViolation(pods, compilePDBs([{ ...pdb('p', {}, 0), spec: { selector: {} } }]));
  assert.deepEqual(v3, [], 'an empty selector matches nothing');
});

test('pickOneNodeForPreemption criteria in order (upstream TestPickOneNodeForPreemption)', async (t) => {
  const v = (prio: number, start = '2026-01-01T00:00:00Z') =>
    makePod(`v${prio}-${start}`, { priority: prio, startTime: start });
  const c = (name: string, pods: Pod[], numPDBViolations = 0): Candidate => ({
    name,
    victims: { pods, numPDBViolations },
  });
  await t.test('fewest PDB violations', () => {
    assert.equal(pickOneNodeForPreemption([c('a', [v(1)], 1), c('b', [v(5), v(5)], 0)])!.name, 'b');
  });
  await t.test('lowest highest-priority victim', () => {
    assert.equal(pickOneNodeForPreemption([c('a', [v(10), v(1)]), c('b', [v(5), v(5), v(5)])])!.name, 'b');
  });
  await t.test('smallest priority sum', () => {
    assert.equal(pickOneNodeForPreemption([c('a', [v(5), v(4)]), c('b', [v(5), v(1)])])!.name, 'b');
  });
  await t.test('fewest victims', () => {
    assert.equal(
      pickOneNodeForPreemption([c('a', [v(-5), v(-5)]), c('b', [v(-5)])])!.name,
      'b',
      'priorities are offset so negative ones compare correctly',
    );
  });
  await t.test('latest start time of the top victims', () => {
    assert.equal(
      pickOneNodeForPreemption([c('a', [v(5, '2026-01-01T00:00:00Z')]), c('b', [v(5, '2026-01-02T00:00:00Z')])])!.name,
      'b',
    );
  });
});

function preemptionSetup(nodePods: Record<string, Pod[]>, pdbs: PodDisruptionBudget[] = []) {
  const nodes = Object.keys(nodePods).map((n) => makeNode(n, { alloc: { cpu: '4', memory: '8Gi', pods: '10' } }));
  const pods = Object.entries(nodePods).flatMap(([n, ps]) =>
    ps.map((p) => ({ ...p, spec: { ...p.spec!, nodeName: n } })),
  );
  return testFramework(
    testProfile([
      { name: 'PrioritySort' },
      { name: 'DefaultBinder' },
      { name: 'NodeResourcesFit' },
      { name: 'DefaultPreemption' },
    ]),
    [],
    { nodes, pods, listers: { pdbs: listerOf(pdbs) } },
  );
}

test('selectVictimsOnNode reprieves the most important pods first, PDB violators before others', async (t) => {
  await t.test('reprieve order', () => {
    const { fw, snapshot } = preemptionSetup({
      n: [
        makePod('p1', { priority: 1, req: { cpu: '1' } }),
        makePod('p2', { priority: 2, req: { cpu: '1' } }),
        makePod('p3', { priority: 3, req: { cpu: '2' } }),
      ],
    });
    const incoming = new PodInfo(makePod('hi', { priority: 10, req: { cpu: '2' } }));
    const state = new CycleState();
    fw.runPreFilterPlugins(state, incoming, snapshot.list());
    const r = selectVictimsOnNode(fw, state, incoming, snapshot.get('n')!.snapshot(), []);
    assert.equal(r.status, null);
    assert.deepEqual(
      r.victims.map((p) => p.metadata!.name),
      ['p2', 'p1'],
    );
    assert.equal(r.numViolating, 0);
  });
  await t.test('a pod protected by a PDB is reprieved first when possible', () => {
    const { fw, snapshot } = preemptionSetup({
      n: [
        makePod('p1', { priority: 1, req: { cpu: '2' }, labels: { app: 'db' } }),
        makePod('p2', { priority: 1, req: { cpu: '2' } }),
      ],
    });
    const incoming = new PodInfo(makePod('hi', { priority: 10, req: { cpu: '2' } }));
    const state = new CycleState();
    fw.runPreFilterPlugins(state, incoming, snapshot.list());
    const r = selectVictimsOnNode(
      fw,
      state,
      incoming,
      snapshot.get('n')!.snapshot(),
      compilePDBs([pdb('db', { app: 'db' }, 0)]),
    );
    assert.deepEqual(
      r.victims.map((p) => p.metadata!.name),
      ['p2'],
    );
    assert.equal(r.numViolating, 0);
  });
  await t.test('no lower-priority pods', () => {
    const { fw, snapshot } = preemptionSetup({ n: [makePod('p', { priority: 10, req: { cpu: '4' } })] });
    const incoming = new PodInfo(makePod('hi', { priority: 10, req: { cpu: '2' } }));
    const r = selectVictimsOnNode(fw, new CycleState(), incoming, snapshot.get('n')!.snapshot(), []);
    assert.equal(r.status?.message(), 'No preemption victims found for incoming pod');
    assert.equal(r.status?.code, Code.UnschedulableAndUnresolvable);
  });
});

test('DefaultPreemption PostFilter messages', async (t) => {
  await t.test('preemptionPolicy Never', () => {
    const { fw, snapshot } = preemptionSetup({ n: [makePod('p', { priority: 1, req: { cpu: '4' } })] });
    const pi = new PodInfo(makePod('hi', { priority: 10, req: { cpu: '2' }, preemptionPolicy: 'Never' }));
    const pl = fw.plugins.get('DefaultPreemption') as DefaultPreemption;
    const m = new NodeToStatus();
    m.set('n', new Status(Code.Unschedulable, ['Insufficient cpu']));
    void snapshot;
    assert.equal(
      pl.postFilter(new CycleState(), pi, m).status?.message(),
      'preemption: not eligible due to preemptionPolicy=Never.',
    );
  });
  await t.test('no node where preemption helps', () => {
    const { fw, snapshot } = preemptionSetup({ a: [makePod('x', { priority: 1, req: { cpu: '4' } })], b: [] });
    const pi = new PodInfo(makePod('hi', { priority: 10, req: { cpu: '5' } }));
    const state = new CycleState();
    fw.runPreFilterPlugins(state, pi, snapshot.list());
    const m = new NodeToStatus();
    m.set('a', new Status(Code.Unschedulable, ['Insufficient cpu']));
    m.set('b', new Status(Code.Unschedulable, ['Insufficient cpu']));
    const out = (fw.plugins.get('DefaultPreemption') as DefaultPreemption).postFilter(state, pi, m);
    assert.equal(
      out.status?.message(),
      'preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod.',
    );
    assert.deepEqual(out.result?.nominatingInfo, { mode: 'Override', nominatedNodeName: '' });
  });
  await t.test('unresolvable nodes are not candidates', () => {
    const { fw, snapshot } = preemptionSetup({ a: [], b: [] });
    const pi = new PodInfo(makePod('hi', { priority: 10 }));
    const m = new NodeToStatus();
    m.set('a', new Status(Code.UnschedulableAndUnresolvable, ['node(s) had untolerated taint {k: v}']));
    void snapshot;
    const out = (fw.plugins.get('DefaultPreemption') as DefaultPreemption).postFilter(new CycleState(), pi, m);
    assert.equal(
      out.status?.message(),
      'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
  });
});

test('DefaultPreemption args validation', () => {
  assert.throws(
    () =>
      testFramework(
        testProfile(
          [{ name: 'PrioritySort' }, { name: 'DefaultBinder' }, { name: 'DefaultPreemption' }],
          {},
          { DefaultPreemption: { minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0 } },
        ),
      ),
    /cannot be zero at the same time as minCandidateNodesAbsolute/,
  );
});

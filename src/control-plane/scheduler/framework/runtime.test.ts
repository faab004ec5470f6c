import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../lib/clock.js';
import type { PluginRef } from '../config/types.js';
import { makeNode, makePod } from '../testing/builders.js';
import { testFramework, testProfile } from '../testing/framework.js';
import { CycleState } from './cycle-state.js';
import { PreFilterResult, type Plugin } from './interfaces.js';
import { NodeToStatus } from './node-to-status.js';
import { PodInfo } from './pod-info.js';
import { Code, Status } from './status.js';

const base: PluginRef[] = [{ name: 'PrioritySort' }, { name: 'DefaultBinder' }];
const pod = () => new PodInfo(makePod('p'));
const nodes = [makeNode('n0'), makeNode('n1'), makeNode('n2')];

function plugin(name: string, methods: Partial<Plugin>): Plugin {
  return { name, ...methods } as Plugin;
}

test('multiPoint expansion: plugins join the points they implement; explicit config overrides order', () => {
  const calls: string[] = [];
  const filterA = plugin('A', { filter: () => (calls.push('A'), null), score: () => 0 });
  const filterB = plugin('B', { filter: () => (calls.push('B'), null) });
  const profile = testProfile([...base, { name: 'A' }, { name: 'B' }], {
    filter: { enabled: [{ name: 'B' }] },
    score: { disabled: [{ name: 'A' }] },
  });
  const { fw, snapshot } = testFramework(profile, [filterA, filterB], { nodes });
  const state = new CycleState();
  fw.runPreFilterPlugins(state, pod(), snapshot.list());
  assert.equal(fw.runFilterPlugins(state, pod(), snapshot.list()[0]!), null);
  // B was re-configured at Filter, so it runs first; A follows from multiPoint.
  assert.deepEqual(calls, ['B', 'A']);
  assert.equal(fw.hasScorePlugins(), false, 'A is disabled at Score');
});

test('misconfigured profiles fail with upstream messages', async (t) => {
  await t.test('unknown plugin', () => {
    assert.throws(() => testFramework(testProfile([...base, { name: 'Missing' }])), /plugin "Missing" does not exist/);
  });
  await t.test('plugin at a point it does not implement', () => {
    const p = plugin('OnlyScore', { score: () => 0 });
    assert.throws(
      () => testFramework(testProfile(base, { filter: { enabled: [{ name: 'OnlyScore' }] } }), [p]),
      /plugin "OnlyScore" does not extend FilterPlugin plugin/,
    );
  });
  await t.test('no bind plugin', () => {
    assert.throws(
      () => testFramework(testProfile([{ name: 'PrioritySort' }])),
      /at least one bind plugin is needed for profile with scheduler name "default-scheduler"/,
    );
  });
  await t.test('two queue sort plugins', () => {
    assert.throws(
      () => testFramework(testProfile([...base, { name: 'DeadlineSort' }])),
      /only one queue sort plugin required/,
    );
  });
});

test('Filter stops at the first rejection and attributes it', () => {
  const calls: string[] = [];
  const a = plugin('A', {
    filter: (_s, _p, n) => (
      calls.push('A:' + n.name),
      n.name === 'n1' ? new Status(Code.Unschedulable, ['nope']) : null
    ),
  });
  const b = plugin('B', { filter: (_s, _p, n) => (calls.push('B:' + n.name), null) });
  const { fw, snapshot } = testFramework(testProfile([...base, { name: 'A' }, { name: 'B' }]), [a, b], { nodes });
  const state = new CycleState();
  fw.runPreFilterPlugins(state, pod(), snapshot.list());
  const s = fw.runFilterPlugins(state, pod(), snapshot.get('n1')!);
  assert.equal(s?.code, Code.Unschedulable);
  assert.equal(s?.plugin, 'A');
  assert.deepEqual(s?.reasons, ['nope']);
  assert.deepEqual(calls, ['A:n1']);
});

test('PreFilter: Skip skips the Filter; results intersect; an empty intersection rejects', async (t) => {
  await t.test('skip', () => {
    let filtered = false;
    const a = plugin('A', { preFilter: () => new Status(Code.Skip), filter: () => ((filtered = true), null) });
    const { fw, snapshot } = testFramework(testProfile([...base, { name: 'A' }]), [a], { nodes });
    const state = new CycleState();
    const out = fw.runPreFilterPlugins(state, pod(), snapshot.list());
    assert.equal(out.status, null);
    assert.equal(fw.runFilterPlugins(state, pod(), snapshot.list()[0]!), null);
    assert.equal(filtered, false);
    assert.ok(state.skipFilterPlugins.has('A'));
  });
  await t.test('intersection', () => {
    const a = plugin('A', { preFilter: () => new PreFilterResult(new Set(['n0', 'n1'])) });
    const b = plugin('B', { preFilter: () => new PreFilterResult(new Set(['n1', 'n2'])) });
    const { fw, snapshot } = testFramework(testProfile([...base, { name: 'A' }, { name: 'B' }]), [a, b], { nodes });
    const out = fw.runPreFilterPlugins(new CycleState(), pod(), snapshot.list());
    assert.deepEqual([...out.result!.nodeNames!], ['n1']);
    assert.deepEqual(out.pluginsWithNodes, ['A', 'B']);
  });
  await t.test('empty intersection', () => {
    const a = plugin('A', { preFilter: () => new PreFilterResult(new Set(['n0'])) });
    const b = plugin('B', { preFilter: () => new PreFilterResult(new Set(['n2'])) });
    const { fw, snapshot } = testFramework(testProfile([...base, { name: 'A' }, { name: 'B' }]), [a, b], { nodes });
    const out = fw.runPreFilterPlugins(new CycleState(), pod(), snapshot.list());
    assert.equal(out.status?.code, Code.UnschedulableAndUnresolvable);
    assert.equal(out.status?.message(), "node(s) didn't satisfy plugin(s) [A B] simultaneously");
  });
  await t.test('Unschedulable lets later PreFilters run; Unresolvable stops', () => {
    const ran: string[] = [];
    const a = plugin('A', { preFilter: () => (ran.push('A'), new Status(Code.Unschedulable, ['a'])) });
    const b = plugin('B', { preFilter: () => (ran.push('B'), null) });
    const { fw, snapshot } = testFramework(testProfile([...base, { name: 'A' }, { name: 'B' }]), [a, b], { nodes });
    const out = fw.runPreFilterPlugins(new CycleState(), pod(), snapshot.list());
    assert.deepEqual(ran, ['A', 'B']);
    assert.equal(out.status?.plugin, 'A');
  });
});

test('Score: per-plugin normalize, weights, totals', () => {
  const idx = (n: string) => Number(n.slice(1));
  const s1 = plugin('S1', { score: (_s, _p, n) => idx(n.name) * 10 });
  const s2 = plugin('S2', {
    score: (_s, _p, n) => idx(n.name),
    normalizeScore: (_s, _p, scores) => {
      const max = Math.max(...scores);
      for (let i = 0; i < scores.length; i++) scores[i] = 100 - Math.trunc((scores[i]! * 100) / max);
      return null;
    },
  });
  const { fw, snapshot } = testFramework(testProfile([...base, { name: 'S1', weight: 2 }, { name: 'S2' }]), [s1, s2], {
    nodes,
  });
  const state = new CycleState();
  fw.runPreScorePlugins(state, pod(), snapshot.list());
  const totals = fw.runScorePlugins(
    state,
    pod(),
    snapshot
      .list()
      .slice()
      .sort((a, b) => a.name.localeCompare(b.name)),
  );
  assert.ok(totals instanceof Float64Array);
  // n0: 0*2 + 100; n1: 20 + 50; n2: 40 + 0
  assert.deepEqual([...totals], [100, 70, 40]);
});

test('Score: a score outside [0, 100] after normalizing is an error', () => {
  const s = plugin('Bad', { score: () => 101 });
  const { fw, snapshot } = testFramework(testProfile([...base, { name: 'Bad' }]), [s], { nodes });
  const out = fw.runScorePlugins(new CycleState(), pod(), snapshot.list());
  assert.ok(out instanceof Status);
  assert.equal(
    out.message(),
    'plugin "Bad" returns an invalid score 101, it should in the range of [0, 100] after normalizing',
  );
});

test('PreScore Skip removes the plugin from Score', () => {
  let scored = 0;
  const s = plugin('S', { preScore: () => new Status(Code.Skip), score: () => (scored++, 50) });
  const { fw, snapshot } = testFramework(testProfile([...base, { name: 'S' }]), [s], { nodes });
  const state = new CycleState();
  fw.runPreScorePlugins(state, pod(), snapshot.list());
  const totals = fw.runScorePlugins(state, pod(), snapshot.list()) as Float64Array;
  assert.equal(scored, 0);
  assert.deepEqual([...totals], [0, 0, 0]);
});

test('Reserve failure: Unreserve runs in reverse order', () => {
  const order: string[] = [];
  const r = (name: string, fail = false) =>
    plugin(name, {
      reserve: () => (order.push(`reserve ${name}`), fail ? new Status(Code.Unschedulable, ['full']) : null),
      unreserve: () => void order.push(`unreserve ${name}`),
    });
  const { fw } = testFramework(
    testProfile([...base, { name: 'R1' }, { name: 'R2', weight: 0 }, { name: 'R3' }]),
    [r('R1'), r('R2', true), r('R3')],
    { nodes },
  );
  const state = new CycleState();
  const s = fw.runReservePluginsReserve(state, pod(), 'n0');
  assert.equal(s?.plugin, 'R2');
  fw.runReservePluginsUnreserve(state, pod(), 'n0');
  assert.deepEqual(order, ['reserve R1', 'reserve R2', 'unreserve R3', 'unreserve R2', 'unreserve R1']);
});

test('Permit: Wait until allowed, or rejected on timeout with upstream message', async (t) => {
  await t.test('allow', async () => {
    const clock = new FakeClock();
    const p = plugin('Gate', { permit: () => [new Status(Code.Wait), 10_000] });
    const { fw } = testFramework(testProfile([...base, { name: 'Gate' }]), [p], { nodes, clock });
    const pi = pod();
    const s = fw.runPermitPlugins(new CycleState(), pi, 'n0');
    assert.equal(s?.code, Code.Wait);
    const waiting = fw.waitOnPermit(pi);
    fw.getWaitingPod(pi.uid)!.allow('Gate');
    assert.equal(await waiting, null);
    assert.equal(fw.getWaitingPod(pi.uid), undefined);
  });
  await t.test('timeout', async () => {
    const clock = new FakeClock();
    const p = plugin('Gate', { permit: () => [new Status(Code.Wait), 1_500] });
    const { fw } = testFramework(testProfile([...base, { name: 'Gate' }]), [p], { nodes, clock });
    const pi = pod();
    fw.runPermitPlugins(new CycleState(), pi, 'n0');
    const waiting = fw.waitOnPermit(pi);
    await clock.advance(1_500);
    const s = await waiting;
    assert.equal(s?.code, Code.Unschedulable);
    assert.equal(s?.plugin, 'Gate');
    assert.equal(s?.message(), 'rejected due to timeout after waiting 1.5s at plugin Gate');
    assert.equal(clock.pending(), 0);
  });
  await t.test('rejection is returned at once', () => {
    const p = plugin('No', { permit: () => [new Status(Code.Unschedulable, ['denied']), 0] });
    const { fw } = testFramework(testProfile([...base, { name: 'No' }]), [p], { nodes });
    const s = fw.runPermitPlugins(new CycleState(), pod(), 'n0');
    assert.equal(s?.plugin, 'No');
    assert.equal(s?.message(), 'denied');
  });
});

test('PostFilter: first success wins; otherwise reasons are combined', () => {
  const a = plugin('A', { postFilter: () => ({ status: new Status(Code.Unschedulable, ['a says no']) }) });
  const b = plugin('B', { postFilter: () => ({ status: new Status(Code.Unschedulable, ['b says no']) }) });
  const ok = plugin('C', {
    postFilter: () => ({ result: { nominatingInfo: { mode: 'Override', nominatedNodeName: 'n1' } }, status: null }),
  });
  let r = testFramework(testProfile([...base, { name: 'A' }, { name: 'B' }]), [a, b], {
    nodes,
  }).fw.runPostFilterPlugins(new CycleState(), pod(), new NodeToStatus());
  assert.equal(r.status?.message(), 'a says no, b says no');
  assert.equal(r.status?.plugin, 'A');
  r = testFramework(testProfile([...base, { name: 'A' }, { name: 'C' }]), [a, ok], { nodes }).fw.runPostFilterPlugins(
    new CycleState(),
    pod(),
    new NodeToStatus(),
  );
  assert.equal(r.status, null);
  assert.equal(r.result?.nominatingInfo?.nominatedNodeName, 'n1');
});

test('Filter with nominated pods: equal-or-higher priority nominations count, lower ones do not', () => {
  const nominatedHigh = new PodInfo(makePod('nom-high', { req: { cpu: '3' }, priority: 10, nominatedNodeName: 'n0' }));
  const nominatedLow = new PodInfo(makePod('nom-low', { req: { cpu: '3' }, priority: 0, nominatedNodeName: 'n1' }));
  const profile = testProfile([...base, { name: 'NodeResourcesFit' }]);
  const { fw, snapshot } = testFramework(profile, [], { nodes, nominated: [nominatedHigh, nominatedLow] });
  const incoming = new PodInfo(makePod('p', { req: { cpu: '2' }, priority: 5 }));
  const state = new CycleState();
  fw.runPreFilterPlugins(state, incoming, snapshot.list());
  assert.deepEqual(fw.runFilterPluginsWithNominatedPods(state, incoming, snapshot.get('n0')!)?.reasons, [
    'Insufficient cpu',
  ]);
  assert.equal(fw.runFilterPluginsWithNominatedPods(state, incoming, snapshot.get('n1')!), null);
  assert.equal(snapshot.get('n0')!.pods.length, 0, 'the snapshot is not modified');
});

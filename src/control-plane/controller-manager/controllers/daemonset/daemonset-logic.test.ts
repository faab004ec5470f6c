import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import { FakeClock } from '../../../../lib/clock.js';
import { DaemonExpectations, FailedPodsBackoff } from './daemon-expectations.js';
import {
  computeDaemonSetCounts,
  groupPodsByNode,
  type NodeDecisionContext,
  podsShouldBeOnNode,
} from './daemon-pods.js';
import {
  createPodTemplate,
  getTargetNodeName,
  replaceDaemonSetPodNodeNameNodeAffinity,
  surgeCount,
  unavailableCount,
} from './daemonset-util.js';
import { planRollingUpdate } from './rolling-update.js';

const T0 = Date.UTC(2026, 0, 1);
const NEW = 'newhash';
const OLD = 'oldhash';

const nodes = (n: number): Node[] => Array.from({ length: n }, (_, i) => ({ metadata: { name: `n${i}` } }));

function ds(
  strategy: NonNullable<DaemonSet['spec']>['updateStrategy'] = {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  },
): DaemonSet {
  return {
    metadata: { name: 'd', namespace: 'ns', uid: 'ds-uid', generation: 2 },
    spec: {
      selector: { matchLabels: { app: 'd' } },
      updateStrategy: strategy,
      template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    },
    status: {
      observedGeneration: 1,
      currentNumberScheduled: 0,
      desiredNumberScheduled: 0,
      numberMisscheduled: 0,
      numberReady: 0,
    },
  };
}

let seq = 0;
/** A pod on `node` at `hash`; `state` = ready | pending | failed | succeeded | terminating. */
function pod(node: string, hash: string, state = 'ready', createdSec = seq++): Pod {
  const ready = state === 'ready' || state === 'terminating';
  const phase = {
    ready: 'Running',
    pending: 'Pending',
    failed: 'Failed',
    succeeded: 'Succeeded',
    terminating: 'Running',
  }[state];
  return {
    metadata: {
      name: `d-${node}-${hash}-${createdSec}`,
      namespace: 'ns',
      labels: { app: 'd', 'controller-revision-hash': hash },
      creationTimestamp: formatTime(T0 + createdSec * 1000),
      ...(state === 'terminating' ? { deletionTimestamp: formatTime(T0) } : {}),
    },
    spec: { containers: [], nodeName: node },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: formatTime(T0 - 60_000) }],
    },
  };
}

const byNode = (...pods: Pod[]) => groupPodsByNode(pods, false);

function decisionContext(clock = new FakeClock(T0)) {
  const events: string[] = [];
  const requeues: number[] = [];
  const c: NodeDecisionContext = {
    hash: NEW,
    now: clock.now(),
    backoff: new FailedPodsBackoff(),
    event: (type, reason, message) => events.push(`${type} ${reason} ${message}`),
    requeueAfter: (ms) => requeues.push(ms),
  };
  return { c, events, requeues };
}

test('createPodTemplate and the node pinning affinity', () => {
  const t = createPodTemplate(ds().spec!.template, 3, NEW);
  assert.deepEqual(t.metadata!.labels, { app: 'd', 'pod-template-generation': '3', 'controller-revision-hash': NEW });
  assert.equal(t.spec!.tolerations!.length, 6);
  const a = replaceDaemonSetPodNodeNameNodeAffinity(
    {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'x', operator: 'Exists' }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: {} }],
      },
    },
    'n7',
  );
  assert.deepEqual(a.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution, {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }],
  });
  assert.equal(a.nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution!.length, 1);
  assert.equal(getTargetNodeName({ spec: { containers: [], affinity: a } }), 'n7');
  assert.equal(getTargetNodeName({ spec: { containers: [], nodeName: 'n1', affinity: a } }), 'n1');
  assert.equal(getTargetNodeName({ spec: { containers: [] } }), undefined);
});

test('surge and unavailable budgets round percentages up', () => {
  const cases: [string | number, string | number, number, number, number][] = [
    [1, 0, 10, 1, 0],
    ['25%', 0, 10, 3, 0],
    [0, '10%', 15, 0, 2],
    [2, 0, 20, 2, 0],
  ];
  for (const [mu, ms, n, wantU, wantS] of cases) {
    const d = ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: mu, maxSurge: ms } });
    assert.deepEqual([unavailableCount(d, n), surgeCount(d, n)], [wantU, wantS], `${mu}/${ms} of ${n}`);
  }
  assert.deepEqual([unavailableCount(ds({ type: 'OnDelete' }), 5), surgeCount(ds({ type: 'OnDelete' }), 5)], [0, 0]);
});

test('podsShouldBeOnNode: create where missing, prune extras, replace failed pods with backoff', async () => {
  const clock = new FakeClock(T0);
  const { c, events, requeues } = decisionContext(clock);
  const d = ds();
  const [n0] = nodes(1);
  assert.deepEqual(podsShouldBeOnNode(n0!, byNode(), d, c), { nodesNeedingDaemonPods: ['n0'], podsToDelete: [] });

  const oldest = pod('n0', NEW, 'ready', 1);
  const dup = pod('n0', NEW, 'ready', 2);
  assert.deepEqual(podsShouldBeOnNode(n0!, byNode(dup, oldest), d, c).podsToDelete, [dup.metadata!.name]);

  const failed = pod('n0', NEW, 'failed');
  assert.deepEqual(podsShouldBeOnNode(n0!, byNode(failed), d, c).podsToDelete, [failed.metadata!.name]);
  assert.match(
    events[0]!,
    /^Warning FailedDaemonPod Found failed daemon pod ns\/d-n0-.* on node n0, will try to kill it$/,
  );
  // Again right away: backed off for 1 s, and a resync is asked for.
  assert.deepEqual(podsShouldBeOnNode(n0!, byNode(failed), d, c).podsToDelete, []);
  assert.deepEqual(requeues, [1000]);
  await clock.advance(1001);
  c.now = clock.now();
  assert.deepEqual(podsShouldBeOnNode(n0!, byNode(failed), d, c).podsToDelete, [failed.metadata!.name]);

  const succeeded = pod('n0', NEW, 'succeeded');
  assert.deepEqual(podsShouldBeOnNode(n0!, byNode(succeeded), d, c).podsToDelete, [succeeded.metadata!.name]);
  assert.match(events.at(-1)!, /^Normal SucceededDaemonPod /);

  // A node that must not run the daemon loses its pods.
  const tainted: Node = { metadata: { name: 'n0' }, spec: { taints: [{ key: 'k', effect: 'NoExecute' }] } };
  assert.deepEqual(podsShouldBeOnNode(tainted, byNode(oldest), d, c).podsToDelete, [oldest.metadata!.name]);
});

test('podsShouldBeOnNode with surge keeps the old pod until the new one is available', () => {
  const { c } = decisionContext();
  const d = ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  const [n0] = nodes(1);
  const old = pod('n0', OLD, 'ready', 1);
  const fresh = pod('n0', NEW, 'pending', 2);
  assert.deepEqual(podsShouldBeOnNode(n0!, byNode(old, fresh), d, c).podsToDelete, []);
  const freshReady = pod('n0', NEW, 'ready', 2);
  assert.deepEqual(podsShouldBeOnNode(n0!, byNode(old, freshReady), d, c).podsToDelete, [old.metadata!.name]);
});

test('computeDaemonSetCounts counts per node from the oldest pod', () => {
  const d = ds();
  d.spec!.template!.spec!.nodeSelector = { role: 'worker' };
  const ns: Node[] = [
    { metadata: { name: 'w0', labels: { role: 'worker' } } },
    { metadata: { name: 'w1', labels: { role: 'worker' } } },
    { metadata: { name: 'w2', labels: { role: 'worker' } } },
    { metadata: { name: 'm0', labels: { role: 'master' } } },
  ];
  const counts = computeDaemonSetCounts(
    d,
    ns,
    byNode(pod('w0', NEW, 'ready'), pod('w1', OLD, 'pending'), pod('m0', NEW, 'ready')),
    NEW,
    T0,
  );
  assert.deepEqual(counts, {
    desiredNumberScheduled: 3,
    currentNumberScheduled: 2,
    numberMisscheduled: 1,
    numberReady: 1,
    updatedNumberScheduled: 1,
    numberAvailable: 1,
    numberUnavailable: 2,
  });
});

test('planRollingUpdate without surge: unavailable old pods go first, then available ones within maxUnavailable', () => {
  const d = ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2, maxSurge: 0 } });
  const ns = nodes(5);
  const name = (p: Pod) => p.metadata!.name!;
  const oldReady = ['n0', 'n1', 'n2'].map((n) => pod(n, OLD));
  const oldBroken = pod('n3', OLD, 'pending');
  const updated = pod('n4', NEW);
  let plan = planRollingUpdate(d, ns, byNode(...oldReady, oldBroken, updated), NEW, T0);
  // The broken old pod is replaced regardless and uses one unit of the budget; one more old pod may go.
  assert.deepEqual(plan, { podsToDelete: [name(oldBroken), name(oldReady[0]!)], nodesNeedingDaemonPods: [] });

  // Two nodes already down (being replaced): nothing more goes.
  plan = planRollingUpdate(
    d,
    ns,
    byNode(oldReady[0]!, oldReady[1]!, pod('n2', OLD, 'terminating'), pod('n3', NEW, 'pending'), updated),
    NEW,
    T0,
  );
  assert.deepEqual(plan.podsToDelete, []);
  // A node without any pod counts as unavailable too.
  plan = planRollingUpdate(d, ns, byNode(oldReady[0]!, oldReady[1]!, oldReady[2]!, updated), NEW, T0);
  assert.deepEqual(plan.podsToDelete, [name(oldReady[0]!)]);
  // Everything updated: nothing to do.
  plan = planRollingUpdate(d, ns, byNode(...ns.map((n) => pod(n.metadata!.name!, NEW))), NEW, T0);
  assert.deepEqual(plan, { podsToDelete: [], nodesNeedingDaemonPods: [] });
});

test('planRollingUpdate with surge: new pods next to old ones, old ones deleted once the new are available', () => {
  const d = ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  const ns = nodes(3);
  const olds = ns.map((n) => pod(n.metadata!.name!, OLD));
  let plan = planRollingUpdate(d, ns, byNode(...olds), NEW, T0);
  assert.deepEqual(plan, { podsToDelete: [], nodesNeedingDaemonPods: ['n0'] });
  // The surge pod is not available yet: the budget is used.
  plan = planRollingUpdate(d, ns, byNode(...olds, pod('n0', NEW, 'pending')), NEW, T0);
  assert.deepEqual(plan, { podsToDelete: [], nodesNeedingDaemonPods: [] });
  // It is available: the old pod on n0 goes and the next node surges.
  plan = planRollingUpdate(d, ns, byNode(...olds, pod('n0', NEW, 'ready')), NEW, T0);
  assert.deepEqual(plan, { podsToDelete: [olds[0]!.metadata!.name], nodesNeedingDaemonPods: ['n1'] });
  // An unavailable old pod is surged past the budget.
  const broken = pod('n2', OLD, 'pending');
  plan = planRollingUpdate(d, ns, byNode(olds[0]!, olds[1]!, broken, pod('n0', NEW, 'pending')), NEW, T0);
  assert.deepEqual(plan.nodesNeedingDaemonPods, ['n2']);
});

test('DaemonExpectations and FailedPodsBackoff', async () => {
  const clock = new FakeClock(T0);
  const e = new DaemonExpectations(clock);
  assert.ok(e.satisfied('k'));
  e.set('k', 2, 1);
  assert.ok(!e.satisfied('k'));
  e.creationObserved('k');
  e.creationObserved('k');
  assert.ok(!e.satisfied('k'));
  e.deletionObserved('k');
  assert.ok(e.satisfied('k'));
  e.set('k', 1, 0);
  await clock.advance(5 * 60_000 + 1);
  assert.ok(e.satisfied('k'), 'expired');

  const b = new FailedPodsBackoff(1000, 8000);
  assert.ok(!b.isInBackOffSinceUpdate('x', 0));
  const delays: number[] = [];
  let t = 0;
  for (let i = 0; i < 5; i++) {
    b.next('x', t);
    delays.push(b.get('x'));
    assert.ok(b.isInBackOffSinceUpdate('x', t + b.get('x') - 1));
    assert.ok(!b.isInBackOffSinceUpdate('x', t + b.get('x')));
    t += b.get('x');
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000]);
  // Quiet for more than twice the maximum: starts over.
  b.next('x', t + 16_001);
  assert.equal(b.get('x'), 1000);
});

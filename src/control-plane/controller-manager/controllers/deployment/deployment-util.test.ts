import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  byRevision,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  maxRevision,
  maxUnavailable,
  newCondition,
  replicaSetProportion,
  resolveFenceposts,
  roundHalfAway,
  setCondition,
  setNewReplicaSetAnnotations,
} from './deployment-util.js';
import { findActiveOrLatest, newRSNewReplicas } from './deployment-sync.js';

function deploy(
  replicas: number,
  surge: number | string = '25%',
  unavailable: number | string = '25%',
  extra: Partial<Deployment> = {},
): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', generation: 1, annotations: {} },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {},
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
    },
    ...extra,
  };
}

function rs(
  name: string,
  replicas: number,
  opts: { rev?: string; created?: string; annotations?: Record<string, string>; available?: number } = {},
): ReplicaSet {
  const annotations: Record<string, string> = { ...opts.annotations };
  if (opts.rev !== undefined) annotations['deployment.kubernetes.io/revision'] = opts.rev;
  return {
    metadata: { name, namespace: 'default', creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z', annotations },
    spec: { replicas, selector: {} },
    status: { replicas, availableReplicas: opts.available ?? replicas },
  };
}

test('resolveFenceposts: surge rounds up, unavailable down, never both zero', () => {
  const cases: [number, number | string, number | string, number, number][] = [
    [10, '25%', '25%', 3, 2],
    [3, '25%', '25%', 1, 0],
    [1, '25%', '25%', 1, 0],
    [3, 1, 0, 1, 0],
    [3, 0, 0, 0, 1],
    [4, '0%', '10%', 0, 1],
    [10, '50%', 3, 5, 3],
  ];
  for (const [replicas, surge, unav, wantSurge, wantUnav] of cases) {
    assert.deepEqual(
      resolveFenceposts(deploy(replicas, surge, unav)),
      { surge: wantSurge, unavailable: wantUnav },
      `${replicas} ${surge} ${unav}`,
    );
  }
  assert.equal(maxUnavailable(deploy(2, 0, 5)), 2);
  assert.equal(maxUnavailable(deploy(0, 0, 5)), 0);
  assert.equal(maxUnavailable({ ...deploy(3), spec: { ...deploy(3).spec!, strategy: { type: 'Recreate' } } }), 0);
});

test('revisions: max ignores unparsable values; byRevision orders lowest first', () => {
  const list = [rs('a', 0, { rev: '3' }), rs('b', 0, { rev: 'x' }), rs('c', 0, { rev: '10' }), rs('d', 0)];
  assert.equal(maxRevision(list), 10);
  assert.deepEqual(
    [...list].sort(byRevision).map((r) => r.metadata!.name),
    ['b', 'd', 'a', 'c'],
  );
});

test('setNewReplicaSetAnnotations: copies annotations, bumps revision, keeps history on reuse', () => {
  const d = deploy(3);
  d.metadata!.annotations = {
    'kubernetes.io/change-cause': 'v2',
    'kubectl.kubernetes.io/last-applied-configuration': '{}',
    'deployment.kubernetes.io/revision': '9',
  };
  const fresh = rs('web-a', 0);
  assert.equal(setNewReplicaSetAnnotations(d, fresh, 1, false), true);
  assert.deepEqual(fresh.metadata!.annotations, {
    'kubernetes.io/change-cause': 'v2',
    'deployment.kubernetes.io/revision': '1',
    'deployment.kubernetes.io/desired-replicas': '3',
    'deployment.kubernetes.io/max-replicas': '4',
  });
  // A rollback reuses the revision-1 ReplicaSet as revision 3: history remembers 1.
  const reused = rs('web-a', 0, { rev: '1' });
  assert.equal(setNewReplicaSetAnnotations(d, reused, 3, true), true);
  assert.equal(reused.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
  assert.equal(reused.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(setNewReplicaSetAnnotations(d, reused, 5, true), true);
  assert.equal(reused.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1,3');
  // Nothing to do when already at the revision: no change reported.
  assert.equal(setNewReplicaSetAnnotations(d, reused, 5, true), false);
});

test('proportional scaling shares added replicas by size (upstream GetReplicaSetProportion)', () => {
  // 10 -> 20 replicas with surge 0: an RS sized 6 of max 10 gets 6*20/10-6 = 6 more.
  const d = deploy(20, 0, 1);
  const a = rs('a', 6, { annotations: { 'deployment.kubernetes.io/max-replicas': '10' } });
  assert.equal(replicaSetProportion(a, d, 10, 0), 6);
  assert.equal(replicaSetProportion(a, d, 10, 8), 2, 'capped by what is left to add');
  // Scaling to zero removes the whole RS.
  assert.equal(replicaSetProportion(a, deploy(0, 0, 1), -6, 0), -6);
  assert.equal(roundHalfAway(2.5), 3);
  assert.equal(roundHalfAway(-2.5), -3);
});

test('newRSNewReplicas honours maxSurge and the desired count', () => {
  const d = deploy(10, 3, 0);
  const newRS = rs('new', 2);
  assert.equal(newRSNewReplicas(d, [rs('old', 10), newRS], newRS), 3);
  assert.equal(newRSNewReplicas(d, [rs('old', 11), newRS], newRS), 2);
  assert.equal(newRSNewReplicas(d, [rs('old', 0), newRS], newRS), 10);
  assert.equal(newRSNewReplicas({ ...d, spec: { ...d.spec!, strategy: { type: 'Recreate' } } }, [newRS], newRS), 10);
});

test('findActiveOrLatest: the single active RS, else the newest', () => {
  const older = rs('older', 0, { created: '2026-01-01T00:00:00Z' });
  const newer = rs('newer', 0, { created: '2026-01-02T00:00:00Z' });
  assert.equal(findActiveOrLatest(undefined, [older, newer])?.metadata?.name, 'newer');
  assert.equal(findActiveOrLatest(rs('n', 0), [older])?.metadata?.name, 'n');
  assert.equal(findActiveOrLatest(rs('n', 1), [older])?.metadata?.name, 'n');
  assert.equal(findActiveOrLatest(rs('n', 1), [rs('o', 1)]), undefined);
});

test('conditions keep lastTransitionTime while status holds; same reason is a no-op', () => {
  const s: DeploymentStatus = {};
  setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'a', 't1'));
  setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'b', 't2'));
  assert.equal(s.conditions![0]!.message, 'a');
  setCondition(s, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'c', 't3'));
  assert.deepEqual(s.conditions![0], {
    type: 'Progressing',
    status: 'True',
    reason: 'ReplicaSetUpdated',
    message: 'c',
    lastUpdateTime: 't3',
    lastTransitionTime: 't1',
  });
  setCondition(s, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', 'd', 't4'));
  assert.equal(s.conditions![0]!.lastTransitionTime, 't4');
});

test('complete / progressing / timed out', () => {
  const d = deploy(3);
  d.status = { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 };
  assert.equal(
    deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }),
    true,
  );
  assert.equal(
    deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 0 }),
    false,
  );
  assert.equal(
    deploymentProgressing(d, { replicas: 4, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }),
    true,
  );
  assert.equal(
    deploymentProgressing(d, { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }),
    false,
  );
  const stale = { conditions: [newCondition('Progressing', 'True', 'ReplicaSetUpdated', '', '2026-01-01T00:00:00Z')] };
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(deploymentTimedOut(d, stale, t0 + 600_000), false);
  assert.equal(deploymentTimedOut(d, stale, t0 + 601_000), true);
  const done = {
    conditions: [newCondition('Progressing', 'True', 'NewReplicaSetAvailable', '', '2026-01-01T00:00:00Z')],
  };
  assert.equal(deploymentTimedOut(d, done, t0 + 10_000_000), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { calculateStatus, type ReplicaCondition, type ReplicaOwner } from './replica-status.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const owner = (replicas: number, minReadySeconds = 0, conditions?: ReplicaCondition[]): ReplicaOwner => ({
  metadata: { name: 'rs', namespace: 'default', generation: 2 },
  spec: { replicas, minReadySeconds, template: { metadata: { labels: { app: 'web', tier: 'fe' } } } },
  status: { replicas: 0, conditions },
});
const pod = (labels: Record<string, string>, readySecondsAgo?: number): Pod => ({
  metadata: { labels },
  status: {
    conditions:
      readySecondsAgo === undefined
        ? []
        : [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(now - readySecondsAgo * 1000).toISOString() }],
  },
});

test('counts replicas, fully labeled, ready and available (minReadySeconds)', () => {
  const pods = [pod({ app: 'web', tier: 'fe' }, 60), pod({ app: 'web' }, 2), pod({ app: 'web', tier: 'fe' })];
  const s = calculateStatus(owner(3, 10), pods, undefined, now);
  assert.deepEqual(
    { r: s.replicas, f: s.fullyLabeledReplicas, ready: s.readyReplicas, a: s.availableReplicas },
    { r: 3, f: 2, ready: 2, a: 1 },
  );
  assert.equal(s.conditions, undefined);
});

test('ReplicaFailure is set on a create/delete error and cleared once syncs succeed', () => {
  const failed = calculateStatus(
    owner(3),
    [pod({ app: 'web' })],
    new Error('pods "x" is forbidden: exceeded quota'),
    now,
  );
  assert.equal(failed.conditions?.length, 1);
  assert.deepEqual(
    { ...failed.conditions![0], lastTransitionTime: undefined },
    {
      type: 'ReplicaFailure',
      status: 'True',
      reason: 'FailedCreate',
      message: 'pods "x" is forbidden: exceeded quota',
      lastTransitionTime: undefined,
    },
  );
  const tooMany = calculateStatus(owner(0), [pod({ app: 'web' })], new Error('boom'), now);
  assert.equal(tooMany.conditions![0]!.reason, 'FailedDelete');
  const cleared = calculateStatus(owner(3, 0, failed.conditions), [], undefined, now);
  assert.equal(cleared.conditions, undefined);
});

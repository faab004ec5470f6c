import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodAvailable, podsToDelete } from './pod-ranking.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function pod(
  name: string,
  o: { node?: string; phase?: string; readySince?: number; restarts?: number; created?: number; cost?: string } = {},
): Pod {
  return {
    metadata: {
      name,
      uid: name,
      creationTimestamp: ago(o.created ?? 1000),
      annotations: o.cost ? { 'controller.kubernetes.io/pod-deletion-cost': o.cost } : undefined,
    },
    spec: { containers: [], nodeName: o.node },
    status: {
      phase: o.phase ?? 'Running',
      conditions:
        o.readySince !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: ago(o.readySince) }] : [],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: o.restarts ?? 0 }],
    },
  };
}

test('deletion ranking follows upstream ActivePodsWithRanks', () => {
  const cases: [string, Pod[], Pod[], string][] = [
    [
      'unscheduled before scheduled',
      [pod('sched', { node: 'n1', phase: 'Pending' }), pod('unsched', { phase: 'Pending' })],
      [],
      'unsched',
    ],
    [
      'pending before running',
      [pod('run', { node: 'n1', readySince: 100 }), pod('pend', { node: 'n2', phase: 'Pending' })],
      [],
      'pend',
    ],
    [
      'not ready before ready',
      [pod('ready', { node: 'n1', readySince: 100 }), pod('notready', { node: 'n2' })],
      [],
      'notready',
    ],
    [
      'lower deletion cost first',
      [pod('hi', { node: 'n1', readySince: 100, cost: '10' }), pod('lo', { node: 'n2', readySince: 100, cost: '-5' })],
      [],
      'lo',
    ],
    [
      'doubled-up node first',
      [pod('alone', { node: 'n1', readySince: 100 }), pod('crowded', { node: 'n2', readySince: 100 })],
      [pod('x', { node: 'n2' }), pod('y', { node: 'n2' })],
      'crowded',
    ],
    [
      'more recently ready first (log scale)',
      [pod('old', { node: 'n1', readySince: 5000 }), pod('new', { node: 'n2', readySince: 10 })],
      [],
      'new',
    ],
    [
      'more restarts first',
      [
        pod('calm', { node: 'n1', readySince: 100, restarts: 0 }),
        pod('flappy', { node: 'n2', readySince: 100, restarts: 3 }),
      ],
      [],
      'flappy',
    ],
    [
      'newer first',
      [pod('older', { node: 'n1', created: 5000 }), pod('newer', { node: 'n2', created: 10 })],
      [],
      'newer',
    ],
  ];
  for (const [what, pods, related, want] of cases) {
    assert.equal(podsToDelete(pods, [...pods, ...related], 1, now)[0]!.metadata!.name, want, what);
  }
  // Deleting everything needs no ranking.
  assert.equal(podsToDelete([pod('a'), pod('b')], [], 5, now).length, 2);
});

test('activity and availability', () => {
  assert.equal(isPodActive(pod('a')), true);
  assert.equal(isPodActive(pod('a', { phase: 'Succeeded' })), false);
  assert.equal(isPodActive({ ...pod('a'), metadata: { deletionTimestamp: ago(1) } }), false);
  assert.equal(isPodAvailable(pod('a', { readySince: 10 }), 0, now), true);
  assert.equal(isPodAvailable(pod('a', { readySince: 10 }), 10, now), false);
  assert.equal(isPodAvailable(pod('a', { readySince: 11 }), 10, now), true);
  assert.equal(isPodAvailable(pod('a'), 0, now), false);
});

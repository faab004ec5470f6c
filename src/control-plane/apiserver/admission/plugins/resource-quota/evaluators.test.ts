import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { objectCountName, quotaMatches, usageOf } from './evaluators.js';
import { podQOSClass } from './scopes.js';
import { formatResourceList } from '../resource-list.js';

const pods = { group: '', resource: 'pods' };

test('pod usage: requests, limits, sidecars, overhead, hugepages and extended resources', () => {
  const pod: Pod = {
    metadata: { name: 'p' },
    spec: {
      overhead: { cpu: '100m', memory: '10Mi' },
      initContainers: [{ name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } }],
      containers: [
        {
          name: 'app',
          resources: {
            requests: {
              cpu: '1',
              memory: '1Gi',
              'hugepages-2Mi': '4Mi',
              'example.com/gpu': '2',
              'ephemeral-storage': '1Gi',
            },
            limits: { cpu: '2', memory: '1Gi', 'example.com/gpu': '2' },
          },
        },
      ],
    },
  };
  assert.deepEqual(formatResourceList(usageOf(pods, pod)), {
    'count/pods': '1',
    cpu: '1300m',
    'ephemeral-storage': '1Gi',
    'hugepages-2Mi': '4Mi',
    'limits.cpu': '2100m',
    'limits.memory': '1034Mi',
    memory: '1034Mi',
    pods: '1',
    'requests.cpu': '1300m',
    'requests.ephemeral-storage': '1Gi',
    'requests.example.com/gpu': '2',
    'requests.hugepages-2Mi': '4Mi',
    'requests.memory': '1034Mi',
  });
});

test('terminal and long-deleted pods only count as objects', () => {
  const now = Date.UTC(2026, 0, 1, 0, 10);
  const cases: [Partial<Pod>, boolean][] = [
    [{ status: { phase: 'Succeeded' } }, false],
    [{ status: { phase: 'Failed' } }, false],
    [{ status: { phase: 'Running' } }, true],
    [{ metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } }, false],
    [{ metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:09:50Z', deletionGracePeriodSeconds: 30 } }, true],
  ];
  for (const [extra, charged] of cases) {
    const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] }, ...extra };
    const u = formatResourceList(usageOf(pods, pod, { now }));
    assert.equal('pods' in u, charged, JSON.stringify(extra));
    assert.equal(u['count/pods'], '1');
  }
});

test('object count names and quota matching by status.hard', () => {
  assert.equal(objectCountName({ group: 'apps', resource: 'deployments' }), 'count/deployments.apps');
  assert.equal(objectCountName({ group: '', resource: 'secrets' }), 'count/secrets');
  const quota: ResourceQuota = { spec: { hard: { pods: '1' } }, status: { hard: { 'count/secrets': '1' } } };
  assert.equal(quotaMatches(quota, { group: '', resource: 'secrets' }, { metadata: {} }), true);
  assert.equal(quotaMatches(quota, pods, { spec: { containers: [] } }), false);
});

test('QoS classes from cpu and memory of every container', () => {
  const qos = (containers: NonNullable<Pod['spec']>['containers']) => podQOSClass({ spec: { containers } });
  assert.equal(qos([{ name: 'a' }]), 'BestEffort');
  assert.equal(qos([{ name: 'a', resources: { requests: { cpu: '1' } } }]), 'Burstable');
  assert.equal(
    qos([{ name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }]),
    'Guaranteed',
  );
  assert.equal(
    qos([{ name: 'a', resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }]),
    'Burstable',
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../../api/quantity/quantity.js';
import { formatTime } from '../../../../api/values/time.js';
import { calculateUsage, evaluatorsFor, quotaStatus } from './calculate-usage.js';
import { groupResourceOfCountName, type GroupResource } from './evaluators.js';
import { formatResourceList } from './resource-list.js';

const now = Date.UTC(2026, 0, 1, 12);

function pod(
  name: string,
  o: { cpu?: string; mem?: string; limCpu?: string; phase?: string; deadline?: number; pc?: string; qos?: string } = {},
): Pod {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.mem) requests.memory = o.mem;
  if (o.limCpu) limits.cpu = o.limCpu;
  return {
    metadata: { name, namespace: 'ns' },
    spec: {
      containers: [{ name: 'c', image: 'i', resources: { requests, limits } }],
      ...(o.deadline !== undefined ? { activeDeadlineSeconds: o.deadline } : {}),
      ...(o.pc ? { priorityClassName: o.pc } : {}),
    },
    status: { phase: o.phase ?? 'Running', ...(o.qos ? { qosClass: o.qos } : {}) },
  };
}

function quota(hard: Record<string, string>, spec: Partial<NonNullable<ResourceQuota['spec']>> = {}): ResourceQuota {
  return { metadata: { name: 'q', namespace: 'ns' }, spec: { hard, ...spec } };
}

function lister(objects: Record<string, unknown[]>) {
  return (gr: GroupResource, ns: string) => (ns === 'ns' ? objects[`${gr.group}/${gr.resource}`] : undefined);
}

const used = (q: ResourceQuota, objects: Record<string, unknown[]>) =>
  formatResourceList(calculateUsage(q, lister(objects), now).used);

test('pods: count, compute requests/limits; finished pods only count in count/pods', () => {
  const pods = [
    pod('a', { cpu: '100m', mem: '64Mi', limCpu: '200m' }),
    pod('b', { cpu: '250m', mem: '64Mi' }),
    pod('done', { cpu: '1', mem: '1Gi', phase: 'Succeeded' }),
  ];
  assert.deepEqual(
    used(
      quota({
        pods: '10',
        'count/pods': '10',
        'requests.cpu': '2',
        cpu: '2',
        'requests.memory': '1Gi',
        'limits.cpu': '4',
        'limits.memory': '4Gi',
      }),
      { '/pods': pods },
    ),
    {
      'count/pods': '3',
      cpu: '350m',
      'limits.cpu': '200m',
      // Tracked but unused names are reported as 0 (admission needs every tracked name present).
      'limits.memory': '0',
      pods: '2',
      'requests.cpu': '350m',
      'requests.memory': '128Mi',
    },
  );
});

test('scopes select pods: BestEffort, NotBestEffort, Terminating, NotTerminating, PriorityClass selector', () => {
  const pods = [
    pod('be', { qos: 'BestEffort' }),
    pod('burst', { cpu: '100m' }),
    pod('job', { cpu: '100m', deadline: 30 }),
    pod('hi', { cpu: '100m', pc: 'high' }),
  ];
  const objects = { '/pods': pods };
  const cases: [string, Partial<NonNullable<ResourceQuota['spec']>>, string][] = [
    ['BestEffort', { scopes: ['BestEffort'] }, '1'],
    ['NotBestEffort', { scopes: ['NotBestEffort'] }, '3'],
    ['Terminating', { scopes: ['Terminating'] }, '1'],
    ['NotTerminating+NotBestEffort', { scopes: ['NotTerminating', 'NotBestEffort'] }, '2'],
    [
      'PriorityClass In',
      { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } },
      '1',
    ],
    [
      'PriorityClass Exists',
      { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'Exists' }] } },
      '1',
    ],
    [
      'PriorityClass NotIn',
      { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'NotIn', values: ['high'] }] } },
      '3',
    ],
    [
      // Pods without a class have no PriorityClass key at all.
      'PriorityClass DoesNotExist',
      { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'DoesNotExist' }] } },
      '3',
    ],
  ];
  for (const [name, spec, want] of cases) {
    assert.equal(used(quota({ pods: '10' }, spec), objects).pods, want, name);
  }
  // Object counts never match a scoped quota.
  assert.deepEqual(used(quota({ configmaps: '5' }, { scopes: ['BestEffort'] }), { '/configmaps': [{}] }), {
    configmaps: '0',
  });
});

test('services, claims, legacy names and count/<resource>.<group>', () => {
  const objects = {
    '/services': [
      { spec: { type: 'ClusterIP', ports: [{ port: 80 }] } },
      { spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } },
      { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
    ],
    '/persistentvolumeclaims': [
      { spec: { storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } } },
      { spec: { resources: { requests: { storage: '2Gi' } } }, status: { allocatedResources: { storage: '3Gi' } } },
    ],
    '/configmaps': [{}, {}],
    'apps/deployments': [{}],
  };
  assert.deepEqual(
    used(
      quota({
        services: '10',
        'services.nodeports': '10',
        'services.loadbalancers': '1',
        persistentvolumeclaims: '5',
        'requests.storage': '10Gi',
        'fast.storageclass.storage.k8s.io/requests.storage': '5Gi',
        configmaps: '10',
        'count/configmaps': '10',
        'count/deployments.apps': '2',
        'count/widgets.example.com': '1',
      }),
      objects,
    ),
    {
      'count/configmaps': '2',
      'count/deployments.apps': '1',
      configmaps: '2',
      'fast.storageclass.storage.k8s.io/requests.storage': '1Gi',
      persistentvolumeclaims: '2',
      'requests.storage': '4Gi',
      services: '3',
      'services.loadbalancers': '1',
      'services.nodeports': '3',
    },
  );
  const unwatched = calculateUsage(quota({ 'count/widgets.example.com': '1' }), lister(objects), now);
  assert.deepEqual(unwatched.unknown, ['count/widgets.example.com']);
  assert.deepEqual(groupResourceOfCountName('count/deployments.apps'), { group: 'apps', resource: 'deployments' });
  assert.deepEqual(groupResourceOfCountName('count/pods'), { group: '', resource: 'pods' });
  assert.equal(groupResourceOfCountName('pods'), undefined);
  assert.deepEqual(
    evaluatorsFor(['count/foo.example.com', 'pods']).map((e) => `${e.groupResource.group}/${e.groupResource.resource}`),
    ['/pods', 'example.com/foo'],
  );
});

test('a pod past its deletion grace period stops using compute quota', () => {
  const base = pod('going', { cpu: '1' });
  const p: Pod = {
    ...base,
    metadata: { ...base.metadata, deletionTimestamp: formatTime(now - 60_000), deletionGracePeriodSeconds: 30 },
  };
  const within: Pod = { ...p, metadata: { ...p.metadata, deletionGracePeriodSeconds: 120 } };
  assert.deepEqual(used(quota({ pods: '5', 'requests.cpu': '5' }), { '/pods': [within] }), {
    pods: '1',
    'requests.cpu': '1',
  });
  assert.deepEqual(used(quota({ pods: '5', 'requests.cpu': '5' }), { '/pods': [p] }), {
    pods: '0',
    'requests.cpu': '0',
  });
});

test('quotaStatus mirrors spec.hard, keeps unknown usage, writes only on change', () => {
  const q = quota({ pods: '2', 'count/widgets.example.com': '1' });
  const first = quotaStatus(q, calculateUsage(q, lister({ '/pods': [pod('a')] }), now).used);
  assert.deepEqual(first, { hard: { 'count/widgets.example.com': '1', pods: '2' }, used: { pods: '1' } });
  const synced: ResourceQuota = { ...q, status: first };
  assert.equal(quotaStatus(synced, { pods: Quantity.parse('1') }), undefined);
  // Usage the recount cannot see is kept; usage of names no longer hard is dropped.
  const prev: ResourceQuota = {
    ...q,
    status: { hard: first!.hard, used: { pods: '1', 'count/widgets.example.com': '1', secrets: '3' } },
  };
  assert.deepEqual(quotaStatus(prev, { pods: Quantity.parse('0') }), {
    hard: { 'count/widgets.example.com': '1', pods: '2' },
    used: { 'count/widgets.example.com': '1', pods: '0' },
  });
  // A changed spec.hard is copied to status.hard.
  const raised: ResourceQuota = { ...synced, spec: { hard: { pods: '3' } } };
  assert.deepEqual(quotaStatus(raised, { pods: Quantity.parse('1') }), { hard: { pods: '3' }, used: { pods: '1' } });
});

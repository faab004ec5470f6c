import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import { formatHPAMetrics, horizontalPodAutoscalerPrinter, scalePrinter } from './autoscaling.js';
import { ago, columnNames, MINUTE, rowOf } from './testing.js';

const cpu = (target: number | undefined, averageValue?: string): MetricSpec => ({
  type: 'Resource',
  resource: {
    name: 'cpu',
    target: {
      type: averageValue ? 'AverageValue' : 'Utilization',
      ...(target != null ? { averageUtilization: target } : {}),
      ...(averageValue ? { averageValue } : {}),
    },
  },
});
const cpuNow = (current: number): MetricStatus => ({
  type: 'Resource',
  resource: { name: 'cpu', current: { averageUtilization: current, averageValue: '120m' } },
});

test('HPA targets for each metric type', () => {
  const cases: { name: string; specs: MetricSpec[]; statuses: MetricStatus[]; want: string }[] = [
    { name: 'no metrics', specs: [], statuses: [], want: '<none>' },
    { name: 'cpu not yet measured', specs: [cpu(80)], statuses: [], want: 'cpu: <unknown>/80%' },
    { name: 'cpu measured', specs: [cpu(80)], statuses: [cpuNow(40)], want: 'cpu: 40%/80%' },
    { name: 'cpu without a target', specs: [cpu(undefined)], statuses: [cpuNow(40)], want: 'cpu: 40%/<auto>' },
    { name: 'cpu average value', specs: [cpu(undefined, '500m')], statuses: [cpuNow(40)], want: 'cpu: 120m/500m' },
    {
      name: 'container resource',
      specs: [
        {
          type: 'ContainerResource',
          containerResource: {
            name: 'memory',
            container: 'app',
            target: { type: 'Utilization', averageUtilization: 60 },
          },
        },
      ],
      statuses: [
        {
          type: 'ContainerResource',
          containerResource: { name: 'memory', container: 'app', current: { averageUtilization: 75 } },
        },
      ],
      want: 'memory: 75%/60%',
    },
    {
      name: 'pods metric',
      specs: [
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      ],
      statuses: [{ type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '7500m' } } }],
      want: '7500m/10',
    },
    {
      name: 'object metric, value and average',
      specs: [
        {
          type: 'Object',
          object: {
            metric: { name: 'hits' },
            describedObject: { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' },
            target: { type: 'Value', value: '2k' },
          },
        },
        {
          type: 'External',
          external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } },
        },
      ],
      statuses: [
        {
          type: 'Object',
          object: {
            metric: { name: 'hits' },
            describedObject: { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' },
            current: { value: '1500' },
          },
        },
      ],
      want: '1500/2k, <unknown>/30 (avg)',
    },
    {
      name: 'external value with a status lacking the value',
      specs: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '5' } } }],
      statuses: [{ type: 'External', external: { metric: { name: 'q' }, current: {} } }],
      want: '<nil>/5',
    },
    {
      name: 'more than two',
      specs: [cpu(80), cpu(70), cpu(60), { type: 'Bogus' }],
      statuses: [cpuNow(10)],
      want: 'cpu: 10%/80%, cpu: <unknown>/70% + 2 more...',
    },
    { name: 'unknown type', specs: [{ type: 'Bogus' }], statuses: [], want: '<unknown type>' },
  ];
  for (const c of cases) assert.equal(formatHPAMetrics(c.specs, c.statuses), c.want, c.name);
});

test('HPA rows for autoscaling/v2 and autoscaling/v1 objects', () => {
  assert.deepEqual(columnNames(horizontalPodAutoscalerPrinter), [
    'Name',
    'Reference',
    'Targets',
    'MinPods',
    'MaxPods',
    'Replicas',
    'Age',
  ]);
  const v2 = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', creationTimestamp: ago(7 * MINUTE) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [cpu(80)],
    },
    status: { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [cpuNow(55)] },
  };
  assert.deepEqual(rowOf(horizontalPodAutoscalerPrinter, v2), {
    Name: 'web',
    Reference: 'Deployment/web',
    Targets: 'cpu: 55%/80%',
    MinPods: '2',
    MaxPods: 10,
    Replicas: 3,
    Age: '7m',
  });
  const v1 = rowOf(horizontalPodAutoscalerPrinter, {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', creationTimestamp: ago(7 * MINUTE) },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
    status: { currentReplicas: 1, desiredReplicas: 1 },
  });
  assert.deepEqual([v1.Targets, v1.MinPods, v1.MaxPods, v1.Replicas], ['cpu: <unknown>/80%', '<unset>', 5, 1]);
  const v1Measured = rowOf(horizontalPodAutoscalerPrinter, {
    apiVersion: 'autoscaling/v1',
    metadata: { name: 'web' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 12 },
  });
  assert.equal(v1Measured.Targets, 'cpu: 12%/50%');
});

test('scale subresource', () => {
  assert.equal(scalePrinter.columns[0]!.format, '');
  assert.deepEqual(
    rowOf(scalePrinter, {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web', creationTimestamp: ago(MINUTE) },
      spec: { replicas: 3 },
      status: { replicas: 2, selector: 'app=web' },
    }),
    { Name: 'web', Desired: 3, Available: 2, Age: '60s' },
  );
});

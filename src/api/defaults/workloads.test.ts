import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from './apply-defaults.js';

const tpl = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'a:1' }] } };
const defaultedTpl = {
  metadata: { labels: { app: 'a' }, creationTimestamp: null },
  spec: {
    containers: [
      {
        name: 'c',
        image: 'a:1',
        imagePullPolicy: 'IfNotPresent',
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
  },
};

function defaulted(group: string, obj: any, version?: string): any {
  const copy = structuredClone(obj);
  applyDefaults(group, copy.kind, copy, version);
  const again = structuredClone(copy);
  applyDefaults(group, again.kind, again, version);
  assert.deepEqual(again, copy, `${copy.kind} defaulting is idempotent`);
  return copy;
}

test('StatefulSet', () => {
  const sts = defaulted('apps', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'a' } },
      template: tpl,
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  });
  assert.deepEqual(sts.spec, {
    serviceName: 'db',
    selector: { matchLabels: { app: 'a' } },
    template: defaultedTpl,
    replicas: 1,
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    revisionHistoryLimit: 10,
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    volumeClaimTemplates: [
      {
        metadata: { name: 'data', creationTimestamp: null },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      },
    ],
  });
  assert.deepEqual(sts.status, { replicas: 0, availableReplicas: 0 });
  const onDelete = defaulted('apps', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    spec: {
      template: tpl,
      updateStrategy: { type: 'OnDelete' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' },
    },
  });
  assert.deepEqual(onDelete.spec.updateStrategy, { type: 'OnDelete' });
  assert.deepEqual(onDelete.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Delete', whenScaled: 'Retain' });
  const explicitRolling = defaulted('apps', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    spec: { updateStrategy: { type: 'RollingUpdate' } },
  });
  assert.deepEqual(explicitRolling.spec.updateStrategy, { type: 'RollingUpdate' });
});

test('DaemonSet', () => {
  const ds = defaulted('apps', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    spec: { selector: { matchLabels: { app: 'a' } }, template: tpl },
  });
  assert.deepEqual(ds.spec, {
    selector: { matchLabels: { app: 'a' } },
    template: defaultedTpl,
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    revisionHistoryLimit: 10,
  });
  assert.deepEqual(ds.status, {
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    desiredNumberScheduled: 0,
    numberReady: 0,
  });
  const onDelete = defaulted('apps', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    spec: { updateStrategy: { type: 'OnDelete' }, revisionHistoryLimit: 2 },
  });
  assert.deepEqual(onDelete.spec.updateStrategy, { type: 'OnDelete' });
  assert.equal(onDelete.spec.revisionHistoryLimit, 2);
});

test('ReplicaSet and Deployment keep explicit values', () => {
  const rs = defaulted('apps', { apiVersion: 'apps/v1', kind: 'ReplicaSet', spec: { replicas: 0, template: tpl } });
  assert.equal(rs.spec.replicas, 0);
  assert.deepEqual(rs.spec.template, defaultedTpl);
  assert.deepEqual(rs.status, { replicas: 0 });
  const recreate = defaulted('apps', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: { strategy: { type: 'Recreate' }, template: tpl },
  });
  assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' });
  const partial = defaulted('apps', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: { strategy: { rollingUpdate: { maxSurge: 1 } }, revisionHistoryLimit: 0, progressDeadlineSeconds: 30 },
  });
  assert.deepEqual(partial.spec.strategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' },
  });
  assert.equal(partial.spec.revisionHistoryLimit, 0);
  assert.equal(partial.spec.progressDeadlineSeconds, 30);
});

test('ReplicationController copies template labels to selector and labels', () => {
  const rc = defaulted('', {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'rc' },
    spec: { template: tpl },
  });
  assert.deepEqual(rc.spec.selector, { app: 'a' });
  assert.deepEqual(rc.metadata.labels, { app: 'a' });
  assert.equal(rc.spec.replicas, 1);
  assert.deepEqual(rc.spec.template, defaultedTpl);
  assert.deepEqual(rc.status, { replicas: 0 });
  // The copies do not alias the template's map.
  rc.spec.selector.extra = 'x';
  assert.deepEqual(rc.spec.template.metadata.labels, { app: 'a' });
  const kept = defaulted('', {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { labels: { own: 'y' } },
    spec: { selector: { app: 'a', tier: 'x' }, template: tpl, replicas: 3 },
  });
  assert.deepEqual(kept.spec.selector, { app: 'a', tier: 'x' });
  assert.deepEqual(kept.metadata.labels, { own: 'y' });
  assert.equal(kept.spec.replicas, 3);
});

test('Job variants', () => {
  const job = (spec: object) =>
    defaulted('batch', { apiVersion: 'batch/v1', kind: 'Job', metadata: {}, spec: { template: tpl, ...spec } });
  const parallel = job({ parallelism: 3 });
  assert.equal(parallel.spec.completions, undefined);
  assert.equal(parallel.spec.parallelism, 3);
  const completions = job({ completions: 5 });
  assert.equal(completions.spec.completions, 5);
  assert.equal(completions.spec.parallelism, 1);
  assert.deepEqual(completions.metadata.labels, { app: 'a' });
  const perIndex = job({ completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 });
  assert.equal(perIndex.spec.backoffLimit, 2147483647);
  assert.equal(perIndex.spec.completionMode, 'Indexed');
  const withPolicy = job({
    podFailurePolicy: {
      rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }, { type: 'X', status: 'False' }] }],
    },
  });
  assert.equal(withPolicy.spec.podReplacementPolicy, 'Failed');
  assert.deepEqual(withPolicy.spec.podFailurePolicy.rules[0].onPodConditions, [
    { type: 'DisruptionTarget', status: 'True' },
    { type: 'X', status: 'False' },
  ]);
  const manual = job({ manualSelector: true, suspend: true, backoffLimit: 0 });
  assert.equal(manual.spec.manualSelector, true);
  assert.equal(manual.spec.suspend, true);
  assert.equal(manual.spec.backoffLimit, 0);
});

test('CronJob job templates get type-level defaults only', () => {
  const cj = defaulted('batch', {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    spec: {
      schedule: '@hourly',
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: { template: tpl, podFailurePolicy: { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'T' }] }] } },
      },
    },
  });
  assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
  assert.deepEqual(cj.spec.jobTemplate, {
    metadata: { creationTimestamp: null },
    spec: {
      template: defaultedTpl,
      podFailurePolicy: { rules: [{ action: 'FailJob', onPodConditions: [{ type: 'T', status: 'True' }] }] },
    },
  });
});

test('HorizontalPodAutoscaler v2 and v1', () => {
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
  const v2 = defaulted('autoscaling', {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    spec: { scaleTargetRef: ref, maxReplicas: 5 },
  });
  assert.deepEqual(v2.spec, {
    scaleTargetRef: ref,
    maxReplicas: 5,
    minReplicas: 1,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
  });
  assert.deepEqual(v2.status, { currentMetrics: null, desiredReplicas: 0 });
  const withBehavior = defaulted('autoscaling', {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    spec: {
      scaleTargetRef: ref,
      maxReplicas: 5,
      metrics: [
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
    },
  });
  assert.equal(withBehavior.spec.metrics.length, 1);
  assert.deepEqual(withBehavior.spec.behavior, {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: 60,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  });
  const v1 = defaulted('autoscaling', {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    spec: { scaleTargetRef: ref, maxReplicas: 3 },
  });
  assert.deepEqual(v1.spec, {
    scaleTargetRef: ref,
    maxReplicas: 3,
    minReplicas: 1,
    targetCPUUtilizationPercentage: 80,
  });
  assert.deepEqual(v1.status, { currentReplicas: 0, desiredReplicas: 0 });
  // The explicit version argument wins over apiVersion.
  const forced = defaulted(
    'autoscaling',
    { kind: 'HorizontalPodAutoscaler', spec: { maxReplicas: 3, minReplicas: 2 } },
    'v1',
  );
  assert.deepEqual(forced.spec, { maxReplicas: 3, minReplicas: 2, targetCPUUtilizationPercentage: 80 });
  const annotated = defaulted('autoscaling', {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { annotations: { 'autoscaling.alpha.kubernetes.io/metrics': '[]' } },
    spec: { maxReplicas: 3 },
  });
  assert.equal(annotated.spec.targetCPUUtilizationPercentage, undefined);
});

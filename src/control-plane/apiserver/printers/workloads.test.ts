import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  controllerRevisionPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.js';
import { ago, columnNames, DAY, MINUTE, rowOf } from './testing.js';

const template = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'app', image: 'web:1.2' },
      { name: 'log', image: 'fluent:3' },
    ],
    nodeSelector: { 'kubernetes.io/os': 'linux', disk: 'ssd' },
  },
};
const meta = (name: string) => ({ name, namespace: 'default', creationTimestamp: ago(5 * MINUTE) });

test('deployment: READY ready/desired, wide containers, images and selector', () => {
  assert.deepEqual(columnNames(deploymentPrinter), [
    'Name',
    'Ready',
    'Up-to-date',
    'Available',
    'Age',
    'Containers*',
    'Images*',
    'Selector*',
  ]);
  const d = {
    metadata: meta('web'),
    spec: {
      replicas: 3,
      selector: {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }],
      },
      template,
    },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  assert.deepEqual(rowOf(deploymentPrinter, d), {
    Name: 'web',
    Ready: '2/3',
    'Up-to-date': 3,
    Available: 2,
    Age: '5m',
    Containers: 'app,log',
    Images: 'web:1.2,fluent:3',
    Selector: 'app=web,tier in (be,fe)',
  });
  // A new deployment without status; a selector that does not convert prints <invalid>.
  const fresh = rowOf(deploymentPrinter, { metadata: meta('new'), spec: { template, selector: {} } });
  assert.deepEqual([fresh.Ready, fresh['Up-to-date'], fresh.Available, fresh.Selector], ['0/1', 0, 0, '']);
  const bad = { ...d, spec: { ...d.spec, selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } } };
  assert.equal(rowOf(deploymentPrinter, bad).Selector, '<invalid>');
});

test('replica set and replication controller: desired/current/ready integers', () => {
  const rs = {
    metadata: meta('web-5d8f'),
    spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d8f' } }, template },
    status: { replicas: 2, readyReplicas: 1 },
  };
  assert.deepEqual(rowOf(replicaSetPrinter, rs), {
    Name: 'web-5d8f',
    Desired: 2,
    Current: 2,
    Ready: 1,
    Age: '5m',
    Containers: 'app,log',
    Images: 'web:1.2,fluent:3',
    Selector: 'app=web,pod-template-hash=5d8f',
  });
  assert.equal(rowOf(replicaSetPrinter, { ...rs, spec: { ...rs.spec, selector: undefined } }).Selector, '<none>');

  const rc = {
    metadata: meta('legacy'),
    spec: { replicas: 0, selector: { app: 'legacy' }, template },
    status: { replicas: 0 },
  };
  assert.deepEqual(rowOf(replicationControllerPrinter, rc), {
    Name: 'legacy',
    Desired: 0,
    Current: 0,
    Ready: 0,
    Age: '5m',
    Containers: 'app,log',
    Images: 'web:1.2,fluent:3',
    Selector: 'app=legacy',
  });
});

test('stateful set: ready/desired and wide containers', () => {
  assert.deepEqual(columnNames(statefulSetPrinter), ['Name', 'Ready', 'Age', 'Containers*', 'Images*']);
  const r = rowOf(statefulSetPrinter, {
    metadata: meta('db'),
    spec: { replicas: 3, template },
    status: { readyReplicas: 3 },
  });
  assert.deepEqual(r, { Name: 'db', Ready: '3/3', Age: '5m', Containers: 'app,log', Images: 'web:1.2,fluent:3' });
});

test('daemon set: scheduling counts and node selector', () => {
  const r = rowOf(daemonSetPrinter, {
    metadata: meta('fluentd'),
    spec: { selector: { matchLabels: { app: 'fluentd' } }, template },
    status: {
      desiredNumberScheduled: 4,
      currentNumberScheduled: 4,
      numberReady: 3,
      updatedNumberScheduled: 2,
      numberAvailable: 3,
    },
  });
  assert.deepEqual(r, {
    Name: 'fluentd',
    Desired: 4,
    Current: 4,
    Ready: 3,
    'Up-to-date': 2,
    Available: 3,
    'Node Selector': 'disk=ssd,kubernetes.io/os=linux',
    Age: '5m',
    Containers: 'app,log',
    Images: 'web:1.2,fluent:3',
    Selector: 'app=fluentd',
  });
  const none = rowOf(daemonSetPrinter, { metadata: meta('x'), spec: { template: { spec: { containers: [] } } } });
  assert.deepEqual([none['Node Selector'], none.Containers, none.Selector], ['<none>', '', '<none>']);
});

test('controller revision: controller as kind.group/name', () => {
  const cr = (ownerReferences: unknown[]) => ({
    metadata: { name: 'fluentd-7c9d', creationTimestamp: ago(2 * DAY), ownerReferences },
    revision: 3,
  });
  assert.deepEqual(
    rowOf(
      controllerRevisionPrinter,
      cr([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'u', controller: true }]),
    ),
    { Name: 'fluentd-7c9d', Controller: 'daemonset.apps/fluentd', Revision: 3, Age: '2d' },
  );
  assert.equal(
    rowOf(controllerRevisionPrinter, cr([{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }]))
      .Controller,
    'pod/p',
  );
  assert.equal(
    rowOf(controllerRevisionPrinter, cr([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: 'u' }]))
      .Controller,
    '<none>',
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newControllerMetrics } from '../../client/index.js';
import { renderControllerManagerMetrics, type ControllerMetricsSource } from './metrics.js';

test('renderControllerManagerMetrics: workqueue metrics by name, reconcile results, leader gauge', () => {
  const dep: ControllerMetricsSource = newControllerMetrics('deployment');
  dep.queueDepth = 4;
  dep.reconcileTotal = 10;
  dep.reconcileErrors = 2;
  dep.terminalErrors = 1;
  dep.requeues = 3;
  dep.activeWorkers = 5;
  dep.latency = { count: 2, sumMs: 30, maxMs: 25, buckets: { ...dep.latency.buckets, '5': 1, '10': 1, '25': 2 } };
  dep.queue = { adds: 12, retries: 2 };
  const rs: ControllerMetricsSource = newControllerMetrics('replicaset');
  const text = renderControllerManagerMetrics({ controllers: [rs, dep], isLeader: () => false });
  const lines = text.split('\n');
  for (const line of [
    '# TYPE workqueue_depth gauge',
    'workqueue_depth{name="deployment"} 4',
    'workqueue_depth{name="replicaset"} 0',
    'workqueue_adds_total{name="deployment"} 12',
    'workqueue_retries_total{name="deployment"} 2',
    'workqueue_work_duration_seconds_bucket{name="deployment",le="0.005"} 1',
    'workqueue_work_duration_seconds_bucket{name="deployment",le="0.025"} 2',
    'workqueue_work_duration_seconds_bucket{name="deployment",le="+Inf"} 2',
    'workqueue_work_duration_seconds_sum{name="deployment"} 0.03',
    'controller_runtime_reconcile_total{controller="deployment",result="success"} 4',
    'controller_runtime_reconcile_total{controller="deployment",result="error"} 3',
    'controller_runtime_reconcile_total{controller="deployment",result="requeue"} 3',
    'controller_runtime_terminal_reconcile_errors_total{controller="deployment"} 1',
    'controller_runtime_active_workers{controller="deployment"} 5',
    'leader_election_master_status{name="kube-controller-manager"} 0',
  ])
    assert.ok(lines.includes(line), line);
  assert.ok(
    lines.indexOf('workqueue_depth{name="deployment"} 4') < lines.indexOf('workqueue_depth{name="replicaset"} 0'),
    'sorted by name',
  );
  assert.ok(!text.includes('workqueue_adds_total{name="replicaset"}'), 'no adds without queue counts');
  assert.doesNotMatch(renderControllerManagerMetrics({ controllers: [] }), /leader_election_master_status/);
});

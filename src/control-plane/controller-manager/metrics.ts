/**
 * kube-controller-manager's `/metrics`, rendered on scrape from the counters
 * every controller already keeps (client `controllerMetrics`, one entry per
 * `runController` name). Upstream names where upstream has the metric, so
 * existing dashboards work:
 * - `workqueue_depth`, `workqueue_adds_total`, `workqueue_retries_total`,
 *   `workqueue_work_duration_seconds` (client-go workqueue, label `name`);
 * - `leader_election_master_status` (label `name`);
 * plus controller-runtime's reconcile counters, which kubets controllers
 * also keep (`controller_runtime_reconcile_total` etc., label `controller`).
 */
import { controllerMetrics, latencyBucketsMs, type ControllerMetrics, type QueueMetrics } from '../../client/index.js';
import { Exposition } from '../../lib/prometheus-text.js';

/**
 * A controller's counters; `queue` carries the work queue's own add/retry
 * counts when the controller loop records them (otherwise adds and retries
 * are not exported for that queue rather than exported wrong).
 */
export type ControllerMetricsSource = ControllerMetrics & { queue?: QueueMetrics };

export interface ControllerManagerMetricsOptions {
  /** Default: every controller of this process (`controllerMetrics`). */
  controllers?: Iterable<ControllerMetricsSource>;
  /** Whether this instance holds the leader lease; omitted = no leader election. */
  isLeader?: () => boolean;
  /** The Lease name reported in `leader_election_master_status` (default `kube-controller-manager`). */
  leaseName?: string;
}

const byName = (a: ControllerMetricsSource, b: ControllerMetricsSource) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

export function renderControllerManagerMetrics(o: ControllerManagerMetricsOptions = {}): string {
  const all: ControllerMetricsSource[] = [...(o.controllers ?? controllerMetrics.values())].sort(byName);
  const withQueue = all.filter((m) => m.queue !== undefined);
  const name = (m: ControllerMetricsSource) => ({ name: m.name });
  const controller = (m: ControllerMetricsSource) => ({ controller: m.name });
  const out = new Exposition()
    .gauge(
      'workqueue_depth',
      '[ALPHA] Current depth of workqueue',
      all.map((m) => ({ labels: name(m), value: m.queueDepth })),
    )
    .counter(
      'workqueue_adds_total',
      '[ALPHA] Total number of adds handled by workqueue',
      withQueue.map((m) => ({ labels: name(m), value: m.queue!.adds })),
    )
    .counter(
      'workqueue_retries_total',
      '[ALPHA] Total number of retries handled by workqueue',
      withQueue.map((m) => ({ labels: name(m), value: m.queue!.retries })),
    )
    .histogram(
      'workqueue_work_duration_seconds',
      '[ALPHA] How long in seconds processing an item from workqueue takes.',
      all.map((m) => ({
        labels: name(m),
        buckets: latencyBucketsMs.map((b) => ({ le: b / 1000, count: m.latency.buckets[String(b)] ?? 0 })),
        sum: m.latency.sumMs / 1000,
        count: m.latency.count,
      })),
    )
    .counter(
      'controller_runtime_reconcile_total',
      'Total number of reconciliations per controller',
      all.flatMap((m) => {
        const errors = m.reconcileErrors + m.terminalErrors;
        return [
          { labels: { ...controller(m), result: 'success' }, value: m.reconcileTotal - errors - m.requeues },
          { labels: { ...controller(m), result: 'error' }, value: errors },
          { labels: { ...controller(m), result: 'requeue' }, value: m.requeues },
        ];
      }),
    )
    .counter(
      'controller_runtime_reconcile_errors_total',
      'Total number of reconciliation errors per controller',
      all.map((m) => ({ labels: controller(m), value: m.reconcileErrors + m.terminalErrors })),
    )
    .counter(
      'controller_runtime_terminal_reconcile_errors_total',
      'Total number of terminal reconciliation errors per controller',
      all.map((m) => ({ labels: controller(m), value: m.terminalErrors })),
    )
    .gauge(
      'controller_runtime_active_workers',
      'Number of currently used workers per controller',
      all.map((m) => ({ labels: controller(m), value: m.activeWorkers })),
    );
  if (o.isLeader) {
    out.gauge(
      'leader_election_master_status',
      "[ALPHA] Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      [{ labels: { name: o.leaseName ?? 'kube-controller-manager' }, value: o.isLeader() ? 1 : 0 }],
    );
  }
  return out.toString();
}

import type { Pod } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../../api/quantity/quantity.js';
import { ZERO_TIME_MS } from '../../../../api/values/human-duration.js';

/**
 * The HPA replica calculation for resource metrics (upstream
 * `pkg/controller/podautoscaler/replica_calculator.go` and
 * `metrics/utilization.go`), as pure functions over the target's pods and
 * their metrics. Values are milli-units, as upstream's MilliValue().
 */

/** One pod's metric as the resource metrics API reported it. */
export interface PodMetric {
  /** Wall-clock ms of the sample. */
  timestamp: number;
  /** Length of the sampling window in ms. */
  windowMs: number;
  /** Milli-units (millicores, milli-bytes). */
  value: number;
}

/** Pod name -> metric. */
export type PodMetricsInfo = Map<string, PodMetric>;

export interface CalculatorOptions {
  /** Ratios within 1 ± tolerance do not scale (default 0.1). */
  tolerance: number;
  /** CPU samples of pods younger than this need a full window after readiness (default 5 min). */
  cpuInitializationPeriodMs: number;
  /** A pod not ready this soon after start never counts as having been ready (default 30 s). */
  delayOfInitialReadinessStatusMs: number;
  /** Wall clock, ms. */
  now: number;
}

export const defaultCalculatorOptions: Omit<CalculatorOptions, 'now'> = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
};

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/**
 * Upstream groupPods: deleting and failed pods are ignored; pending pods are
 * unready; pods without a metric are missing; for CPU, a pod still in its
 * initialization period whose sample predates a full window after turning
 * ready (or that is not ready), or a pod that was never ready, is unready.
 */
export function groupPods(
  pods: readonly Pod[],
  metrics: PodMetricsInfo,
  resource: string,
  o: CalculatorOptions,
): PodGroups {
  const g: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!cond || start === undefined) unready = true;
      else {
        // An unset time is Go's zero time, not the epoch.
        const transition = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : ZERO_TIME_MS;
        if (start + o.cpuInitializationPeriodMs > o.now) {
          unready = cond.status === 'False' || metric.timestamp < transition + metric.windowMs;
        } else {
          unready = cond.status === 'False' && start + o.delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/**
 * Summed requests of `resource` per pod (regular and restartable init
 * containers, or only `container`). Throws upstream's
 * `missing request for <res> in container <c> of Pod <pod>`.
 */
export function calculatePodRequests(pods: readonly Pod[], container: string, resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    const containers = [
      ...(pod.spec?.containers ?? []),
      ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
    ];
    for (const c of containers) {
      if (container !== '' && container !== c.name) continue;
      const q = c.resources?.requests?.[resource];
      if (q === undefined) {
        throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`);
      }
      sum += Number(Quantity.parse(q).milliValue());
    }
    out.set(pod.metadata?.name ?? '', sum);
  }
  return out;
}

/** Upstream GetResourceUtilizationRatio; throws `no metrics returned matched known pods`. */
export function resourceUtilizationRatio(
  metrics: PodMetricsInfo,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, m] of metrics) {
    const request = requests.get(name);
    // Metrics without a known pod are extraneous.
    if (request === undefined) continue;
    metricsTotal += m.value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

/** Upstream GetMetricUsageRatio: the plain average against a target average. */
export function metricUsageRatio(metrics: PodMetricsInfo, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

function withValue(metrics: PodMetricsInfo, names: Iterable<string>, value: (name: string) => number): void {
  for (const name of names) metrics.set(name, { timestamp: 0, windowMs: 0, value: value(name) });
}

/**
 * The replica count after the first pass gave `ratio`: unchanged within the
 * tolerance or when filling in missing/unready pods would flip the scale
 * direction, otherwise ceil(newRatio * counted pods) (the shared tail of
 * GetResourceReplicas and calcPlainMetricReplicas).
 */
function settle(
  currentReplicas: number,
  ratio: number,
  newRatio: () => number,
  counted: () => number,
  tolerance: number,
): number {
  const next = newRatio();
  if (Math.abs(1 - next) <= tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return currentReplicas;
  const replicas = Math.ceil(next * counted());
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return currentReplicas;
  return replicas;
}

export interface UtilizationProposal {
  replicas: number;
  /** Average utilization in percent of requests. */
  utilization: number;
  /** Average usage per pod, milli-units. */
  rawUtilization: number;
}

/**
 * Upstream GetResourceReplicas for a utilization target: missing pods count
 * as 0% on a scale-up and as max(100%, target) on a scale-down; unready pods
 * as 0% on a scale-up. `metrics` is not modified.
 */
export function resourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  container: string,
  pods: readonly Pod[],
  podMetrics: PodMetricsInfo,
  o: CalculatorOptions,
): UtilizationProposal {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(podMetrics);
  const g = groupPods(pods, metrics, resource, o);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const requests = calculatePodRequests(pods, container, resource);
  const first = resourceUtilizationRatio(metrics, requests, targetUtilization);
  const out = { utilization: first.utilization, rawUtilization: first.rawAverage };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= o.tolerance) return { replicas: currentReplicas, ...out };
    return { replicas: Math.ceil(first.ratio * g.readyPodCount), ...out };
  }
  if (g.missing.size > 0) {
    if (first.ratio < 1) {
      const fallback = Math.max(100, targetUtilization);
      withValue(metrics, g.missing, (n) => Math.trunc(((requests.get(n) ?? 0) * fallback) / 100));
    } else if (first.ratio > 1) {
      withValue(metrics, g.missing, () => 0);
    }
  }
  if (scaleUpWithUnready) withValue(metrics, g.unready, () => 0);
  const replicas = settle(
    currentReplicas,
    first.ratio,
    () => resourceUtilizationRatio(metrics, requests, targetUtilization).ratio,
    () => metrics.size,
    o.tolerance,
  );
  return { replicas, ...out };
}

/**
 * Upstream GetRawResourceReplicas / calcPlainMetricReplicas for an
 * averageValue target (milli-units): missing pods count as the target on a
 * scale-down and as 0 on a scale-up; unready pods as 0 on a scale-up.
 */
export function rawResourceReplicas(
  currentReplicas: number,
  targetUsage: number,
  resource: string,
  pods: readonly Pod[],
  podMetrics: PodMetricsInfo,
  o: CalculatorOptions,
): { replicas: number; usage: number } {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(podMetrics);
  const g = groupPods(pods, metrics, resource, o);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const first = metricUsageRatio(metrics, targetUsage);
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= o.tolerance) return { replicas: currentReplicas, usage: first.usage };
    return { replicas: Math.ceil(first.ratio * g.readyPodCount), usage: first.usage };
  }
  if (g.missing.size > 0) withValue(metrics, g.missing, () => (first.ratio < 1 ? targetUsage : 0));
  if (scaleUpWithUnready) withValue(metrics, g.unready, () => 0);
  const replicas = settle(
    currentReplicas,
    first.ratio,
    () => metricUsageRatio(metrics, targetUsage).ratio,
    () => metrics.size,
    o.tolerance,
  );
  return { replicas, usage: first.usage };
}

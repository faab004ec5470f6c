import { isNotFound } from '../../../../api/errors/status-error.js';
import { Quantity } from '../../../../api/quantity/quantity.js';
import type { LabelMatcher } from '../../../../api/selectors/label-selector.js';
import { parseDurationMs } from '../../../../api/values/duration.js';
import type { RestClient } from '../../../../client/index.js';
import type { Clock } from '../../../../lib/clock.js';
import type { PodMetricsInfo } from './replica-calculator.js';

/** metrics.k8s.io/v1beta1 PodMetrics (not in kubernetes-types). */
export interface PodMetrics {
  metadata?: { name?: string; namespace?: string };
  timestamp?: string;
  window?: string;
  containers?: { name: string; usage?: Record<string, string> }[];
}

export const metricsGroup = 'metrics.k8s.io';
const metricsPath = '/apis/metrics.k8s.io/v1beta1';

/**
 * What client-go says for a 404 whose body is not a Status: the resource
 * metrics API is simply not there (upstream's well-known
 * `the server could not find the requested resource (get pods.metrics.k8s.io)`).
 */
export const metricsNotServed = 'the server could not find the requested resource (get pods.metrics.k8s.io)';

/**
 * Reads pod usage from the resource metrics API (upstream
 * `metrics/client.go` resourceMetricsClient). The API is only asked when
 * discovery lists metrics.k8s.io (checked at most every `discoveryTtlMs`), so
 * an absent metrics server costs one discovery read, not a failed request
 * per HPA per period.
 */
export class ResourceMetricsClient {
  private discovered?: { at: number; served: boolean };

  constructor(
    private readonly rest: RestClient,
    private readonly clock: Clock,
    private readonly discoveryTtlMs = 30_000,
  ) {}

  private async served(signal?: AbortSignal): Promise<boolean> {
    const now = this.clock.monotonic();
    if (this.discovered && now - this.discovered.at < this.discoveryTtlMs) return this.discovered.served;
    const groups = await this.rest.requestObject<{ groups?: { name: string }[] }>({
      method: 'GET',
      path: '/apis',
      signal,
    });
    this.discovered = { at: now, served: (groups.groups ?? []).some((g) => g.name === metricsGroup) };
    return this.discovered.served;
  }

  /**
   * Per-pod usage of `resource` (milli-units) of the pods matching
   * `selector`, summed over containers (or of one `container`), and the
   * sample time. Throws with upstream's messages.
   */
  async resourceMetric(
    resource: string,
    namespace: string,
    selector: LabelMatcher,
    container: string,
    signal?: AbortSignal,
  ): Promise<{ metrics: PodMetricsInfo; timestamp: number }> {
    let items: PodMetrics[];
    try {
      if (!(await this.served(signal))) throw new Error(metricsNotServed);
      const query = new URLSearchParams();
      const sel = selector.toString();
      if (sel) query.set('labelSelector', sel);
      const list = await this.rest.requestObject<{ items?: PodMetrics[] }>({
        method: 'GET',
        path: `${metricsPath}/namespaces/${encodeURIComponent(namespace)}/pods`,
        query,
        signal,
      });
      items = list.items ?? [];
    } catch (err) {
      if (signal?.aborted) throw err;
      const text = isNotFound(err) ? metricsNotServed : err instanceof Error ? err.message : String(err);
      throw new Error(`unable to fetch metrics from resource metrics API: ${text}`);
    }
    if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
    const metrics = container ? containerMetrics(items, resource, container) : podMetrics(items, resource);
    return { metrics, timestamp: sampleTime(items[0]!) };
  }
}

function sampleTime(m: PodMetrics): number {
  const t = m.timestamp ? Date.parse(m.timestamp) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

function windowMs(m: PodMetrics): number {
  try {
    return m.window ? parseDurationMs(m.window) : 0;
  } catch {
    return 0;
  }
}

function milli(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const q = Quantity.tryParse(v);
  return q ? Number(q.milliValue()) : undefined;
}

/** Upstream getPodMetrics: pods missing the resource in any container are left out. */
function podMetrics(items: PodMetrics[], resource: string): PodMetricsInfo {
  const out: PodMetricsInfo = new Map();
  for (const m of items) {
    const containers = m.containers ?? [];
    let sum = 0;
    let missing = containers.length === 0;
    for (const c of containers) {
      const v = milli(c.usage?.[resource]);
      if (v === undefined) {
        missing = true;
        break;
      }
      sum += v;
    }
    if (!missing) out.set(m.metadata?.name ?? '', { timestamp: sampleTime(m), windowMs: windowMs(m), value: sum });
  }
  return out;
}

/** Upstream getContainerMetrics: every pod must report the container. */
function containerMetrics(items: PodMetrics[], resource: string, container: string): PodMetricsInfo {
  const out: PodMetricsInfo = new Map();
  for (const m of items) {
    const c = (m.containers ?? []).find((x) => x.name === container);
    if (!c) {
      throw new Error(
        `failed to get container metrics: container ${container} not present in metrics for pod ${m.metadata?.namespace ?? ''}/${m.metadata?.name ?? ''}`,
      );
    }
    const v = milli(c.usage?.[resource]);
    if (v !== undefined) out.set(m.metadata?.name ?? '', { timestamp: sampleTime(m), windowMs: windowMs(m), value: v });
  }
  return out;
}

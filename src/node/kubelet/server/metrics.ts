/**
 * The kubelet's Prometheus endpoints, text exposition format 0.0.4:
 * `/metrics` (a few kubelet and process metrics) and `/metrics/resource`
 * (the stable resource metrics metrics-server scrapes: CPU seconds and
 * working-set bytes of the node, pods and containers, with the sample's
 * timestamp in ms).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerSummary } from '../../runtime/index.js';
import type { Summary } from './stats/summary-types.js';

export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (l: Labels) => {
  const keys = Object.keys(l);
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escape(l[k])}"`).join(',')}}`;
};

/** Builds one exposition: families in order, each with HELP, TYPE and its samples. */
export class Exposition {
  private out = '';
  family(
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    samples: { labels?: Labels; value: number; ts?: number }[],
  ) {
    this.out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    for (const s of samples) {
      this.out += `${name}${labelText(s.labels ?? {})} ${formatValue(s.value)}${s.ts !== undefined ? ` ${s.ts}` : ''}\n`;
    }
    return this;
  }
  toString(): string {
    return this.out;
  }
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Per-request counters kept by the server, by method, path root and status code. */
export class RequestCounter {
  private readonly counts = new Map<string, number>();
  add(method: string, path: string, code: number): void {
    const root = `/${path.split('/')[1] ?? ''}`;
    const key = JSON.stringify([method, root, String(code)]);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  samples(): { labels: Labels; value: number }[] {
    return [...this.counts].map(([k, value]) => {
      const [method, path, code] = JSON.parse(k) as string[];
      return { labels: { method, path, code, server_type: 'readwrite' }, value };
    });
  }
}

export function kubeletMetrics(
  nodeName: string,
  pods: Pod[],
  containers: ContainerSummary[],
  requests: RequestCounter,
): string {
  const states = ['created', 'running', 'exited', 'unknown'];
  const count = (s: string) => containers.filter((c) => c.state === `CONTAINER_${s.toUpperCase()}`).length;
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return new Exposition()
    .family('kubelet_node_name', 'gauge', "[ALPHA] The node's name. The count is always 1.", [
      { labels: { node: nodeName }, value: 1 },
    ])
    .family('kubelet_running_pods', 'gauge', '[ALPHA] Number of pods that have a running pod sandbox', [
      { value: pods.filter((p) => p.status?.phase === 'Running').length },
    ])
    .family(
      'kubelet_running_containers',
      'gauge',
      '[ALPHA] Number of containers currently running',
      states.map((s) => ({ labels: { container_state: s }, value: count(s) })),
    )
    .family(
      'kubelet_http_requests_total',
      'counter',
      '[ALPHA] Number of the http requests received since the server started',
      requests.samples(),
    )
    .family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [{ value: mem.rss }])
    .family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', [
      { value: (cpu.user + cpu.system) / 1e6 },
    ])
    .family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', [
      { value: Math.floor(Date.now() / 1000 - process.uptime()) },
    ])
    .toString();
}

/** `/metrics/resource` from a Summary (upstream `collectors/resource_metrics.go`). */
export function resourceMetrics(s: Summary): string {
  const ms = (t: string | undefined) => (t ? Date.parse(t) : undefined);
  const e = new Exposition();
  const n = s.node;
  e.family(
    'node_cpu_usage_seconds_total',
    'counter',
    '[STABLE] Cumulative cpu time consumed by the node in core-seconds',
    n.cpu?.usageCoreNanoSeconds !== undefined ? [{ value: n.cpu.usageCoreNanoSeconds / 1e9, ts: ms(n.cpu.time) }] : [],
  );
  e.family(
    'node_memory_working_set_bytes',
    'gauge',
    '[STABLE] Current working set of the node in bytes',
    n.memory?.workingSetBytes !== undefined ? [{ value: n.memory.workingSetBytes, ts: ms(n.memory.time) }] : [],
  );
  const pod = (p: Summary['pods'][number]) => ({ namespace: p.podRef.namespace, pod: p.podRef.name });
  const ctr = (p: Summary['pods'][number], c: { name: string }) => ({ container: c.name, ...pod(p) });
  const containers = s.pods.flatMap((p) => p.containers.map((c) => ({ p, c })));
  e.family(
    'container_cpu_usage_seconds_total',
    'counter',
    '[STABLE] Cumulative cpu time consumed by the container in core-seconds',
    containers
      .filter(({ c }) => c.cpu?.usageCoreNanoSeconds !== undefined)
      .map(({ p, c }) => ({ labels: ctr(p, c), value: c.cpu!.usageCoreNanoSeconds! / 1e9, ts: ms(c.cpu!.time) })),
  );
  e.family(
    'container_memory_working_set_bytes',
    'gauge',
    '[STABLE] Current working set of the container in bytes',
    containers
      .filter(({ c }) => c.memory?.workingSetBytes !== undefined)
      .map(({ p, c }) => ({ labels: ctr(p, c), value: c.memory!.workingSetBytes!, ts: ms(c.memory!.time) })),
  );
  e.family(
    'container_start_time_seconds',
    'gauge',
    '[STABLE] Start time of the container since unix epoch in seconds',
    containers.map(({ p, c }) => ({ labels: ctr(p, c), value: Date.parse(c.startTime) / 1000 })),
  );
  e.family(
    'pod_cpu_usage_seconds_total',
    'counter',
    '[STABLE] Cumulative cpu time consumed by the pod in core-seconds',
    s.pods
      .filter((p) => p.cpu?.usageCoreNanoSeconds !== undefined)
      .map((p) => ({ labels: pod(p), value: p.cpu!.usageCoreNanoSeconds! / 1e9, ts: ms(p.cpu!.time) })),
  );
  e.family(
    'pod_memory_working_set_bytes',
    'gauge',
    '[STABLE] Current working set of the pod in bytes',
    s.pods
      .filter((p) => p.memory?.workingSetBytes !== undefined)
      .map((p) => ({ labels: pod(p), value: p.memory!.workingSetBytes!, ts: ms(p.memory!.time) })),
  );
  e.family(
    'resource_scrape_error',
    'gauge',
    '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
    [{ value: 0 }],
  );
  return e.toString();
}

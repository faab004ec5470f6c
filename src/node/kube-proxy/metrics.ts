/**
 * kube-proxy's metrics in the Prometheus text format, with upstream's names
 * where upstream has the metric (kubeproxy_sync_proxy_rules_*), so existing
 * dashboards work. A tiny self-contained registry: kube-proxy may import
 * only client, api and lib.
 */
type Labels = Record<string, string>;

const durationBuckets = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  series: Map<string, { labels?: Labels; value: number; buckets?: number[]; sum?: number; count?: number }>;
}

export class ProxyMetrics {
  private readonly families = new Map<string, Family>();

  private family(name: string, type: Family['type'], help: string): Family {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { help, type, series: new Map() }));
    return f;
  }

  private series(f: Family, labels?: Labels) {
    const key = labelText(labels);
    let s = f.series.get(key);
    if (!s) f.series.set(key, (s = { labels, value: 0 }));
    return s;
  }

  set(name: string, help: string, value: number, labels?: Labels): void {
    this.series(this.family(name, 'gauge', help), labels).value = value;
  }

  inc(name: string, help: string, by = 1, labels?: Labels): void {
    this.series(this.family(name, 'counter', help), labels).value += by;
  }

  observe(name: string, help: string, seconds: number, labels?: Labels): void {
    const s = this.series(this.family(name, 'histogram', help), labels);
    s.buckets ??= durationBuckets.map(() => 0);
    durationBuckets.forEach((b, i) => {
      if (seconds <= b) s.buckets![i]!++;
    });
    s.sum = (s.sum ?? 0) + seconds;
    s.count = (s.count ?? 0) + 1;
  }

  /** Current value of a counter or gauge series (tests). */
  value(name: string, labels?: Labels): number | undefined {
    return this.families.get(name)?.series.get(labelText(labels))?.value;
  }

  /** Number of observations of a histogram series. */
  count(name: string, labels?: Labels): number {
    return this.families.get(name)?.series.get(labelText(labels))?.count ?? 0;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, f] of [...this.families].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const s of f.series.values()) {
        if (f.type !== 'histogram') {
          out.push(`${name}${labelText(s.labels)} ${s.value}`);
          continue;
        }
        durationBuckets.forEach((b, i) =>
          out.push(`${name}_bucket${labelText(s.labels, ['le', String(b)])} ${s.buckets![i]}`),
        );
        out.push(`${name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
        out.push(`${name}_sum${labelText(s.labels)} ${s.sum}`, `${name}_count${labelText(s.labels)} ${s.count}`);
      }
    }
    return out.join('\n') + '\n';
  }
}

export const metricNames = {
  syncDuration: 'kubeproxy_sync_proxy_rules_duration_seconds',
  fullSyncDuration: 'kubeproxy_sync_full_proxy_rules_duration_seconds',
  partialSyncDuration: 'kubeproxy_sync_partial_proxy_rules_duration_seconds',
  lastSync: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
  lastQueued: 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds',
  endpointChanges: 'kubeproxy_sync_proxy_rules_endpoint_changes_total',
  serviceChanges: 'kubeproxy_sync_proxy_rules_service_changes_total',
  noLocalEndpoints: 'kubeproxy_sync_proxy_rules_no_local_endpoints_total',
  iptablesRules: 'kubeproxy_sync_proxy_rules_iptables_total',
  iptablesRestoreFailures: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total',
  nftablesSyncFailures: 'kubeproxy_sync_proxy_rules_nftables_sync_failures_total',
  rules: 'kubets_proxy_rules',
  syncFailures: 'kubets_proxy_sync_failures_total',
  conntrackCleanups: 'kubets_proxy_conntrack_cleanups_total',
} as const;

/**
 * Which pod goes first under node pressure (upstream `eviction/helpers.go`):
 *
 *   memory:  pods using more than they requested, then lower priority, then
 *            the largest usage above the request;
 *   disk:    the same with local ephemeral storage (or inodes);
 *   PIDs:    lower priority, then more processes.
 *
 * With requests of zero, BestEffort pods always "exceed" theirs, so they go
 * before Burstable pods above their requests, and Guaranteed pods (usage
 * within requests) come last — the QoS order, refined by priority and usage.
 * Pods without stats are ranked first, as upstream.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../api/quantity/quantity.js';
import type { PodStats } from '../server/stats/summary-types.js';
import type { StarvedResource } from './types.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const amount = (v: string | number | undefined): number | undefined =>
  v === undefined ? undefined : Number(Quantity.parse(String(v)).milliValue()) / 1000;

/** The pod's QoS class (status.qosClass when set, else computed as the API server does). */
export function qosClass(pod: Pod): QOSClass {
  if (pod.status?.qosClass) return pod.status.qosClass as QOSClass;
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = { ...c.resources?.limits, ...c.resources?.requests };
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined && amount(req[r]) !== 0) any = true;
      if (lim[r] !== undefined && amount(lim[r]) !== 0) any = true;
      if (lim[r] === undefined || amount(req[r]) !== amount(lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The pod's request for a resource: the larger of its containers' sum and any one init container. */
export function podRequest(pod: Pod, resource: string): number {
  const req = (c: Container) => {
    const r = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
    return amount(r as string | undefined) ?? 0;
  };
  const sum = (pod.spec?.containers ?? []).reduce((a, c) => a + req(c), 0);
  const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map(req));
  return Math.max(sum, init);
}

/** Volumes whose contents count as the pod's local ephemeral storage. */
export function localEphemeralVolumes(pod: Pod): string[] {
  return (pod.spec?.volumes ?? [])
    .filter((v) => v.gitRepo || v.configMap || (v.emptyDir && (v.emptyDir.medium ?? '') === ''))
    .map((v) => v.name);
}

/** Which parts of local storage a disk signal measures. */
export type FsMeasure = 'rootfs' | 'logs' | 'localVolumes';

/** Local storage in use by the pod (bytes, or inodes), over the measured parts. */
export function podDiskUsage(pod: Pod, stats: PodStats, measure: FsMeasure[], inodes = false): number {
  let total = 0;
  const pick = (fs: { usedBytes?: number; inodesUsed?: number } | undefined) =>
    (inodes ? fs?.inodesUsed : fs?.usedBytes) ?? 0;
  for (const c of stats.containers) {
    if (measure.includes('rootfs')) total += pick(c.rootfs);
    if (measure.includes('logs')) total += pick(c.logs);
  }
  if (measure.includes('localVolumes')) {
    const local = new Set(localEphemeralVolumes(pod));
    for (const v of stats.volume ?? []) if (local.has(v.name)) total += pick(v);
  }
  return total;
}

type Cmp = (a: Pod, b: Pod) => number;
type StatsOf = (p: Pod) => PodStats | undefined;

const priorityOf = (p: Pod) => p.spec?.priority ?? 0;
/** true sorts before false. */
const cmpBool = (a: boolean, b: boolean) => (a === b ? 0 : a ? -1 : 1);

function orderedBy(...cmps: Cmp[]): (pods: Pod[]) => Pod[] {
  return (pods) =>
    [...pods].sort((a, b) => {
      for (const c of cmps) {
        const r = c(a, b);
        if (r !== 0) return r;
      }
      return 0;
    });
}

const byPriority: Cmp = (a, b) => priorityOf(a) - priorityOf(b);

/** Ranks by `usage(pod)` against `request(pod)`: over-request first, then priority, then most above request. */
function rankByUsage(stats: StatsOf, usage: (p: Pod, s: PodStats) => number, request: (p: Pod) => number) {
  const over = (p: Pod) => {
    const s = stats(p);
    return s ? usage(p, s) - request(p) : undefined;
  };
  const exceeds: Cmp = (a, b) => {
    const oa = over(a);
    const ob = over(b);
    if (oa === undefined || ob === undefined) return cmpBool(oa === undefined, ob === undefined);
    return cmpBool(oa > 0, ob > 0);
  };
  const most: Cmp = (a, b) => (over(b) ?? 0) - (over(a) ?? 0);
  return orderedBy(exceeds, byPriority, most);
}

export function rankForMemory(pods: Pod[], stats: StatsOf): Pod[] {
  return rankByUsage(
    stats,
    (_p, s) => s.memory?.workingSetBytes ?? 0,
    (p) => podRequest(p, 'memory'),
  )(pods);
}

export function rankForDisk(pods: Pod[], stats: StatsOf, measure: FsMeasure[], resource: StarvedResource): Pod[] {
  const inodes = resource === 'inodes';
  return rankByUsage(
    stats,
    (p, s) => podDiskUsage(p, s, measure, inodes),
    (p) => (inodes ? 0 : podRequest(p, 'ephemeral-storage')),
  )(pods);
}

export function rankForPids(pods: Pod[], stats: StatsOf): Pod[] {
  const procs = (p: Pod) => stats(p)?.process_stats?.process_count ?? 0;
  return orderedBy(byPriority, (a, b) => procs(b) - procs(a))(pods);
}

/** Static, mirror and system-critical pods are never evicted by the kubelet. */
export function isCriticalPod(pod: Pod): boolean {
  const ann = pod.metadata?.annotations ?? {};
  if (ann['kubernetes.io/config.mirror'] !== undefined) return true;
  const source = ann['kubernetes.io/config.source'];
  if (source !== undefined && source !== 'api') return true;
  return priorityOf(pod) >= 2_000_000_000;
}

import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/** Annotation with the relative cost of deleting a pod (PodDeletionCost, on by default since 1.22). */
export const podDeletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';

const time = (s: string | undefined): number => (s ? Date.parse(s) : 0);

/** Not finished and not being deleted (upstream controller.IsPodActive). */
export function isPodActive(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata?.deletionTimestamp;
}

export function podReadyCondition(p: Pod): PodCondition | undefined {
  return p.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(p: Pod): boolean {
  return podReadyCondition(p)?.status === 'True';
}

/**
 * Ready for at least `minReadySeconds` (upstream podutil.IsPodAvailable):
 * ready since strictly before `now - minReadySeconds`.
 */
export function isPodAvailable(p: Pod, minReadySeconds: number, nowMs: number): boolean {
  const c = podReadyCondition(p);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = time(c.lastTransitionTime);
  return since > 0 && since + minReadySeconds * 1000 < nowMs;
}

/** Upstream helper.GetDeletionCostFromPodAnnotations: an int32, 0 when absent or malformed. */
export function podDeletionCost(p: Pod): number {
  const v = p.metadata?.annotations?.[podDeletionCostAnnotation];
  if (v === undefined || !/^[+-]?[0-9]+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

function readyTime(p: Pod): number {
  if (!isPodReady(p)) return 0;
  return time(podReadyCondition(p)?.lastTransitionTime);
}

function maxContainerRestarts(p: Pod): number {
  let max = 0;
  for (const c of p.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

const phaseOrdinal = (p: Pod): number => ({ Pending: 0, Unknown: 1, Running: 2 })[p.status?.phase ?? ''] ?? 0;

/** `t1` is later, or zero (zero sorts first). */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

/** floor(log2(age in ns)) difference, -1 for non-positive ages (upstream logarithmicRankDiff). */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const rank = (t: number) => {
    const ns = (now - t) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return rank(t1) - rank(t2);
}

/** Compares timestamps with LogarithmicScaleDown (on by default since 1.22); ties fall back to UID order. */
function newerFirst(a: Pod, b: Pod, ta: number, tb: number, now: number): boolean {
  if (now === 0 || ta === 0 || tb === 0) return afterOrZero(ta, tb);
  const diff = logarithmicRankDiff(ta, tb, now);
  if (diff === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
  return diff < 0;
}

/**
 * Whether pod `a` should be deleted before pod `b` (upstream
 * ActivePodsWithRanks.Less). `rank` counts active related pods on the
 * same node. Order: unscheduled < scheduled; Pending < Unknown < Running;
 * not ready < ready; lower deletion cost; more doubled-up; more recently
 * ready; more restarts; newer.
 */
export function deletePodBefore(a: Pod, ra: number, b: Pod, rb: number, now: number): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  if (phaseOrdinal(a) !== phaseOrdinal(b)) return phaseOrdinal(a) < phaseOrdinal(b);
  if (isPodReady(a) !== isPodReady(b)) return !isPodReady(a);
  const ca = podDeletionCost(a);
  const cb = podDeletionCost(b);
  if (ca !== cb) return ca < cb;
  if (ra !== rb) return ra > rb;
  if (isPodReady(a) && isPodReady(b)) {
    const ta = readyTime(a);
    const tb = readyTime(b);
    if (ta !== tb) return newerFirst(a, b, ta, tb, now);
  }
  const xa = maxContainerRestarts(a);
  const xb = maxContainerRestarts(b);
  if (xa !== xb) return xa > xb;
  const ta = time(a.metadata?.creationTimestamp);
  const tb = time(b.metadata?.creationTimestamp);
  if (ta !== tb) return newerFirst(a, b, ta, tb, now);
  return false;
}

/**
 * The `diff` pods to delete when scaling down (upstream getPodsToDelete):
 * ranked by the pods of all sibling ReplicaSets sharing their node, so
 * doubled-up nodes lose pods first.
 */
export function podsToDelete(filtered: readonly Pod[], related: readonly Pod[], diff: number, now: number): Pod[] {
  if (diff >= filtered.length) return filtered.slice(0, diff);
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const ranked = filtered.map((p) => ({ p, rank: onNode.get(p.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) =>
    deletePodBefore(x.p, x.rank, y.p, y.rank, now) ? -1 : deletePodBefore(y.p, y.rank, x.p, x.rank, now) ? 1 : 0,
  );
  return ranked.slice(0, diff).map((r) => r.p);
}

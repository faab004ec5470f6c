import type { Node, NodeCondition, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export const taintNodeNotReady = 'node.kubernetes.io/not-ready';
export const taintNodeUnreachable = 'node.kubernetes.io/unreachable';
export const taintNodeUnschedulable = 'node.kubernetes.io/unschedulable';
export const taintNodeMemoryPressure = 'node.kubernetes.io/memory-pressure';
export const taintNodeDiskPressure = 'node.kubernetes.io/disk-pressure';
export const taintNodeNetworkUnavailable = 'node.kubernetes.io/network-unavailable';
export const taintNodePIDPressure = 'node.kubernetes.io/pid-pressure';
export const taintNodeOutOfService = 'node.kubernetes.io/out-of-service';

export const unreachableNoExecute: Taint = { key: taintNodeUnreachable, effect: 'NoExecute' };
export const notReadyNoExecute: Taint = { key: taintNodeNotReady, effect: 'NoExecute' };

/** Node condition status -> NoSchedule taint key (upstream `nodeConditionToTaintKeyStatusMap`). */
const conditionTaints: Record<string, Record<string, string>> = {
  Ready: { False: taintNodeNotReady, Unknown: taintNodeUnreachable },
  MemoryPressure: { True: taintNodeMemoryPressure },
  DiskPressure: { True: taintNodeDiskPressure },
  NetworkUnavailable: { True: taintNodeNetworkUnavailable },
  PIDPressure: { True: taintNodePIDPressure },
};
const conditionTaintKeys = new Set([
  ...Object.values(conditionTaints).flatMap((m) => Object.values(m)),
  taintNodeUnschedulable,
]);

/** Same key and effect (the identity of a taint on a node). */
export const sameTaint = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;

export function hasTaint(node: Node, t: Taint): boolean {
  return (node.spec?.taints ?? []).some((x) => sameTaint(x, t));
}

export function nodeCondition(node: Node, type: string): NodeCondition | undefined {
  return (node.status?.conditions ?? []).find((c) => c.type === type);
}

/** The node's NoExecute taints. */
export function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/**
 * The taint list after adding `add` and removing `remove` (by key+effect);
 * undefined when nothing changes. Added NoExecute taints get `timeAdded`.
 */
export function swapTaints(
  current: Taint[] | undefined,
  add: Taint[],
  remove: Taint[],
  now: string,
): Taint[] | undefined {
  let next = [...(current ?? [])];
  let changed = false;
  for (const r of remove) {
    const before = next.length;
    next = next.filter((t) => !sameTaint(t, r));
    if (next.length !== before) changed = true;
  }
  for (const a of add) {
    if (next.some((t) => sameTaint(t, a) && (t.value ?? '') === (a.value ?? ''))) continue;
    next = next.filter((t) => !sameTaint(t, a));
    next.push(a.effect === 'NoExecute' ? { ...a, timeAdded: now } : { ...a });
    changed = true;
  }
  return changed ? next : undefined;
}

/**
 * NoSchedule taints the node's conditions call for (TaintNodesByCondition):
 * returns what to add and remove among the condition-managed keys.
 */
export function noScheduleTaintChanges(node: Node): { add: Taint[]; remove: Taint[] } {
  const want: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = conditionTaints[c.type]?.[c.status];
    if (key) want.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) want.push({ key: taintNodeUnschedulable, effect: 'NoSchedule' });
  const have = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' && conditionTaintKeys.has(t.key));
  return {
    add: want.filter((w) => !have.some((h) => sameTaint(h, w))),
    remove: have.filter((h) => !want.some((w) => sameTaint(h, w))),
  };
}

/** Toleration.ToleratesTaint: matching effect (empty = all), key (empty = all), and Equal value or Exists. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

/** Whether every taint is tolerated, and the tolerations used (upstream GetMatchingTolerations). */
export function matchingTolerations(taints: Taint[], tolerations: Toleration[]): { all: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => tolerates(x, taint));
    if (!t) return { all: false, used: [] };
    used.push(t);
  }
  return { all: true, used };
}

/**
 * How long the pod may stay, in ms: the smallest `tolerationSeconds` among the
 * used tolerations (<= 0 means at once); -1 when they all tolerate forever; 0
 * when no toleration was needed.
 */
export function minTolerationMs(used: Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

/** Upstream `nodetopology.GetZoneKey`: region and zone, or '' when the node has neither. */
export function zoneKey(node: Node): string {
  const l = node.metadata?.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  if (!region && !zone) return '';
  return `${region}:\x00:${zone}`;
}

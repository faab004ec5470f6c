/**
 * What an evicted pod's status says (upstream `evictionMessage` and the
 * local-storage checks of the eviction manager), and the status the pod
 * worker writes: phase Failed, reason Evicted, the message, and a
 * DisruptionTarget condition.
 */
import type { Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../api/quantity/quantity.js';
import type { PodStats } from '../server/stats/summary-types.js';
import { podDiskUsage } from './ranking.js';
import { formatBytes } from './thresholds.js';
import type { StarvedResource } from './types.js';

export const evictedReason = 'Evicted';

const amount = (v: string | number | undefined) => (v === undefined ? undefined : Quantity.parse(String(v)));

/**
 * `The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container c
 * was using 200Mi, request is 0, has larger consumption of memory. `
 */
export function evictionMessage(
  resource: StarvedResource,
  pod: Pod,
  stats: PodStats | undefined,
  met?: { threshold: string; available: string },
): string {
  let msg = `The node was low on resource: ${resource}. `;
  if (met) msg += `Threshold quantity: ${met.threshold}, available: ${met.available}. `;
  if (!stats || (resource !== 'memory' && resource !== 'ephemeral-storage')) return msg;
  for (const cs of stats.containers) {
    const c = pod.spec?.containers.find((x) => x.name === cs.name);
    if (!c) continue;
    const request = amount(c.resources?.requests?.[resource] as string | undefined) ?? Quantity.parse('0');
    let usage: number | undefined;
    if (resource === 'memory') usage = cs.memory?.workingSetBytes;
    else if (cs.rootfs?.usedBytes !== undefined && cs.logs?.usedBytes !== undefined) {
      usage = cs.rootfs.usedBytes + cs.logs.usedBytes;
    }
    if (usage === undefined || usage <= Number(request.value())) continue;
    msg += `Container ${c.name} was using ${formatBytes(usage)}, request is ${request.toString()}, has larger consumption of ${resource}. `;
  }
  return msg;
}

/**
 * Pods over their own local-storage limits (evicted whatever the node's
 * state): an emptyDir above its sizeLimit, a container's writable layer and
 * logs above its ephemeral-storage limit, or the pod's total above the sum
 * of its containers' limits.
 */
export function localStorageViolation(pod: Pod, stats: PodStats | undefined): string | undefined {
  if (!stats) return undefined;
  const used = new Map((stats.volume ?? []).map((v) => [v.name, v.usedBytes ?? 0]));
  for (const v of pod.spec?.volumes ?? []) {
    const limit = amount(v.emptyDir?.sizeLimit as string | undefined);
    const u = used.get(v.name);
    if (!limit || limit.sign() <= 0 || u === undefined) continue;
    if (u > Number(limit.value()))
      return `Usage of EmptyDir volume ${JSON.stringify(v.name)} exceeds the limit ${JSON.stringify(limit.toString())}. `;
  }
  let podLimit = 0;
  let allLimited = true;
  for (const c of pod.spec?.containers ?? []) {
    const l = amount(c.resources?.limits?.['ephemeral-storage'] as string | undefined);
    if (!l) {
      allLimited = false;
      continue;
    }
    podLimit += Number(l.value());
  }
  if (podLimit > 0 && allLimited) {
    const usage = podDiskUsage(pod, stats, ['rootfs', 'logs', 'localVolumes']);
    if (usage > podLimit) {
      return `Pod ephemeral local storage usage exceeds the total limit of containers ${formatBytes(podLimit)}. `;
    }
  }
  for (const cs of stats.containers) {
    const c = pod.spec?.containers.find((x) => x.name === cs.name);
    const l = amount(c?.resources?.limits?.['ephemeral-storage'] as string | undefined);
    if (!c || !l) continue;
    const usage = (cs.rootfs?.usedBytes ?? 0) + (cs.logs?.usedBytes ?? 0);
    if (usage > Number(l.value())) {
      return `Container ${c.name} exceeded its local ephemeral storage limit ${JSON.stringify(l.toString())}. `;
    }
  }
  return undefined;
}

/** The status fields the pod worker sets on an evicted pod (its containers are killed first). */
export function evictedPodStatus(
  message: string,
  now: Date,
): Pick<PodStatus, 'phase' | 'reason' | 'message'> & {
  condition: PodCondition;
} {
  return {
    phase: 'Failed',
    reason: evictedReason,
    message,
    condition: {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'TerminationByKubelet',
      message,
      lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  };
}

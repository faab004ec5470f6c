import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable } from '../replicaset/pod-ranking.js';
import { isPodUpdated, surgeCount, unavailableCount } from './daemonset-util.js';
import { nodeShouldRunDaemonPod } from './node-predicates.js';

/**
 * The rollout budget (upstream updatedDesiredNodeCounts): maxSurge and
 * maxUnavailable resolved against the number of nodes that should run the
 * daemon (percentages rounded up); both zero falls back to one unavailable.
 * Adds an empty entry to `nodeToDaemonPods` for every such node without pods.
 */
export function updatedDesiredNodeCounts(
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToDaemonPods: Map<string, Pod[]>,
): { maxSurge: number; maxUnavailable: number; desiredNumberScheduled: number } {
  let desired = 0;
  for (const node of nodes) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    const name = node.metadata!.name!;
    if (!nodeToDaemonPods.has(name)) nodeToDaemonPods.set(name, []);
  }
  let maxUnavailable: number;
  let maxSurge: number;
  try {
    maxUnavailable = unavailableCount(ds, desired);
  } catch (err) {
    throw new Error(`invalid value for MaxUnavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    maxSurge = surgeCount(ds, desired);
  } catch (err) {
    throw new Error(`invalid value for MaxSurge: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable, desiredNumberScheduled: desired };
}

/**
 * The non-deleted new and old pod on a node; ok=false when there is more
 * than one of either (the manage loop prunes those first) (upstream findUpdatedPodsOnNode).
 */
export function findUpdatedPodsOnNode(pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingUpdatePlan {
  /** Pod names to delete. */
  podsToDelete: string[];
  /** Nodes to start a new pod on (surge). */
  nodesNeedingDaemonPods: string[];
}

/**
 * One step of a RollingUpdate (upstream rollingUpdate). Without surge, old
 * pods are deleted — unavailable old ones always, available ones only while
 * fewer than maxUnavailable pods are unavailable — and the manage loop
 * recreates them. With surge, a new pod is started next to an old one
 * (always when the old one is unavailable, else up to maxSurge at a time)
 * and the old pod is deleted once the new one is available. Deleted pods do
 * not count as unavailable, so a rollout progresses past down nodes.
 */
export function planRollingUpdate(
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToDaemonPods: Map<string, Pod[]>,
  hash: string,
  now: number,
): RollingUpdatePlan {
  const { maxSurge, maxUnavailable, desiredNumberScheduled } = updatedDesiredNodeCounts(ds, nodes, nodeToDaemonPods);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowedReplacements: string[] = [];
    const candidates: string[] = [];
    for (const pods of nodeToDaemonPods.values()) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        // The manage loop creates, prunes or replaces here: count it as unavailable.
        numUnavailable++;
        continue;
      }
      if (newPod) {
        if (!available(newPod)) numUnavailable++;
        continue;
      }
      if (!available(oldPod!)) {
        allowedReplacements.push(oldPod!.metadata!.name!);
        numUnavailable++;
      } else if (numUnavailable < maxUnavailable) {
        candidates.push(oldPod!.metadata!.name!);
      }
    }
    const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
    return { podsToDelete: [...allowedReplacements, ...candidates.slice(0, remaining)], nodesNeedingDaemonPods: [] };
  }

  const byName = new Map(nodes.map((n) => [n.metadata!.name!, n]));
  const shouldRunOn = (nodeName: string) => {
    const node = byName.get(nodeName);
    if (!node) throw new Error(`couldn't get node for nodeName ${JSON.stringify(nodeName)}: not found`);
    return nodeShouldRunDaemonPod(node, ds).shouldRun;
  };
  const oldPodsToDelete: string[] = [];
  const shouldNotRunPodsToDelete: string[] = [];
  const candidateNewNodes: string[] = [];
  const allowedNewNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const [nodeName, pods] of nodeToDaemonPods) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, hash);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRunOn(nodeName)) oldPodsToDelete.push(oldPod.metadata!.name!);
        else allowedNewNodes.push(nodeName);
        continue;
      }
      if (!shouldRunOn(nodeName)) {
        shouldNotRunPodsToDelete.push(oldPod.metadata!.name!);
        continue;
      }
      if (numSurge < maxSurge) candidateNewNodes.push(nodeName);
      continue;
    }
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    oldPodsToDelete.push(oldPod.metadata!.name!);
  }
  // Keep full availability when placement moves: delete a pod that should not run only once others are available.
  const deletable = Math.min(numAvailable - desiredNumberScheduled, shouldNotRunPodsToDelete.length);
  if (deletable > 0) oldPodsToDelete.push(...shouldNotRunPodsToDelete.slice(0, deletable));
  const remainingSurge = Math.min(Math.max(0, maxSurge - numSurge), candidateNewNodes.length);
  return {
    podsToDelete: oldPodsToDelete,
    nodesNeedingDaemonPods: [...allowedNewNodes, ...candidateNewNodes.slice(0, remainingSurge)],
  };
}

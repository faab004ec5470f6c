import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady } from '../replicaset/pod-ranking.js';
import type { FailedPodsBackoff } from './daemon-expectations.js';
import {
  allowsSurge,
  compareByCreationTimestampAndPhase,
  DaemonSetUniqueLabelKey,
  getTargetNodeName,
  isPodUpdated,
} from './daemonset-util.js';
import { nodeShouldRunDaemonPod } from './node-predicates.js';

/** Upstream reasons of the DaemonSet's own events. */
export const FailedDaemonPodReason = 'FailedDaemonPod';
export const SucceededDaemonPodReason = 'SucceededDaemonPod';
export const SelectingAllReason = 'SelectingAll';

/**
 * The DaemonSet's pods by the node they are for (bound or pinned by
 * affinity); terminal pods already being deleted are left out unless asked
 * for (upstream getNodesToDaemonPods after the claim).
 */
export function groupPodsByNode(pods: readonly Pod[], includeDeletedTerminal: boolean): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    const phase = pod.status?.phase;
    const terminal = phase === 'Succeeded' || phase === 'Failed';
    if (!includeDeletedTerminal && terminal && pod.metadata?.deletionTimestamp) continue;
    const node = getTargetNodeName(pod);
    if (node === undefined) continue;
    const list = out.get(node);
    if (list) list.push(pod);
    else out.set(node, [pod]);
  }
  return out;
}

export interface NodeDecisionContext {
  hash: string;
  now: number;
  backoff: FailedPodsBackoff;
  /** Records an event on the DaemonSet. */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Asks for another sync after `ms`. */
  requeueAfter(ms: number): void;
}

/**
 * What to do on one node (upstream podsShouldBeOnNode): create a pod where one
 * should run and none exists; delete failed (with per-node backoff) and
 * succeeded pods; keep only the oldest running pod — or, when surging, the
 * oldest new and oldest old pod until the new one is available; delete every
 * pod where none may continue running.
 */
export function podsShouldBeOnNode(
  node: Node,
  nodeToDaemonPods: ReadonlyMap<string, Pod[]>,
  ds: DaemonSet,
  c: NodeDecisionContext,
): { nodesNeedingDaemonPods: string[]; podsToDelete: string[] } {
  const nodeName = node.metadata!.name!;
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
  const daemonPods = nodeToDaemonPods.get(nodeName);
  const nodesNeedingDaemonPods: string[] = [];
  const podsToDelete: string[] = [];
  if (shouldRun && !daemonPods) {
    nodesNeedingDaemonPods.push(nodeName);
  } else if (shouldContinueRunning) {
    const running: Pod[] = [];
    for (const pod of daemonPods ?? []) {
      if (pod.metadata?.deletionTimestamp) continue;
      const where = `${pod.metadata?.namespace}/${pod.metadata?.name} on node ${nodeName}`;
      if (pod.status?.phase === 'Failed') {
        // The kubelet may keep rejecting this pod: back off instead of hot-looping.
        const key = `${ds.metadata?.uid}/${ds.status?.observedGeneration ?? 0}/${nodeName}`;
        if (c.backoff.isInBackOffSinceUpdate(key, c.now)) {
          c.requeueAfter(c.backoff.get(key));
          continue;
        }
        c.backoff.next(key, c.now);
        c.event('Warning', FailedDaemonPodReason, `Found failed daemon pod ${where}, will try to kill it`);
        podsToDelete.push(pod.metadata!.name!);
      } else if (pod.status?.phase === 'Succeeded') {
        c.event('Normal', SucceededDaemonPodReason, `Found succeeded daemon pod ${where}, will try to delete it`);
        podsToDelete.push(pod.metadata!.name!);
      } else {
        running.push(pod);
      }
    }
    running.sort(compareByCreationTimestampAndPhase);
    if (!allowsSurge(ds)) {
      for (const p of running.slice(1)) podsToDelete.push(p.metadata!.name!);
    } else if (running.length <= 1) {
      // Surging needs at least one live pod on the node.
      if (running.length === 0 && shouldRun) nodesNeedingDaemonPods.push(nodeName);
    } else {
      let oldestNew: Pod | undefined;
      let oldestOld: Pod | undefined;
      for (const pod of running) {
        if (pod.metadata?.labels?.[DaemonSetUniqueLabelKey] === c.hash) {
          if (!oldestNew) {
            oldestNew = pod;
            continue;
          }
        } else if (!oldestOld) {
          oldestOld = pod;
          continue;
        }
        podsToDelete.push(pod.metadata!.name!);
      }
      if (oldestNew && oldestOld) {
        if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, c.now))
          podsToDelete.push(oldestOld.metadata!.name!);
      }
    }
  } else if (daemonPods) {
    for (const pod of daemonPods) if (!pod.metadata?.deletionTimestamp) podsToDelete.push(pod.metadata!.name!);
  }
  return { nodesNeedingDaemonPods, podsToDelete };
}

/** Pods pinned to nodes that no longer exist and never bound: no one else will delete them (upstream getUnscheduledPodsWithoutNode). */
export function unscheduledPodsWithoutNode(
  nodes: readonly Node[],
  nodeToDaemonPods: ReadonlyMap<string, Pod[]>,
): string[] {
  const exists = new Set(nodes.map((n) => n.metadata?.name));
  const out: string[] = [];
  for (const [node, pods] of nodeToDaemonPods) {
    if (exists.has(node)) continue;
    for (const p of pods) if (!p.spec?.nodeName) out.push(p.metadata!.name!);
  }
  return out;
}

export interface DaemonSetCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

/**
 * Status counts (upstream updateDaemonSetStatus): per node that should run
 * the daemon, the oldest of its pods decides ready/available/updated; pods
 * on nodes that should not run it are misscheduled.
 */
export function computeDaemonSetCounts(
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToDaemonPods: ReadonlyMap<string, Pod[]>,
  hash: string,
  now: number,
): DaemonSetCounts {
  const c: DaemonSetCounts = {
    desiredNumberScheduled: 0,
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
  };
  const minReady = ds.spec?.minReadySeconds ?? 0;
  for (const node of nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    const pods = nodeToDaemonPods.get(node.metadata?.name ?? '') ?? [];
    if (!shouldRun) {
      if (pods.length > 0) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (pods.length === 0) continue;
    c.currentNumberScheduled++;
    const pod = [...pods].sort(compareByCreationTimestampAndPhase)[0]!;
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, minReady, now)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, hash)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

import { Code } from './status.js';
import type { NodeToStatus } from './node-to-status.js';
import type { Status } from './status.js';

/** What a failed cycle learned (upstream framework.Diagnosis). */
export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** Plugins that rejected the pod: only their registered events can requeue it. */
  unschedulablePlugins: Set<string>;
  /** Plugins that returned Pending: their events requeue the pod without backoff. */
  pendingPlugins: Set<string>;
  preFilterMsg: string;
  postFilterMsg: string;
}

export function newDiagnosis(nodeToStatus: NodeToStatus): Diagnosis {
  return {
    nodeToStatus,
    unschedulablePlugins: new Set(),
    pendingPlugins: new Set(),
    preFilterMsg: '',
    postFilterMsg: '',
  };
}

/** Records the plugin of a rejecting status (upstream Diagnosis.AddPluginStatus). */
export function addPluginStatus(d: Diagnosis, s: Status): void {
  if (!s.plugin) return;
  if (s.isRejected()) d.unschedulablePlugins.add(s.plugin);
  if (s.code === Code.Pending) d.pendingPlugins.add(s.plugin);
}

export const NoNodeAvailableMsg = (n: number) => `0/${n} nodes are available`;

/**
 * The FailedScheduling text (upstream FitError.Error):
 * `0/N nodes are available: <PreFilter message>.` or
 * `0/N nodes are available: <count> <reason>, ... .` with the reasons sorted
 * as strings, then ` <PostFilter message>` when preemption said something.
 */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `${NoNodeAvailableMsg(numAllNodes)}:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    d.nodeToStatus.forEachExplicit((_, s) => {
      for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    });
    const absent = numAllNodes - d.nodeToStatus.size;
    if (absent > 0) {
      for (const r of d.nodeToStatus.absentNodesStatus().reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    }
    const parts = [...counts].map(([r, n]) => `${n} ${r}`);
    // Go's sort.Strings: byte order, which UTF-16 code-unit order matches for these ASCII texts.
    parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}

/** The error a cycle fails with when no node fits. */
export class FitError extends Error {
  constructor(
    readonly podKey: string,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    // No message argument: Error would define an own `message` shadowing the getter.
    super();
    this.name = 'FitError';
  }

  override get message(): string {
    return fitErrorMessage(this.numAllNodes, this.diagnosis);
  }
  override set message(_: string) {
    // The message is always derived from the diagnosis.
  }
}

/** Raised when the cluster has no nodes at all (upstream ErrNoNodesAvailable). */
export const NoNodesAvailableMessage = 'no nodes available to schedule pods';

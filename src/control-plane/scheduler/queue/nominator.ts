import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NominatingInfo } from '../framework/interfaces.js';
import type { PodInfo } from '../framework/pod-info.js';

const none: readonly PodInfo[] = Object.freeze([]);

/**
 * Pods nominated to nodes by preemption, not yet bound (upstream nominator).
 * Filters count equal-or-higher-priority nominated pods as if they ran there.
 */
export class Nominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeOf = new Map<string, string>();

  /** `isLive` reports whether the pod still exists unassigned (deleted or bound pods are not nominated). */
  constructor(private readonly isLive: (pod: Pod) => boolean = () => true) {}

  /**
   * Records the pod's nomination: `info` Override sets it ('' clears); Noop
   * (or absent) keeps what the pod's status.nominatedNodeName says.
   */
  add(pi: PodInfo, info?: NominatingInfo): void {
    this.delete(pi.pod);
    const nodeName = info?.mode === 'Override' ? info.nominatedNodeName : (pi.pod.status?.nominatedNodeName ?? '');
    if (!nodeName) return;
    if (!this.isLive(pi.pod)) return;
    this.nodeOf.set(pi.uid, nodeName);
    let list = this.byNode.get(nodeName);
    if (!list) this.byNode.set(nodeName, (list = []));
    if (!list.some((p) => p.uid === pi.uid)) list.push(pi);
  }

  delete(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const node = this.nodeOf.get(uid);
    if (node === undefined) return;
    this.nodeOf.delete(uid);
    const list = this.byNode.get(node);
    if (!list) return;
    const i = list.findIndex((p) => p.uid === uid);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byNode.delete(node);
  }

  /**
   * Swaps in the new pod version. An update that carries no nomination while
   * the nominator holds one keeps it: the status write may not have landed yet.
   */
  update(oldPod: Pod, newPi: PodInfo): void {
    let info: NominatingInfo | undefined;
    if (!oldPod.status?.nominatedNodeName && !newPi.pod.status?.nominatedNodeName) {
      const nnn = this.nodeOf.get(oldPod.metadata?.uid ?? '');
      if (nnn !== undefined) info = { mode: 'Override', nominatedNodeName: nnn };
    }
    this.delete(oldPod);
    this.add(newPi, info);
  }

  podsForNode(nodeName: string): readonly PodInfo[] {
    if (this.byNode.size === 0) return none;
    return this.byNode.get(nodeName) ?? none;
  }

  nominatedNode(uid: string): string | undefined {
    return this.nodeOf.get(uid);
  }

  get size(): number {
    return this.nodeOf.size;
  }
}

import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock, Timer } from '../../../lib/clock.js';
import { NodeInfo, type ImageStateSummary } from '../framework/node-info.js';
import { PodInfo } from '../framework/pod-info.js';
import { NodeTree } from './node-tree.js';
import type { Snapshot } from './snapshot.js';

interface Item {
  info: NodeInfo;
  prev: Item | null;
  next: Item | null;
}

interface PodState {
  pi: PodInfo;
  /** When an assumed pod whose binding finished expires (ms, wall clock); undefined = never. */
  deadline: number | undefined;
  bindingFinished: boolean;
}

interface ImageState {
  summary: ImageStateSummary;
  nodes: Set<string>;
}

const uidOf = (pod: Pod) => pod.metadata?.uid ?? `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const podDesc = (pod: Pod) => `${uidOf(pod)}(${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''})`;

export interface CacheOptions {
  clock: Clock;
  /**
   * How long an assumed pod whose binding finished may wait for the informer
   * to confirm it before it is dropped. 0 (upstream's default) = never expire.
   */
  assumedPodTTLMs?: number;
}

/**
 * The scheduler's view of nodes and assigned pods (upstream internal/cache):
 * NodeInfos in a list ordered by last change (so a snapshot update walks only
 * the changed ones), assumed pods (placed before the binding is confirmed),
 * the zone-interleaved node tree and image states. Throws on inconsistent
 * events, with upstream's messages; callers log them.
 */
export class SchedulerCache {
  private readonly nodes = new Map<string, Item>();
  private head: Item | null = null;
  private readonly podStates = new Map<string, PodState>();
  private readonly assumedPods = new Set<string>();
  private readonly nodeTree = new NodeTree();
  private readonly imageStates = new Map<string, ImageState>();
  private readonly clock: Clock;
  private readonly ttl: number;
  private cleanupTimer: Timer | undefined;

  constructor(opts: CacheOptions) {
    this.clock = opts.clock;
    this.ttl = opts.assumedPodTTLMs ?? 0;
  }

  /** Starts the periodic expiry of assumed pods (every second, as upstream). */
  start(): void {
    this.cleanupTimer ??= this.clock.setInterval(() => this.cleanupAssumedPods(this.clock.now()), 1000);
  }

  stop(): void {
    this.cleanupTimer?.cancel();
    this.cleanupTimer = undefined;
  }

  // ---- nodes ----

  addNode(node: Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    let item = this.nodes.get(name);
    if (!item) {
      item = { info: new NodeInfo(), prev: null, next: null };
      this.nodes.set(name, item);
    } else if (item.info.node) {
      this.removeNodeImageStates(item.info.node);
    }
    this.moveToHead(item);
    this.nodeTree.addNode(node);
    item.info.setNode(node);
    this.addNodeImageStates(node, item.info);
    return item.info;
  }

  updateNode(oldNode: Node | undefined, newNode: Node): NodeInfo {
    const name = newNode.metadata?.name ?? '';
    let item = this.nodes.get(name);
    if (!item) {
      item = { info: new NodeInfo(), prev: null, next: null };
      this.nodes.set(name, item);
      this.nodeTree.addNode(newNode);
    } else {
      if (item.info.node) this.removeNodeImageStates(item.info.node);
      this.nodeTree.updateNode(item.info.node ?? oldNode, newNode);
    }
    this.moveToHead(item);
    item.info.setNode(newNode);
    this.addNodeImageStates(newNode, item.info);
    return item.info;
  }

  /** Removes the node; its NodeInfo lingers while pods still reference it (their deletes may arrive later). */
  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const item = this.nodes.get(name);
    if (!item) throw new Error(`node ${name} is not found`);
    const old = item.info.node;
    item.info.removeNode();
    if (item.info.pods.length === 0) this.unlink(item, name);
    else this.moveToHead(item);
    this.nodeTree.removeNode(old ?? node);
    this.removeNodeImageStates(old ?? node);
  }

  private addNodeImageStates(node: Node, info: NodeInfo): void {
    const states = new Map<string, ImageStateSummary>();
    const name = node.metadata?.name ?? '';
    for (const image of node.status?.images ?? []) {
      for (const imageName of image.names ?? []) {
        let st = this.imageStates.get(imageName);
        if (!st) {
          st = { summary: { size: image.sizeBytes ?? 0, numNodes: 0 }, nodes: new Set() };
          this.imageStates.set(imageName, st);
        }
        if (!st.nodes.has(name)) {
          st.nodes.add(name);
          st.summary.numNodes = st.nodes.size;
        }
        if (!states.has(imageName)) states.set(imageName, st.summary);
      }
    }
    info.setImageStates(states);
  }

  private removeNodeImageStates(node: Node): void {
    const name = node.metadata?.name ?? '';
    for (const image of node.status?.images ?? []) {
      for (const imageName of image.names ?? []) {
        const st = this.imageStates.get(imageName);
        if (!st) continue;
        st.nodes.delete(name);
        st.summary.numNodes = st.nodes.size;
        if (st.nodes.size === 0) this.imageStates.delete(imageName);
      }
    }
  }

  // ---- pods ----

  /** Places a pod on `pi.pod.spec.nodeName` before its binding is confirmed. */
  assumePod(pi: PodInfo): void {
    if (this.podStates.has(pi.uid)) throw new Error(`pod ${podDesc(pi.pod)} is in the cache, so can't be assumed`);
    this.addPodInternal(pi, true);
  }

  /** The binding call returned: start the assumed pod's expiry clock. */
  finishBinding(pod: Pod): void {
    const uid = uidOf(pod);
    const st = this.podStates.get(uid);
    if (st && this.assumedPods.has(uid)) {
      st.bindingFinished = true;
      st.deadline = this.ttl > 0 ? this.clock.now() + this.ttl : undefined;
    }
  }

  /** Undoes assumePod (binding failed or a later phase rejected the pod). */
  forgetPod(pod: Pod): void {
    const uid = uidOf(pod);
    const st = this.podStates.get(uid);
    if (st && st.pi.pod.spec?.nodeName !== pod.spec?.nodeName) {
      throw new Error(
        `pod ${podDesc(pod)} was assumed on ${pod.spec?.nodeName} but assigned to ${st.pi.pod.spec?.nodeName}`,
      );
    }
    if (!st || !this.assumedPods.has(uid)) throw new Error(`pod ${podDesc(pod)} wasn't assumed so cannot be forgotten`);
    this.removePodInternal(st.pi.pod);
  }

  /** An assigned pod seen by the informer: confirms an assumed pod, or adds it. */
  addPod(pod: Pod): void {
    const uid = uidOf(pod);
    const st = this.podStates.get(uid);
    if (st && this.assumedPods.has(uid)) {
      // Replace the assumed copy with the real object (possibly on another node). It is the pod
      // this scheduler placed, so the compiled parts (requests, affinity terms) still hold.
      this.removePodInternal(st.pi.pod);
      this.addPodInternal(st.pi.withPod(pod), false);
      return;
    }
    if (st) throw new Error(`pod ${podDesc(pod)} was already in added state`);
    this.addPodInternal(new PodInfo(pod), false);
  }

  updatePod(oldPod: Pod, newPod: Pod): void {
    const uid = uidOf(oldPod);
    const st = this.podStates.get(uid);
    if (!st) throw new Error(`pod ${podDesc(oldPod)} is not added to scheduler cache, so cannot be updated`);
    if (this.assumedPods.has(uid)) throw new Error(`assumed pod ${podDesc(oldPod)} should not be updated`);
    if (st.pi.pod.spec?.nodeName !== newPod.spec?.nodeName) {
      throw new Error(`pod ${podDesc(oldPod)} updated on a different node than previously added to`);
    }
    this.removePodInternal(st.pi.pod);
    this.addPodInternal(PodInfo.update(st.pi, newPod), false);
  }

  removePod(pod: Pod): void {
    const uid = uidOf(pod);
    const st = this.podStates.get(uid);
    if (!st) throw new Error(`pod ${podDesc(pod)} is not found in scheduler cache, so cannot be removed from it`);
    if (st.pi.pod.spec?.nodeName !== pod.spec?.nodeName) {
      throw new Error(
        `pod ${podDesc(pod)} was assumed on ${pod.spec?.nodeName} but assigned to ${st.pi.pod.spec?.nodeName}`,
      );
    }
    this.removePodInternal(st.pi.pod);
  }

  isAssumedPod(pod: Pod): boolean {
    return this.assumedPods.has(uidOf(pod));
  }

  /** The cached (possibly assumed) version of a pod. */
  getPod(pod: Pod): Pod | undefined {
    return this.podStates.get(uidOf(pod))?.pi.pod;
  }

  /** Drops assumed pods whose binding finished more than the TTL ago. */
  cleanupAssumedPods(now: number): void {
    for (const uid of [...this.assumedPods]) {
      const st = this.podStates.get(uid);
      if (!st || !st.bindingFinished || st.deadline === undefined) continue;
      if (now > st.deadline) this.removePodInternal(st.pi.pod);
    }
  }

  private addPodInternal(pi: PodInfo, assumed: boolean): void {
    const nodeName = pi.pod.spec?.nodeName ?? '';
    let item = this.nodes.get(nodeName);
    if (!item) {
      item = { info: new NodeInfo(), prev: null, next: null };
      this.nodes.set(nodeName, item);
    }
    item.info.addPodInfo(pi);
    this.moveToHead(item);
    this.podStates.set(pi.uid, { pi, deadline: undefined, bindingFinished: false });
    if (assumed) this.assumedPods.add(pi.uid);
  }

  private removePodInternal(pod: Pod): void {
    const uid = uidOf(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    const item = this.nodes.get(nodeName);
    if (item) {
      item.info.removePod(uid);
      if (item.info.pods.length === 0 && !item.info.node) this.unlink(item, nodeName);
      else this.moveToHead(item);
    }
    this.podStates.delete(uid);
    this.assumedPods.delete(uid);
  }

  // ---- list order ----

  private moveToHead(item: Item): void {
    if (this.head === item) return;
    if (item.prev) item.prev.next = item.next;
    if (item.next) item.next.prev = item.prev;
    item.prev = null;
    item.next = this.head;
    if (this.head) this.head.prev = item;
    this.head = item;
  }

  private unlink(item: Item, name: string): void {
    if (item.prev) item.prev.next = item.next;
    if (item.next) item.next.prev = item.prev;
    if (this.head === item) this.head = item.next;
    item.prev = item.next = null;
    this.nodes.delete(name);
  }

  // ---- snapshot ----

  /**
   * Brings `snap` up to date (upstream UpdateSnapshot): copies NodeInfos
   * changed since the snapshot's generation into the snapshot's objects,
   * drops deleted nodes, and rebuilds the lists only when membership or the
   * affinity/PVC subsets changed.
   */
  updateSnapshot(snap: Snapshot): void {
    const gen = snap.generation;
    let updateAll = false;
    let updateAffinity = false;
    let updateAnti = false;
    let updatePVC = false;
    for (let it = this.head; it !== null; it = it.next) {
      const info = it.info;
      if (info.generation <= gen) break;
      if (!info.node) continue;
      let existing = snap.nodeInfoMap.get(info.name);
      if (!existing) {
        updateAll = true;
        existing = new NodeInfo();
        snap.nodeInfoMap.set(info.name, existing);
      }
      if (existing.podsWithAffinity.length > 0 !== info.podsWithAffinity.length > 0) updateAffinity = true;
      if (existing.podsWithRequiredAntiAffinity.length > 0 !== info.podsWithRequiredAntiAffinity.length > 0)
        updateAnti = true;
      if (!updatePVC && !sameKeys(existing.pvcRefCounts, info.pvcRefCounts)) updatePVC = true;
      existing.copyFrom(info);
    }
    if (this.head) snap.generation = this.head.info.generation;
    // Membership or zone changes reorder the tree; rebuild the list so its order matches a fresh snapshot.
    if (snap.nodeTreeVersion !== this.nodeTree.version) updateAll = true;
    if (snap.nodeInfoMap.size > this.nodeTree.numNodes) {
      for (const name of [...snap.nodeInfoMap.keys()]) {
        const it = this.nodes.get(name);
        if (!it || !it.info.node) snap.nodeInfoMap.delete(name);
      }
      updateAll = true;
    }
    if (updateAll || updateAffinity || updateAnti || updatePVC) this.rebuildLists(snap, updateAll);
  }

  private rebuildLists(snap: Snapshot, updateAll: boolean): void {
    if (updateAll) {
      const list: NodeInfo[] = [];
      for (const name of this.nodeTree.list()) {
        const ni = snap.nodeInfoMap.get(name);
        if (ni) list.push(ni);
      }
      snap.nodeInfoList = list;
      snap.nodeTreeVersion = this.nodeTree.version;
    }
    const aff: NodeInfo[] = [];
    const anti: NodeInfo[] = [];
    const pvcs = new Set<string>();
    for (const ni of snap.nodeInfoList) {
      if (ni.podsWithAffinity.length > 0) aff.push(ni);
      if (ni.podsWithRequiredAntiAffinity.length > 0) anti.push(ni);
      for (const k of ni.pvcRefCounts.keys()) pvcs.add(k);
    }
    snap.havePodsWithAffinityNodeInfoList = aff;
    snap.havePodsWithRequiredAntiAffinityNodeInfoList = anti;
    snap.usedPVCSet = pvcs;
  }

  // ---- introspection (tests, debugging) ----

  nodeCount(): number {
    return this.nodeTree.numNodes;
  }
  podCount(): number {
    return this.podStates.size;
  }
  assumedPodCount(): number {
    return this.assumedPods.size;
  }
  /** The cache's own NodeInfo (not a snapshot copy). */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name)?.info;
  }
  /** Node names with a Node object, in node-tree order. */
  nodeNames(): string[] {
    return this.nodeTree.list();
  }
}

function sameKeys(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) if (!b.has(k)) return false;
  return true;
}

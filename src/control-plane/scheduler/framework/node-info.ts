import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import type { PodInfo } from './pod-info.js';
import { Resource } from './resource.js';

let generation = 0;

/** A process-wide, strictly increasing generation; every NodeInfo change takes a new one. */
export function nextGeneration(): number {
  return ++generation;
}

export const DefaultBindAllHostIP = '0.0.0.0';

/** Host ports in use on a node: ip -> set of `protocol/port` (upstream HostPortInfo). */
export class HostPortInfo {
  private readonly byIp = new Map<string, Set<string>>();

  private static key(protocol: string | undefined, port: number): string {
    return `${protocol || 'TCP'}/${port}`;
  }

  add(ip: string | undefined, protocol: string | undefined, port: number): void {
    if (port <= 0) return;
    const k = HostPortInfo.key(protocol, port);
    const addr = ip || DefaultBindAllHostIP;
    let set = this.byIp.get(addr);
    if (!set) this.byIp.set(addr, (set = new Set()));
    set.add(k);
  }

  remove(ip: string | undefined, protocol: string | undefined, port: number): void {
    if (port <= 0) return;
    const addr = ip || DefaultBindAllHostIP;
    const set = this.byIp.get(addr);
    if (!set) return;
    set.delete(HostPortInfo.key(protocol, port));
    if (set.size === 0) this.byIp.delete(addr);
  }

  /** 0.0.0.0 conflicts with the same protocol/port on any address; a specific address with itself or 0.0.0.0. */
  checkConflict(ip: string | undefined, protocol: string | undefined, port: number): boolean {
    if (port <= 0) return false;
    const k = HostPortInfo.key(protocol, port);
    const addr = ip || DefaultBindAllHostIP;
    if (addr === DefaultBindAllHostIP) {
      for (const set of this.byIp.values()) if (set.has(k)) return true;
      return false;
    }
    return !!this.byIp.get(DefaultBindAllHostIP)?.has(k) || !!this.byIp.get(addr)?.has(k);
  }

  get size(): number {
    let n = 0;
    for (const s of this.byIp.values()) n += s.size;
    return n;
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, set] of this.byIp) c.byIp.set(ip, new Set(set));
    return c;
  }

  /** Sorted `ip/protocol/port` entries (tests and debugging). */
  entries(): string[] {
    const out: string[] = [];
    for (const [ip, set] of this.byIp) for (const k of set) out.push(`${ip}/${k}`);
    return out.sort();
  }
}

export { hostPortsOf } from './pod-info.js';

/** An image on nodes: its size and on how many nodes it is present (shared by the cache's NodeInfos). */
export interface ImageStateSummary {
  size: number;
  numNodes: number;
}

const noLabels: Readonly<Record<string, string>> = Object.freeze({});
const noTaints: readonly Taint[] = Object.freeze([]);
const noImages: ReadonlyMap<string, ImageStateSummary> = new Map();
const noPodInfos: PodInfo[] = [];
// Shared empties, replaced by a NodeInfo's own instance before its first change.
const noPorts = new HostPortInfo();
const noClaims: ReadonlyMap<string, number> = new Map();

/**
 * Per-node aggregates the plugins read instead of scanning pods (upstream
 * framework.NodeInfo): requested resources, used host ports, pods with
 * affinity, image states and PVC reference counts. Every change bumps
 * `generation`, which drives the incremental snapshot. A NodeInfo may exist
 * without its Node while pods still reference a deleted node.
 */
export class NodeInfo {
  node: Node | null = null;
  name = '';
  labels: Readonly<Record<string, string>> = noLabels;
  taints: readonly Taint[] = noTaints;
  pods: PodInfo[];
  podsWithAffinity: PodInfo[];
  podsWithRequiredAntiAffinity: PodInfo[];
  /** Read-only to plugins; shared with copies until the first host-port pod changes it. */
  usedPorts: HostPortInfo;
  requested: Resource;
  /** Requested with 100m/200Mi counted for containers without cpu/memory requests (scoring only). */
  nonZeroRequested: Resource;
  /** Never changed in place (setNode replaces it), so copies share it. */
  allocatable: Resource;
  imageStates: ReadonlyMap<string, ImageStateSummary> = noImages;
  /** `namespace/claim` -> number of pods on this node using it. Read-only to plugins; copied on first write. */
  pvcRefCounts: ReadonlyMap<string, number>;
  generation = 0;

  /** `copy`: a copy of that NodeInfo (snapshot()); otherwise an empty one, for `node` when given. */
  constructor(node?: Node, copy?: NodeInfo) {
    if (copy) {
      // Preemption what-ifs copy NodeInfos by the thousand: no default state to throw away.
      this.pods = this.podsWithAffinity = this.podsWithRequiredAntiAffinity = noPodInfos;
      this.usedPorts = noPorts;
      this.pvcRefCounts = noClaims;
      this.requested = this.nonZeroRequested = this.allocatable = copy.requested;
      this.copyFrom(copy);
      return;
    }
    this.pods = [];
    this.podsWithAffinity = [];
    this.podsWithRequiredAntiAffinity = [];
    this.usedPorts = noPorts;
    this.pvcRefCounts = noClaims;
    this.requested = new Resource();
    this.nonZeroRequested = new Resource();
    this.allocatable = new Resource();
    if (node) this.setNode(node);
    else this.generation = nextGeneration();
  }

  /** Sets the node object (allocatable, labels, taints); image states are set by the cache. */
  setNode(node: Node): void {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.labels = node.metadata?.labels ?? noLabels;
    this.taints = node.spec?.taints ?? noTaints;
    this.allocatable = Resource.fromList(node.status?.allocatable as Record<string, string> | undefined);
    this.generation = nextGeneration();
  }

  /** Drops the node object, keeping pods that still point at it. */
  removeNode(): void {
    this.node = null;
    this.labels = noLabels;
    this.taints = noTaints;
    this.imageStates = noImages;
    this.generation = nextGeneration();
  }

  setImageStates(states: ReadonlyMap<string, ImageStateSummary>): void {
    this.imageStates = states;
    this.generation = nextGeneration();
  }

  addPodInfo(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(pi);
    this.update(pi, 1);
  }

  /** Removes the pod with `uid`; returns the removed PodInfo (undefined when absent). */
  removePod(uid: string): PodInfo | undefined {
    const i = this.pods.findIndex((p) => p.uid === uid);
    if (i < 0) return undefined;
    const pi = this.pods[i]!;
    swapRemove(this.pods, i);
    if (pi.hasAffinity)
      swapRemove(
        this.podsWithAffinity,
        this.podsWithAffinity.findIndex((p) => p.uid === uid),
      );
    if (pi.hasRequiredAntiAffinity) {
      swapRemove(
        this.podsWithRequiredAntiAffinity,
        this.podsWithRequiredAntiAffinity.findIndex((p) => p.uid === uid),
      );
    }
    this.update(pi, -1);
    return pi;
  }

  private update(pi: PodInfo, sign: 1 | -1): void {
    const r = pi.resource;
    if (sign > 0) this.requested.add(r.requests);
    else this.requested.sub(r.requests);
    this.nonZeroRequested.milliCPU += sign * r.nonZeroMilliCPU;
    this.nonZeroRequested.memory += sign * r.nonZeroMemory;
    const ports = pi.hostPorts;
    if (ports.length > 0) {
      if (this.usedPorts === noPorts) this.usedPorts = new HostPortInfo();
      for (const p of ports) {
        if (sign > 0) this.usedPorts.add(p.hostIP, p.protocol, p.hostPort!);
        else this.usedPorts.remove(p.hostIP, p.protocol, p.hostPort!);
      }
    }
    const claims = pi.claimKeys;
    if (claims.length > 0) {
      const counts =
        this.pvcRefCounts === noClaims ? new Map<string, number>() : (this.pvcRefCounts as Map<string, number>);
      this.pvcRefCounts = counts;
      for (const key of claims) {
        const n = (counts.get(key) ?? 0) + sign;
        if (n <= 0) counts.delete(key);
        else counts.set(key, n);
      }
    }
    this.generation = nextGeneration();
  }

  /** An independent copy for a snapshot or a what-if (preemption) evaluation. */
  snapshot(): NodeInfo {
    return new NodeInfo(undefined, this);
  }

  /** Makes this a copy of `o`, keeping this object's identity (snapshot lists hold references). */
  copyFrom(o: NodeInfo): void {
    this.node = o.node;
    this.name = o.name;
    this.labels = o.labels;
    this.taints = o.taints;
    this.pods = o.pods.slice();
    this.podsWithAffinity = o.podsWithAffinity.length ? o.podsWithAffinity.slice() : [];
    this.podsWithRequiredAntiAffinity = o.podsWithRequiredAntiAffinity.length
      ? o.podsWithRequiredAntiAffinity.slice()
      : [];
    this.usedPorts = o.usedPorts.size ? o.usedPorts.clone() : noPorts;
    this.requested = o.requested.clone();
    this.nonZeroRequested = o.nonZeroRequested.clone();
    // Never changed in place (setNode replaces it): shared.
    this.allocatable = o.allocatable;
    this.imageStates = o.imageStates;
    this.pvcRefCounts = o.pvcRefCounts.size ? new Map(o.pvcRefCounts) : noClaims;
    this.generation = o.generation;
  }
}

function swapRemove<T>(arr: T[], i: number): void {
  if (i < 0) return;
  const last = arr.length - 1;
  if (i !== last) arr[i] = arr[last]!;
  arr.pop();
}

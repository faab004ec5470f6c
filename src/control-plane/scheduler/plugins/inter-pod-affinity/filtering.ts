import type { StateData } from '../../framework/cycle-state.js';
import type { Listers } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { termMatches, type AffinityTerm, type PodInfo } from '../../framework/pod-info.js';
import { TopologyCounts, mergeTermNamespaces, namespaceLabels, podMatchesAllAffinityTerms } from './common.js';
import { podSignature, termSignature, type NodeMatchMemo } from './match-memo.js';

/** InterPodAffinity's PreFilter state (upstream preFilterState). */
export class PreFilterState implements StateData {
  constructor(
    readonly pod: PodInfo,
    /** The incoming pod's required terms, namespace selectors resolved. */
    readonly affinityTerms: readonly AffinityTerm[],
    readonly antiAffinityTerms: readonly AffinityTerm[],
    readonly namespaceLabels: Record<string, string> | undefined,
    /** Domains where existing pods' anti-affinity terms match the incoming pod. */
    readonly existingAntiAffinityCounts: TopologyCounts,
    /** Domains with pods matching all the incoming pod's affinity terms. */
    readonly affinityCounts: TopologyCounts,
    /** Domains with pods matching the incoming pod's anti-affinity terms. */
    readonly antiAffinityCounts: TopologyCounts,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.pod,
      this.affinityTerms,
      this.antiAffinityTerms,
      this.namespaceLabels,
      this.existingAntiAffinityCounts.clone(),
      this.affinityCounts.clone(),
      this.antiAffinityCounts.clone(),
    );
  }

  /** A pod added to (1) or removed from (-1) `nodeInfo` in a what-if (upstream updateWithPod). */
  updateWithPod(pi: PodInfo, nodeInfo: NodeInfo, delta: number): void {
    const labels = nodeInfo.labels;
    this.existingAntiAffinityCounts.updateWithAntiAffinityTerms(
      pi.requiredAntiAffinityTerms,
      this.pod.pod,
      this.namespaceLabels,
      labels,
      delta,
    );
    this.affinityCounts.updateWithAffinityTerms(this.affinityTerms, pi.pod, labels, delta);
    this.antiAffinityCounts.updateWithAntiAffinityTerms(this.antiAffinityTerms, pi.pod, undefined, labels, delta);
  }
}

/**
 * Upstream getExistingAntiAffinityCounts + getIncomingAffinityAntiAffinityCounts.
 * Per-node match results come from `memo`, so only nodes changed since a
 * pod with the same signature was scheduled are matched again.
 */
export function calPreFilterState(
  pi: PodInfo,
  listers: Listers,
  allNodes: readonly NodeInfo[],
  withAnti: readonly NodeInfo[],
  memo: NodeMatchMemo,
): PreFilterState {
  const affinityTerms = pi.requiredAffinityTerms.map((t) => mergeTermNamespaces(t, listers));
  const antiTerms = pi.requiredAntiAffinityTerms.map((t) => mergeTermNamespaces(t, listers));
  const nsLabels = namespaceLabels(listers, pi.namespace);
  const existing = new TopologyCounts();
  if (withAnti.length) {
    const key = podSignature(pi.pod, nsLabels);
    const cycle = {};
    // Per node: the topology keys of its pods' anti-affinity terms that match the incoming pod.
    const matchedKeys = (ni: NodeInfo): string[] => {
      const keys: string[] = [];
      for (const ep of ni.podsWithRequiredAntiAffinity) {
        for (const t of ep.requiredAntiAffinityTerms) if (termMatches(t, pi.pod, nsLabels)) keys.push(t.topologyKey);
      }
      return keys;
    };
    for (const ni of withAnti) {
      if (!ni.node) continue;
      for (const k of memo.resultFor(allNodes, key, cycle, ni, matchedKeys)) existing.update(ni.labels, k, 1);
    }
  }
  const affinity = new TopologyCounts();
  const anti = new TopologyCounts();
  if (affinityTerms.length) {
    const key = 'all\u0000' + affinityTerms.map(termSignature).join('\u0000');
    const perNode = memo.countPerNode(allNodes, key, (ni) => {
      let n = 0;
      for (const ep of ni.pods) if (podMatchesAllAffinityTerms(affinityTerms, ep.pod)) n++;
      return n;
    });
    for (let k = 0; k < allNodes.length; k++) {
      const n = perNode[k]!;
      if (n) for (const t of affinityTerms) affinity.update(allNodes[k]!.labels, t.topologyKey, n);
    }
  }
  for (const t of antiTerms) {
    const perNode = memo.countPerNode(allNodes, 'any\u0000' + termSignature(t), (ni) => {
      let n = 0;
      for (const ep of ni.pods) if (termMatches(t, ep.pod, undefined)) n++;
      return n;
    });
    for (let k = 0; k < allNodes.length; k++) {
      const n = perNode[k]!;
      if (n) anti.update(allNodes[k]!.labels, t.topologyKey, n);
    }
  }
  return new PreFilterState(pi, affinityTerms, antiTerms, nsLabels, existing, affinity, anti);
}

/** Every affinity term's domain on this node has a matching pod (or the pod is the first of its kind). */
export function satisfyPodAffinity(s: PreFilterState, ni: NodeInfo): boolean {
  let podsExist = true;
  for (const t of s.affinityTerms) {
    const v = ni.labels[t.topologyKey];
    if (v === undefined) return false;
    if (s.affinityCounts.get(t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself may go anywhere its own terms allow.
  return s.affinityCounts.size === 0 && podMatchesAllAffinityTerms(s.affinityTerms, s.pod.pod);
}

export function satisfyPodAntiAffinity(s: PreFilterState, ni: NodeInfo): boolean {
  if (s.antiAffinityCounts.size === 0) return true;
  for (const t of s.antiAffinityTerms) {
    const v = ni.labels[t.topologyKey];
    if (v !== undefined && s.antiAffinityCounts.get(t.topologyKey, v) > 0) return false;
  }
  return true;
}

export function satisfyExistingPodsAntiAffinity(s: PreFilterState, ni: NodeInfo): boolean {
  if (s.existingAntiAffinityCounts.size === 0) return true;
  return !s.existingAntiAffinityCounts.anyPositive(ni.labels);
}

import type { StateData } from '../../framework/cycle-state.js';
import type { Listers } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { AffinityTerm, PodInfo } from '../../framework/pod-info.js';
import { TopologyCounts, mergeTermNamespaces, namespaceLabels, podMatchesAllAffinityTerms } from './common.js';

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

export function calPreFilterState(
  pi: PodInfo,
  listers: Listers,
  allNodes: readonly NodeInfo[],
  withAnti: readonly NodeInfo[],
): PreFilterState {
  const affinityTerms = pi.requiredAffinityTerms.map((t) => mergeTermNamespaces(t, listers));
  const antiTerms = pi.requiredAntiAffinityTerms.map((t) => mergeTermNamespaces(t, listers));
  const nsLabels = namespaceLabels(listers, pi.namespace);
  const existing = new TopologyCounts();
  for (const ni of withAnti) {
    if (!ni.node) continue;
    for (const ep of ni.podsWithRequiredAntiAffinity) {
      existing.updateWithAntiAffinityTerms(ep.requiredAntiAffinityTerms, pi.pod, nsLabels, ni.labels, 1);
    }
  }
  const affinity = new TopologyCounts();
  const anti = new TopologyCounts();
  if (affinityTerms.length || antiTerms.length) {
    for (const ni of allNodes) {
      if (!ni.node) continue;
      for (const ep of ni.pods) {
        affinity.updateWithAffinityTerms(affinityTerms, ep.pod, ni.labels, 1);
        anti.updateWithAntiAffinityTerms(antiTerms, ep.pod, undefined, ni.labels, 1);
      }
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

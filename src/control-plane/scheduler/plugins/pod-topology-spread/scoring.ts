import type { StateData } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import {
  LabelHostname,
  countPodsMatchSelector,
  matchNodeInclusionPolicies,
  nodeLabelsMatchSpreadConstraints,
  type Constraint,
} from './common.js';

/** PodTopologySpread's PreScore state (upstream preScoreState). */
export class PreScoreState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    /** Filtered nodes lacking a required topology key: scored 0. */
    readonly ignoredNodes: Set<string>,
    /** Per constraint: domain value -> matching pods (hostname constraints are counted per node in Score). */
    readonly topologyValueToPodCounts: Map<string, number>[],
    readonly topologyNormalizingWeight: number[],
  ) {}

  clone(): PreScoreState {
    return this;
  }
}

/** log(size + 2): more domains weigh a constraint more (upstream topologyNormalizingWeight). */
export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

/** cnt * weight + maxSkew - 1 (upstream scoreForCount). */
export function scoreForCount(cnt: number, maxSkew: number, tpWeight: number): number {
  return cnt * tpWeight + (maxSkew - 1);
}

/**
 * Upstream initPreScoreState + the counting pass of PreScore: domains come
 * from the filtered nodes, counts from all nodes passing the inclusion
 * policies. With system-defaulted constraints, nodes missing a key are not
 * ignored (`requireAllTopologies` false).
 */
export function calPreScoreState(
  pod: PodInfo,
  constraints: readonly Constraint[],
  filteredNodes: readonly NodeInfo[],
  allNodes: readonly NodeInfo[],
  requireAllTopologies: boolean,
): PreScoreState {
  const ignored = new Set<string>();
  const counts = constraints.map(() => new Map<string, number>());
  const topoSize = constraints.map(() => 0);
  for (const ni of filteredNodes) {
    if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) {
      ignored.add(ni.name);
      continue;
    }
    constraints.forEach((c, i) => {
      if (c.topologyKey === LabelHostname) return;
      const v = ni.labels[c.topologyKey] ?? '';
      if (!counts[i]!.has(v)) {
        counts[i]!.set(v, 0);
        topoSize[i]!++;
      }
    });
  }
  const weights = constraints.map((c, i) =>
    topologyNormalizingWeight(c.topologyKey === LabelHostname ? filteredNodes.length - ignored.size : topoSize[i]!),
  );
  const required = pod.requiredNodeAffinity;
  for (const ni of allNodes) {
    const node = ni.node;
    if (!node || !nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!matchNodeInclusionPolicies(c, pod.pod, ni, required)) return;
      const v = ni.labels[c.topologyKey]!;
      const m = counts[i]!;
      const cur = m.get(v);
      // Domains of no candidate node need no count; hostname is counted in Score.
      if (cur === undefined) return;
      m.set(v, cur + countPodsMatchSelector(ni.pods, c.selector, pod.namespace));
    });
  }
  return new PreScoreState(constraints, ignored, counts, weights);
}

export function scoreNode(s: PreScoreState, pod: PodInfo, ni: NodeInfo): number {
  if (s.ignoredNodes.has(ni.name)) return 0;
  let score = 0;
  s.constraints.forEach((c, i) => {
    const v = ni.labels[c.topologyKey];
    if (v === undefined) return;
    const cnt =
      c.topologyKey === LabelHostname
        ? countPodsMatchSelector(ni.pods, c.selector, pod.namespace)
        : (s.topologyValueToPodCounts[i]!.get(v) ?? 0);
    score += scoreForCount(cnt, c.maxSkew, s.topologyNormalizingWeight[i]!);
  });
  return Math.round(score);
}

/** Fewer matching pods is better: maxScore + minScore - score, scaled (upstream NormalizeScore). */
export function normalize(s: PreScoreState, scores: number[], nodes: readonly NodeInfo[], maxNodeScore: number): void {
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  const invalid = -1;
  for (let i = 0; i < scores.length; i++) {
    if (s.ignoredNodes.has(nodes[i]!.name)) {
      scores[i] = invalid;
      continue;
    }
    if (scores[i]! < min) min = scores[i]!;
    if (scores[i]! > max) max = scores[i]!;
  }
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] === invalid) {
      scores[i] = 0;
      continue;
    }
    if (max === 0) {
      scores[i] = maxNodeScore;
      continue;
    }
    scores[i] = Math.trunc((maxNodeScore * (max + min - scores[i]!)) / max);
  }
}

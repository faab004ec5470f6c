import type { Pod } from 'kubernetes-types/core/v1.js';
import type { StateData } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { termMatches, type AffinityTerm, type PodInfo, type WeightedAffinityTerm } from '../../framework/pod-info.js';

/** topologyKey -> value -> score contribution (upstream scoreMap). */
export type ScoreMap = Map<string, Map<string, number>>;

export class PreScoreState implements StateData {
  constructor(readonly topologyScore: ScoreMap) {}
  clone(): PreScoreState {
    return this;
  }
}

function processTerm(
  m: ScoreMap,
  term: AffinityTerm,
  weight: number,
  pod: Pod,
  nsLabels: Record<string, string> | undefined,
  labels: Readonly<Record<string, string>>,
  multiplier: number,
): void {
  if (!termMatches(term, pod, nsLabels)) return;
  const v = labels[term.topologyKey];
  if (v === undefined) return;
  let byValue = m.get(term.topologyKey);
  if (!byValue) m.set(term.topologyKey, (byValue = new Map()));
  byValue.set(v, (byValue.get(v) ?? 0) + weight * multiplier);
}

function processTerms(
  m: ScoreMap,
  terms: readonly WeightedAffinityTerm[],
  pod: Pod,
  nsLabels: Record<string, string> | undefined,
  labels: Readonly<Record<string, string>>,
  multiplier: number,
): void {
  for (const t of terms) processTerm(m, t, t.weight, pod, nsLabels, labels, multiplier);
}

/**
 * One existing pod's contribution (upstream processExistingPod): the incoming
 * pod's preferred (anti-)affinity towards it, and its own required affinity
 * (at hardPodAffinityWeight) and preferred (anti-)affinity towards the
 * incoming pod, credited to the existing pod's domains.
 */
export function processExistingPod(
  m: ScoreMap,
  incoming: {
    pod: Pod;
    preferredAffinity: readonly WeightedAffinityTerm[];
    preferredAnti: readonly WeightedAffinityTerm[];
  },
  nsLabels: Record<string, string> | undefined,
  existing: PodInfo,
  node: NodeInfo,
  hardPodAffinityWeight: number,
): void {
  const labels = node.labels;
  if (!hasAnyKey(labels)) return;
  processTerms(m, incoming.preferredAffinity, existing.pod, undefined, labels, 1);
  processTerms(m, incoming.preferredAnti, existing.pod, undefined, labels, -1);
  if (hardPodAffinityWeight > 0) {
    for (const t of existing.requiredAffinityTerms)
      processTerm(m, t, hardPodAffinityWeight, incoming.pod, nsLabels, labels, 1);
  }
  processTerms(m, existing.preferredAffinityTerms, incoming.pod, nsLabels, labels, 1);
  processTerms(m, existing.preferredAntiAffinityTerms, incoming.pod, nsLabels, labels, -1);
}

function hasAnyKey(o: Readonly<Record<string, string>>): boolean {
  for (const _ in o) return true;
  return false;
}

export function scoreNode(s: PreScoreState, ni: NodeInfo): number {
  let score = 0;
  for (const [key, values] of s.topologyScore) {
    const v = ni.labels[key];
    if (v !== undefined) score += values.get(v) ?? 0;
  }
  return score;
}

/** Min-max scaling to [0, maxNodeScore] (upstream NormalizeScore). */
export function normalize(s: PreScoreState, scores: number[], maxNodeScore: number): void {
  if (s.topologyScore.size === 0) return;
  let min = Number.MAX_SAFE_INTEGER;
  let max = Number.MIN_SAFE_INTEGER;
  for (const x of scores) {
    if (x > max) max = x;
    if (x < min) min = x;
  }
  const diff = max - min;
  for (let i = 0; i < scores.length; i++) {
    scores[i] = diff > 0 ? Math.trunc(maxNodeScore * ((scores[i]! - min) / diff)) : 0;
  }
}

import type { Pod } from 'kubernetes-types/core/v1.js';
import type { StateData } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import {
  countPodsMatchSelector,
  matchNodeInclusionPolicies,
  nodeLabelsMatchSpreadConstraints,
  type Constraint,
} from './common.js';

interface Path {
  value: string;
  num: number;
}

/**
 * The two smallest match counts of a constraint's domains (upstream
 * criticalPaths): paths[0] is always the minimum; paths[1] is only an upper
 * bound of the second minimum, which is all incremental updates need.
 */
export class CriticalPaths {
  paths: [Path, Path] = [
    { value: '', num: Number.MAX_SAFE_INTEGER },
    { value: '', num: Number.MAX_SAFE_INTEGER },
  ];

  update(value: string, num: number): void {
    const p = this.paths;
    const hit = value === p[0].value ? p[0] : value === p[1].value ? p[1] : undefined;
    if (hit) {
      hit.num = num;
      if (p[0].num > p[1].num) this.paths = [p[1], p[0]];
      return;
    }
    if (num < p[0].num) {
      this.paths = [{ value, num }, p[0]];
    } else if (num < p[1].num) {
      p[1] = { value, num };
    }
  }

  clone(): CriticalPaths {
    const c = new CriticalPaths();
    c.paths = [{ ...this.paths[0] }, { ...this.paths[1] }];
    return c;
  }
}

/** PodTopologySpread's PreFilter state: matching pod counts per domain of each hard constraint. */
export class PreFilterState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly criticalPaths: CriticalPaths[],
    readonly tpValueToMatchNum: Map<string, number>[],
  ) {}

  /** The global minimum for the skew; 0 while fewer than minDomains domains exist. */
  minMatchNum(i: number, minDomains: number): number {
    if (this.tpValueToMatchNum[i]!.size < minDomains) return 0;
    return this.criticalPaths[i]!.paths[0].num;
  }

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.criticalPaths.map((c) => c.clone()),
      this.tpValueToMatchNum.map((m) => new Map(m)),
    );
  }

  /** Adds (delta 1) or removes (-1) a pod on `nodeInfo` from the counts (upstream updateWithPod). */
  updateWithPod(pi: PodInfo, preemptor: PodInfo, nodeInfo: NodeInfo, delta: number): void {
    const node = nodeInfo.node;
    if (pi.namespace !== preemptor.namespace || !node) return;
    if (!nodeLabelsMatchSpreadConstraints(nodeInfo.labels, this.constraints)) return;
    const required = preemptor.requiredNodeAffinity;
    const labels = pi.pod.metadata?.labels;
    this.constraints.forEach((c, i) => {
      if (!c.selector.matches(labels)) return;
      if (!matchNodeInclusionPolicies(c, preemptor.pod, nodeInfo, required)) return;
      const v = nodeInfo.labels[c.topologyKey]!;
      const m = this.tpValueToMatchNum[i]!;
      const n = (m.get(v) ?? 0) + delta;
      m.set(v, n);
      this.criticalPaths[i]!.update(v, n);
    });
  }
}

/** Counts matching pods per domain over all eligible nodes (upstream calPreFilterState). */
export function calPreFilterState(
  pod: PodInfo,
  constraints: readonly Constraint[],
  allNodes: readonly NodeInfo[],
): PreFilterState {
  const maps = constraints.map(() => new Map<string, number>());
  const required = pod.requiredNodeAffinity;
  const p: Pod = pod.pod;
  for (const ni of allNodes) {
    const node = ni.node;
    if (!node || !nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (!matchNodeInclusionPolicies(c, p, ni, required)) continue;
      const v = ni.labels[c.topologyKey]!;
      const count = countPodsMatchSelector(ni.pods, c.selector, pod.namespace);
      const m = maps[i]!;
      m.set(v, (m.get(v) ?? 0) + count);
    }
  }
  const paths = maps.map((m) => {
    const cp = new CriticalPaths();
    for (const [v, n] of m) cp.update(v, n);
    return cp;
  });
  return new PreFilterState(constraints, paths, maps);
}

import type { StateData } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { matchNodeInclusionPolicies, nodeLabelsMatchSpreadConstraints, type Constraint } from './common.js';
import type { DomainLayout } from './domains.js';

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
    /** The domains; shared between cycles, never changed. */
    readonly layout: DomainLayout,
    /** Per constraint: matching pods per domain index of `layout`. */
    readonly counts: Int32Array[],
  ) {}

  /** Matching pods in the domain `value` of constraint `i` (0 for a domain no eligible node has). */
  matchNum(i: number, value: string): number {
    const d = this.layout.index[i]!.get(value);
    return d === undefined ? 0 : this.counts[i]![d]!;
  }

  /** The global minimum for the skew; 0 while fewer than minDomains domains exist. */
  minMatchNum(i: number, minDomains: number): number {
    if (this.layout.size(i) < minDomains) return 0;
    return this.criticalPaths[i]!.paths[0].num;
  }

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.criticalPaths.map((c) => c.clone()),
      this.layout,
      this.counts.map((c) => c.slice()),
    );
  }

  /** Adds (delta 1) or removes (-1) a pod on `nodeInfo` from the counts (upstream updateWithPod). */
  updateWithPod(pi: PodInfo, preemptor: PodInfo, nodeInfo: NodeInfo, delta: number): void {
    const node = nodeInfo.node;
    if (pi.namespace !== preemptor.namespace || !node) return;
    if (!nodeLabelsMatchSpreadConstraints(nodeInfo.labels, this.constraints)) return;
    const required = preemptor.requiredNodeAffinity;
    const labels = pi.pod.metadata?.labels;
    for (let i = 0; i < this.constraints.length; i++) {
      const c = this.constraints[i]!;
      if (!c.selector.matches(labels)) continue;
      if (!matchNodeInclusionPolicies(c, preemptor.pod, nodeInfo, required)) continue;
      const v = nodeInfo.labels[c.topologyKey]!;
      const d = this.layout.index[i]!.get(v);
      // Every eligible node's domain is in the layout; a node outside it cannot be in this cycle's snapshot.
      if (d === undefined) continue;
      const n = (this.counts[i]![d]! += delta);
      this.criticalPaths[i]!.update(v, n);
    }
  }
}

/** The two smallest counts of a constraint's domains, exact (the initial critical paths). */
function initialPaths(values: readonly string[], counts: Int32Array): CriticalPaths {
  const cp = new CriticalPaths();
  let a = -1;
  let b = -1;
  for (let d = 0; d < counts.length; d++) {
    const n = counts[d]!;
    if (a < 0 || n < counts[a]!) {
      b = a;
      a = d;
    } else if (b < 0 || n < counts[b]!) {
      b = d;
    }
  }
  if (a >= 0) cp.paths[0] = { value: values[a]!, num: counts[a]! };
  if (b >= 0) cp.paths[1] = { value: values[b]!, num: counts[b]! };
  return cp;
}

/**
 * Counts matching pods per domain over all eligible nodes (upstream
 * calPreFilterState). `layout` must describe `pod`'s constraints over the
 * snapshot's nodes (DomainLayoutCache).
 */
export function calPreFilterState(
  pod: PodInfo,
  constraints: readonly Constraint[],
  layout: DomainLayout,
): PreFilterState {
  const counts = constraints.map((_, i) => new Int32Array(layout.size(i)));
  const n = layout.nodes.length;
  for (let i = 0; i < constraints.length; i++) {
    const perNode = layout.matchingPods(constraints[i]!.selector, pod.namespace);
    const domainOf = layout.nodeDomain[i]!;
    const c = counts[i]!;
    for (let k = 0; k < n; k++) {
      const d = domainOf[k]!;
      if (d >= 0) c[d]! += perNode[k]!;
    }
  }
  const paths = constraints.map((_, i) => initialPaths(layout.values[i]!, counts[i]!));
  return new PreFilterState(constraints, paths, layout, counts);
}

import type { LabelMatcher } from '../../../../api/selectors/label-selector.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import {
  countPodsMatchSelector,
  matchNodeInclusionPolicies,
  nodeLabelsMatchSpreadConstraints,
  type Constraint,
} from './common.js';

const maxSelectorsPerLayout = 64;

/**
 * The topology domains of a set of hard constraints over a node list: per
 * constraint, the distinct values of its topology key among the nodes that
 * count for it (labels carry every constraint's key, inclusion policies
 * pass), indexed, and each eligible node's domain index. It depends only
 * on the nodes (and, with Honor policies, on the pod), not on pods placed,
 * so PreFilter reuses it across cycles and counts matching pods into typed
 * arrays instead of building a value -> count map over every node per cycle.
 */
export class DomainLayout {
  /** Nodes with every constraint's key, in list order. */
  readonly nodes: NodeInfo[] = [];
  /** Per constraint: domain value -> index. */
  readonly index: Map<string, number>[];
  /** Per constraint: index -> domain value. */
  readonly values: string[][];
  /** Per constraint, per entry of `nodes`: its domain index, -1 when the node does not count for the constraint. */
  readonly nodeDomain: Int32Array[];
  /**
   * Matching-pod counts per entry of `nodes`, per `namespace + selector`,
   * with the NodeInfo generation they were counted at: a node whose
   * generation has not moved keeps its count, so a cycle only recounts the
   * nodes that changed since the last pod with the same selector.
   */
  private readonly podCounts = new Map<string, { gens: Float64Array; counts: Int32Array }>();
  /** The list and each node's labels object it was built from (validity check). */
  private readonly source: readonly NodeInfo[];
  private readonly labelRefs: Readonly<Record<string, string>>[];

  constructor(constraints: readonly Constraint[], pod: PodInfo, allNodes: readonly NodeInfo[]) {
    this.source = allNodes;
    this.labelRefs = allNodes.map((ni) => ni.labels);
    this.index = constraints.map(() => new Map());
    this.values = constraints.map(() => []);
    const required = pod.requiredNodeAffinity;
    const domains: number[][] = constraints.map(() => []);
    for (const ni of allNodes) {
      if (!ni.node || !nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) continue;
      this.nodes.push(ni);
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i]!;
        if (!matchNodeInclusionPolicies(c, pod.pod, ni, required)) {
          domains[i]!.push(-1);
          continue;
        }
        const v = ni.labels[c.topologyKey]!;
        const index = this.index[i]!;
        let d = index.get(v);
        if (d === undefined) {
          d = this.values[i]!.length;
          index.set(v, d);
          this.values[i]!.push(v);
        }
        domains[i]!.push(d);
      }
    }
    this.nodeDomain = domains.map((d) => Int32Array.from(d));
  }

  /** Whether the layout still describes `allNodes`: the same list, no node's labels replaced. */
  validFor(allNodes: readonly NodeInfo[]): boolean {
    if (allNodes !== this.source || allNodes.length !== this.labelRefs.length) return false;
    for (let k = 0; k < allNodes.length; k++) if (allNodes[k]!.labels !== this.labelRefs[k]) return false;
    return true;
  }

  /** Per-node matching-pod counts for pods of `namespace` matching `selector` (the memo, refreshed here). */
  matchingPods(selector: LabelMatcher, namespace: string): Int32Array {
    const key = `${namespace}\u0000${selector.isEmpty() ? '*' : selector.toString()}`;
    let memo = this.podCounts.get(key);
    if (!memo) {
      if (this.podCounts.size >= maxSelectorsPerLayout) this.podCounts.clear();
      memo = { gens: new Float64Array(this.nodes.length).fill(-1), counts: new Int32Array(this.nodes.length) };
      this.podCounts.set(key, memo);
    }
    const { gens, counts } = memo;
    for (let k = 0; k < this.nodes.length; k++) {
      const ni = this.nodes[k]!;
      if (gens[k] === ni.generation) continue;
      gens[k] = ni.generation;
      counts[k] = countPodsMatchSelector(ni.pods, selector, namespace);
    }
    return counts;
  }

  /** Number of domains of constraint `i`. */
  size(i: number): number {
    return this.values[i]!.length;
  }
}

/**
 * Whether a layout for these constraints may be shared between pods: true
 * when no inclusion policy depends on the pod (node affinity Honor with an
 * empty required affinity, taints Ignore). Returns the cache key, or
 * undefined when the layout must be built for this pod alone.
 */
export function sharedLayoutKey(constraints: readonly Constraint[], pod: PodInfo): string | undefined {
  const affinityEmpty = pod.requiredNodeAffinity.isEmpty();
  let key = '';
  for (const c of constraints) {
    if (c.nodeTaintsPolicy === 'Honor') return undefined;
    if (c.nodeAffinityPolicy === 'Honor' && !affinityEmpty) return undefined;
    key += `${c.topologyKey}\u0000`;
  }
  return key;
}

/**
 * Layouts shared across cycles, per constraint key set; rebuilt when the
 * snapshot's node list or a node's labels change. Bounded: a profile sees
 * few distinct key sets.
 */
export class DomainLayoutCache {
  private readonly layouts = new Map<string, DomainLayout>();

  constructor(private readonly max = 16) {}

  get(constraints: readonly Constraint[], pod: PodInfo, allNodes: readonly NodeInfo[]): DomainLayout {
    const key = sharedLayoutKey(constraints, pod);
    if (key === undefined) return new DomainLayout(constraints, pod, allNodes);
    const cached = this.layouts.get(key);
    if (cached?.validFor(allNodes)) return cached;
    const layout = new DomainLayout(constraints, pod, allNodes);
    if (!cached && this.layouts.size >= this.max) this.layouts.clear();
    this.layouts.set(key, layout);
    return layout;
  }
}

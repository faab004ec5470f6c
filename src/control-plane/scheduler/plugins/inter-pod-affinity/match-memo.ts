import type { Pod } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { AffinityTerm } from '../../framework/pod-info.js';

const maxKeys = 64;
const maxSeen = 4096;

/**
 * Per-node results of matching a node's pods against something fixed for
 * many cycles (a term's signature, an incoming pod's signature), kept with
 * the NodeInfo generation they were computed at. A node whose generation
 * has not moved keeps its result, so PreFilter recomputes only the nodes
 * that changed since the last pod with the same key instead of matching
 * every existing pod in every cycle. The snapshot's NodeInfos keep their
 * identity across cycles (the cache copies into them); a new node list
 * (nodes added or removed) drops everything. Bounded in keys.
 */
export class NodeMatchMemo {
  private list: readonly NodeInfo[] | undefined;
  private readonly counts = new Map<string, { gens: Float64Array; counts: Int32Array }>();
  private readonly results = new Map<string, Map<NodeInfo, { gen: number; value: unknown }>>();
  /** Keys seen once, with the cycle that saw them. */
  private readonly firstSeen = new Map<string, object>();

  private reset(allNodes: readonly NodeInfo[]): void {
    if (this.list === allNodes) return;
    this.list = allNodes;
    this.counts.clear();
    this.results.clear();
    this.firstSeen.clear();
  }

  /** `count(ni)` for every node of `allNodes` (aligned with it), recomputed only for changed nodes. */
  countPerNode(allNodes: readonly NodeInfo[], key: string, count: (ni: NodeInfo) => number): Int32Array {
    this.reset(allNodes);
    let memo = this.counts.get(key);
    if (!memo) {
      if (this.counts.size >= maxKeys) this.counts.clear();
      memo = { gens: new Float64Array(allNodes.length).fill(-1), counts: new Int32Array(allNodes.length) };
      this.counts.set(key, memo);
    }
    const { gens, counts } = memo;
    for (let k = 0; k < allNodes.length; k++) {
      const ni = allNodes[k]!;
      if (gens[k] === ni.generation) continue;
      gens[k] = ni.generation;
      counts[k] = ni.node ? count(ni) : 0;
    }
    return counts;
  }

  /**
   * `compute(ni)` for one node of `allNodes`, reused while the node's
   * generation stays. Results are kept only for keys seen in an earlier
   * cycle (`cycle` tells cycles apart): pods with unique labels (a
   * StatefulSet's pod-name) would otherwise fill the memo with entries
   * never read again.
   */
  resultFor<T>(
    allNodes: readonly NodeInfo[],
    key: string,
    cycle: object,
    ni: NodeInfo,
    compute: (ni: NodeInfo) => T,
  ): T {
    this.reset(allNodes);
    let m = this.results.get(key);
    if (!m) {
      const first = this.firstSeen.get(key);
      if (first === undefined || first === cycle) {
        if (first === undefined) {
          if (this.firstSeen.size >= maxSeen) this.firstSeen.clear();
          this.firstSeen.set(key, cycle);
        }
        return compute(ni);
      }
      this.firstSeen.delete(key);
      if (this.results.size >= maxKeys) this.results.clear();
      this.results.set(key, (m = new Map()));
    }
    const hit = m.get(ni);
    if (hit && hit.gen === ni.generation) return hit.value as T;
    const value = compute(ni);
    m.set(ni, { gen: ni.generation, value });
    return value;
  }
}

function labelsSignature(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '\u0002';
  const keys = Object.keys(labels).sort();
  let s = '';
  for (const k of keys) s += `${k}\u0001${labels[k]}\u0001`;
  return s;
}

/**
 * What decides whether terms of other pods match `pod`: its namespace, its
 * labels and its namespace's labels (undefined: unknown namespace).
 */
export function podSignature(pod: Pod, nsLabels: Readonly<Record<string, string>> | undefined): string {
  return `${pod.metadata?.namespace ?? ''}\u0000${labelsSignature(pod.metadata?.labels)}\u0000${labelsSignature(nsLabels)}`;
}

/**
 * What decides which pods a term (namespace selector already merged, so
 * matched without namespace labels) selects: its namespaces, whether its
 * namespace selector selects all, and its label selector. `nothing` and
 * `everything` both print as "", so emptiness is part of the signature.
 */
export function termSignature(t: AffinityTerm): string {
  const ns = [...t.namespaces].sort().join('\u0001');
  const nsAll = t.namespaceSelector.isEmpty() ? '*' : '';
  const sel = t.selector.isEmpty() ? '*' : t.selector.toString();
  return `${ns}\u0000${nsAll}\u0000${sel}`;
}

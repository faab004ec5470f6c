import type { Pod } from 'kubernetes-types/core/v1.js';
import { nothing } from '../../../../api/selectors/label-selector.js';
import type { Listers } from '../../framework/interfaces.js';
import { termMatches, type AffinityTerm } from '../../framework/pod-info.js';

/**
 * Counts per topology pair, as topologyKey -> value -> count; entries that
 * drop to zero are removed (upstream topologyToMatchedTermCount). Nested maps
 * rather than `key/value` strings: PreFilter updates a count for every
 * existing pod with anti-affinity in every cycle.
 */
export class TopologyCounts {
  readonly m = new Map<string, Map<string, number>>();
  private pairs = 0;

  update(labels: Readonly<Record<string, string>>, topologyKey: string, delta: number): void {
    const v = labels[topologyKey];
    if (v === undefined) return;
    let byValue = this.m.get(topologyKey);
    if (!byValue) this.m.set(topologyKey, (byValue = new Map()));
    const before = byValue.get(v) ?? 0;
    const n = before + delta;
    if (n === 0) {
      if (byValue.delete(v)) this.pairs--;
      if (byValue.size === 0) this.m.delete(topologyKey);
    } else {
      if (before === 0) this.pairs++;
      byValue.set(v, n);
    }
  }

  /** Adds `delta` for each term if `pod` matches all of them (affinity is satisfied by one pod matching every term). */
  updateWithAffinityTerms(
    terms: readonly AffinityTerm[],
    pod: Pod,
    labels: Readonly<Record<string, string>>,
    delta: number,
  ): void {
    if (podMatchesAllAffinityTerms(terms, pod)) for (const t of terms) this.update(labels, t.topologyKey, delta);
  }

  /** Adds `delta` for each anti-affinity term `pod` matches. */
  updateWithAntiAffinityTerms(
    terms: readonly AffinityTerm[],
    pod: Pod,
    nsLabels: Record<string, string> | undefined,
    labels: Readonly<Record<string, string>>,
    delta: number,
  ): void {
    for (const t of terms) if (termMatches(t, pod, nsLabels)) this.update(labels, t.topologyKey, delta);
  }

  get(key: string, value: string): number {
    return this.m.get(key)?.get(value) ?? 0;
  }

  /** Whether any of the node's domains (its labels) has a positive count. */
  anyPositive(labels: Readonly<Record<string, string>>): boolean {
    for (const [key, byValue] of this.m) {
      const v = labels[key];
      if (v !== undefined && (byValue.get(v) ?? 0) > 0) return true;
    }
    return false;
  }

  /** Number of topology pairs with a non-zero count. */
  get size(): number {
    return this.pairs;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, byValue] of this.m) c.m.set(k, new Map(byValue));
    c.pairs = this.pairs;
    return c;
  }
}

export function podMatchesAllAffinityTerms(terms: readonly AffinityTerm[], pod: Pod): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, undefined)) return false;
  return true;
}

export function podMatchesAnyAffinityTerm(terms: readonly AffinityTerm[], pod: Pod): boolean {
  for (const t of terms) if (termMatches(t, pod, undefined)) return true;
  return false;
}

/** The labels of a namespace, undefined when unknown (upstream GetNamespaceLabelsSnapshot). */
export function namespaceLabels(listers: Listers, ns: string): Record<string, string> | undefined {
  const obj = listers.namespaces?.get(ns);
  return obj ? (obj.metadata?.labels ?? {}) : undefined;
}

/**
 * Resolves a term's non-empty namespace selector into its namespace set
 * (upstream mergeAffinityTermNamespacesIfNotEmpty); returns a copy whose
 * selector is `nothing`. Terms with an empty ({}) or absent selector are kept.
 */
export function mergeTermNamespaces<T extends AffinityTerm>(term: T, listers: Listers): T {
  if (term.namespaceSelector.isEmpty()) return term;
  const namespaces = new Set(term.namespaces);
  if (term.namespaceSelector !== nothing) {
    for (const ns of listers.namespaces?.list() ?? []) {
      if (term.namespaceSelector.matches(ns.metadata?.labels)) namespaces.add(ns.metadata?.name ?? '');
    }
  }
  return { ...term, namespaces, namespaceSelector: nothing };
}

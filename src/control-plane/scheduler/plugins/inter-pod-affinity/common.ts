import type { Pod } from 'kubernetes-types/core/v1.js';
import { nothing } from '../../../../api/selectors/label-selector.js';
import type { Listers } from '../../framework/interfaces.js';
import { termMatches, type AffinityTerm } from '../../framework/pod-info.js';

/** `key\0value`: a topology domain. */
export const pairKey = (key: string, value: string) => `${key}\x00${value}`;

/** Counts per topology pair; entries that drop to zero are removed (upstream topologyToMatchedTermCount). */
export class TopologyCounts {
  readonly m = new Map<string, number>();

  update(labels: Readonly<Record<string, string>>, topologyKey: string, delta: number): void {
    const v = labels[topologyKey];
    if (v === undefined) return;
    const k = pairKey(topologyKey, v);
    const n = (this.m.get(k) ?? 0) + delta;
    if (n === 0) this.m.delete(k);
    else this.m.set(k, n);
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
    return this.m.get(pairKey(key, value)) ?? 0;
  }

  get size(): number {
    return this.m.size;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, v] of this.m) c.m.set(k, v);
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

import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { selectorFromLabelSelector } from '../../../../api/selectors/label-selector.js';

/**
 * ClusterRole aggregation (upstream `pkg/controller/clusterroleaggregation`):
 * an aggregated role's rules are the union, without duplicates, of the rules of
 * every other ClusterRole matched by any of its selectors, selectors in order
 * and matched roles sorted by name. Returns undefined for roles without an
 * aggregationRule. The controller writes the result when it differs.
 */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const rule = role.aggregationRule;
  if (!rule) return undefined;
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  const name = role.metadata?.name ?? '';
  for (const sel of rule.clusterRoleSelectors ?? []) {
    const matcher = selectorFromLabelSelector(sel);
    const matched = all
      .filter((r) => (r.metadata?.name ?? '') !== name && matcher.matches(r.metadata?.labels))
      .sort((a, b) => compare(a.metadata?.name ?? '', b.metadata?.name ?? ''));
    for (const r of matched) {
      for (const pr of r.rules ?? []) {
        const key = ruleKey(pr);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(pr);
      }
    }
  }
  return out;
}

/**
 * Applies aggregation until nothing changes (aggregated roles may select other
 * aggregated roles, as admin selects edit), returning new role objects. What the
 * controller converges to; used to seed bootstrap roles and in tests.
 */
export function aggregateAll(roles: readonly ClusterRole[]): ClusterRole[] {
  let current = roles.map((r) => ({ ...r }));
  for (let round = 0; round < current.length + 1; round++) {
    let changed = false;
    current = current.map((r) => {
      const rules = aggregatedRules(r, current);
      if (!rules || sameRules(rules, r.rules ?? [])) return r;
      changed = true;
      return { ...r, rules };
    });
    if (!changed) break;
  }
  return current;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Semantic equality of rules: nil and empty lists are the same. */
function ruleKey(r: PolicyRule): string {
  return JSON.stringify([
    r.verbs ?? [],
    r.apiGroups ?? [],
    r.resources ?? [],
    r.resourceNames ?? [],
    r.nonResourceURLs ?? [],
  ]);
}

export function sameRules(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return a.length === b.length && a.every((r, i) => ruleKey(r) === ruleKey(b[i]!));
}

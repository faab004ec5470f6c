import type { ResourceQuota, ResourceQuotaStatus } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../../api/quantity/quantity.js';
import {
  coreQuotaResources,
  type Evaluator,
  evaluatorFor,
  groupResourceOfCountName,
  type GroupResource,
  isIgnoredResource,
  scopeRequirements,
} from './evaluators.js';
import {
  addLists,
  equalLists,
  formatResourceList,
  maskList,
  parseResourceList,
  type ResourceList,
} from './resource-list.js';

/** Lists a namespace's objects of a resource from a cache; undefined when the resource is not watched. */
export type NamespaceListFunc = (gr: GroupResource, namespace: string) => readonly unknown[] | undefined;

/**
 * The evaluators a quota needs: the core ones for any name they track, and
 * an object-count evaluator for every other `count/<resource>.<group>`.
 */
export function evaluatorsFor(names: readonly string[]): Evaluator[] {
  const out = new Map<string, Evaluator>();
  for (const gr of coreQuotaResources) {
    const ev = evaluatorFor(gr);
    if (ev.matchingResources(names).length > 0) out.set(`${gr.group}/${gr.resource}`, ev);
  }
  for (const n of names) {
    const gr = groupResourceOfCountName(n);
    if (!gr || isIgnoredResource(gr)) continue;
    const key = `${gr.group}/${gr.resource}`;
    if (!out.has(key) && evaluatorFor(gr).matchingResources([n]).length > 0) out.set(key, evaluatorFor(gr));
  }
  return [...out.values()];
}

/**
 * Upstream CalculateUsageStats for one evaluator: every tracked name starts
 * at zero, then each object the quota's scopes select adds its usage.
 */
function usageStats(
  ev: Evaluator,
  quota: ResourceQuota,
  names: string[],
  items: readonly unknown[],
  now: number,
): ResourceList {
  let used: ResourceList = Object.fromEntries(names.map((n) => [n, Quantity.fromValue(0)]));
  const scopes = scopeRequirements(quota);
  for (const item of items) {
    if (!scopes.every((s) => ev.matchesScope(s, item))) continue;
    used = addLists(used, ev.usage(item, now));
  }
  return used;
}

export interface Usage {
  /** Observed usage of every quota name some evaluator could count. */
  used: ResourceList;
  /** Names whose objects could not be listed (their previous usage is kept). */
  unknown: string[];
}

/** Upstream quota.CalculateUsage: observed usage for the names of `hard` the evaluators track. */
export function calculateUsage(quota: ResourceQuota, list: NamespaceListFunc, now: number): Usage {
  const hard = Object.keys(quota.spec?.hard ?? {});
  const namespace = quota.metadata?.namespace ?? '';
  let used: ResourceList = {};
  const matched = new Set<string>();
  const unknown: string[] = [];
  for (const ev of evaluatorsFor(hard)) {
    const names = ev.matchingResources(hard);
    const items = list(ev.groupResource, namespace);
    if (!items) {
      unknown.push(...names);
      continue;
    }
    for (const n of names) matched.add(n);
    used = addLists(used, usageStats(ev, quota, names, items, now));
  }
  return { used: maskList(used, matched), unknown };
}

/**
 * The status a quota should have after a recount (upstream
 * syncResourceQuota): `hard` mirrors `spec.hard`; `used` is the new usage
 * over the previous one, limited to hard names. Undefined when the stored
 * status already says exactly that.
 */
export function quotaStatus(quota: ResourceQuota, observed: ResourceList): ResourceQuotaStatus | undefined {
  const hard = parseResourceList(quota.spec?.hard);
  const prevHard = quota.status?.hard;
  const prevUsed = quota.status?.used;
  let dirty = !prevHard || !prevUsed || !equalLists(hard, parseResourceList(prevHard));
  const used = maskList({ ...parseResourceList(prevUsed), ...observed }, Object.keys(hard));
  dirty ||= !equalLists(used, parseResourceList(prevUsed));
  return dirty ? { hard: formatResourceList(hard), used: formatResourceList(used) } : undefined;
}

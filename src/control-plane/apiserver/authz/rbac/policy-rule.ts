import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';

/**
 * Builders for bootstrap policy rules (upstream `rbacv1helpers.NewRule(...).RuleOrDie()`):
 * every list is sorted, as upstream's builder does, so the data reads like the
 * upstream testdata.
 */
const sorted = (xs: readonly string[]) => [...xs].sort();

export const Read = ['get', 'list', 'watch'] as const;
export const Write = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;
export const ReadWrite = [...Read, ...Write] as const;

/** A resource rule. */
export function rule(
  verbs: readonly string[],
  apiGroups: readonly string[],
  resources: readonly string[],
  resourceNames?: readonly string[],
): PolicyRule {
  const r: PolicyRule = { verbs: sorted(verbs), apiGroups: sorted(apiGroups), resources: sorted(resources) };
  if (resourceNames?.length) r.resourceNames = sorted(resourceNames);
  return r;
}

/** A non-resource URL rule. */
export function urlRule(verbs: readonly string[], urls: readonly string[]): PolicyRule {
  return { verbs: sorted(verbs), nonResourceURLs: sorted(urls) };
}

/** `create/update/patch` on events in the core and events.k8s.io groups (upstream `eventsRule()`). */
export const eventsRule = () => rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

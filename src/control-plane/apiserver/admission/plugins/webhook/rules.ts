import type { RuleWithOperations } from 'kubernetes-types/admissionregistration/v1.js';
import type { AdmissionOperation } from '../../types.js';

/**
 * Webhook rule matching (upstream `apiserver/pkg/admission/plugin/webhook/predicates/rules`):
 * a rule matches when scope, operation, group, version and resource (with
 * `resource/subresource`, `*`, `*\/status`, `pods/*` forms) all match.
 */
/** kubernetes-types drops the inlined Rule fields; the wire object carries them. */
export type WebhookRule = RuleWithOperations & { resources?: string[]; scope?: string };

export interface RuleTarget {
  operation: AdmissionOperation;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** '' for cluster-scoped requests; for a Namespace object its own name. */
  namespace: string;
}

const exactOrWildcard = (items: string[] | undefined, requested: string) =>
  (items ?? []).some((i) => i === '*' || i === requested);

function splitResource(s: string): [string, string] {
  const i = s.indexOf('/');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

function scopeMatches(rule: WebhookRule, t: RuleTarget): boolean {
  const scope = rule.scope ?? '*';
  if (scope === '*') return true;
  // Namespace objects are cluster-scoped even though the request carries their name as namespace.
  const isNamespaceObject = t.group === '' && t.version === 'v1' && t.resource === 'namespaces';
  if (scope === 'Namespaced') return !isNamespaceObject && t.namespace !== '';
  if (scope === 'Cluster') return isNamespaceObject || t.namespace === '';
  return false;
}

function resourceMatches(rule: WebhookRule, t: RuleTarget): boolean {
  return (rule.resources ?? []).some((r) => {
    const [res, sub] = splitResource(r);
    return (res === '*' || res === t.resource) && (sub === '*' || sub === t.subresource);
  });
}

export function ruleMatches(rule: WebhookRule, t: RuleTarget): boolean {
  return (
    scopeMatches(rule, t) &&
    (rule.operations ?? []).some((op) => op === '*' || op === t.operation) &&
    exactOrWildcard(rule.apiGroups, t.group) &&
    exactOrWildcard(rule.apiVersions, t.version) &&
    resourceMatches(rule, t)
  );
}

/**
 * Requests about admission configuration itself never go to webhooks, so a
 * broken webhook cannot lock administrators out of fixing it.
 */
const exempt = new Set([
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);

export function isExemptFromWebhooks(group: string, resource: string): boolean {
  return group === 'admissionregistration.k8s.io' && exempt.has(resource);
}

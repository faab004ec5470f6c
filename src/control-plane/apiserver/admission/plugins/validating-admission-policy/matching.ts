/**
 * Which requests a policy's matchConstraints (and a binding's matchResources)
 * select (upstream `admission/plugin/policy/matching/matching.go`):
 * namespaceSelector and objectSelector, then excludeResourceRules (exact
 * resources only), then resourceRules — exact first and, under
 * `matchPolicy: Equivalent`, any other served version of the same resource.
 * Empty resourceRules select everything (binding matchResources only; a
 * policy must list some).
 */
import type { MatchResources, NamedRuleWithOperations } from 'kubernetes-types/admissionregistration/v1.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { internalError } from '../../../../../api/errors/status-error.js';
import type { GroupVersionKind } from '../../../../../api/scheme/types.js';
import { selectorFromLabelSelector } from '../../../../../api/selectors/label-selector.js';
import type { AdmissionAttributes } from '../../types.js';
import { requestKind, type GVR, type Invocation } from '../webhook/review.js';
import { ruleMatches, type RuleTarget, type WebhookRule } from '../webhook/rules.js';

export interface MatchContext {
  a: AdmissionAttributes;
  /** The request's namespace object (undefined for cluster-scoped requests or when absent). */
  namespace: Namespace | undefined;
  /** Other served versions of the request's resource, for Equivalent matching. */
  equivalents(): { resource: GVR; kind: GroupVersionKind }[];
}

type NamedRule = NamedRuleWithOperations & WebhookRule;

const isNamespaceResource = (a: AdmissionAttributes) => a.resource.group === '' && a.resource.plural === 'namespaces';

function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  let s;
  try {
    s = selectorFromLabelSelector(sel ?? {});
  } catch (err) {
    throw internalError(err);
  }
  return s.isEmpty() || s.matches(labels);
}

function namespaceMatches(sel: LabelSelector | undefined, m: MatchContext): boolean {
  const a = m.a;
  if (!a.namespace && !isNamespaceResource(a)) return true;
  if (!sel || (!sel.matchLabels && !sel.matchExpressions)) return true;
  // A namespace being written is matched by its own (incoming) labels.
  const labels =
    isNamespaceResource(a) && a.subresource === '' && (a.operation === 'CREATE' || a.operation === 'UPDATE')
      ? a.object?.metadata?.labels
      : m.namespace?.metadata?.labels;
  return selectorMatches(sel, labels);
}

function objectMatches(sel: LabelSelector | undefined, a: AdmissionAttributes): boolean {
  if (!sel || (!sel.matchLabels && !sel.matchExpressions)) return true;
  const ok = (o: AdmissionAttributes['object']) => o != null && selectorMatches(sel, o.metadata?.labels);
  return ok(a.object) || ok(a.oldObject);
}

function target(a: AdmissionAttributes, r?: GVR): RuleTarget {
  return {
    operation: a.operation,
    group: r?.group ?? a.resource.group,
    version: r?.version ?? a.resource.version,
    resource: r?.resource ?? a.resource.plural,
    subresource: a.subresource,
    namespace: a.namespace,
  };
}

function requestName(a: AdmissionAttributes): string {
  return a.name || String(a.object?.metadata?.name ?? '');
}

function namedRuleMatches(rule: NamedRule, a: AdmissionAttributes, r?: GVR): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length && !names.includes(requestName(a))) return false;
  return ruleMatches(rule, target(a, r));
}

/**
 * The invocation (resource and kind the expressions see) when `constraints`
 * select the request, otherwise undefined.
 */
export function matchInvocation(constraints: MatchResources | undefined, m: MatchContext): Invocation | undefined {
  const a = m.a;
  const exact: Invocation = {
    resource: { group: a.resource.group, version: a.resource.version, resource: a.resource.plural },
    subresource: a.subresource,
    kind: requestKind(a),
  };
  if (!constraints) return exact;
  if (!namespaceMatches(constraints.namespaceSelector, m)) return undefined;
  if (!objectMatches(constraints.objectSelector, a)) return undefined;
  const excludes = (constraints.excludeResourceRules ?? []) as NamedRule[];
  if (excludes.some((r) => namedRuleMatches(r, a))) return undefined;
  const rules = (constraints.resourceRules ?? []) as NamedRule[];
  if (rules.length === 0) return exact;
  if (rules.some((r) => namedRuleMatches(r, a))) return exact;
  if (constraints.matchPolicy === 'Exact') return undefined;
  for (const rule of rules) {
    for (const eq of m.equivalents()) {
      if (eq.resource.group === a.resource.group && eq.resource.version === a.resource.version) continue;
      if (namedRuleMatches(rule, a, eq.resource))
        return { resource: eq.resource, subresource: a.subresource, kind: eq.kind };
    }
  }
  return undefined;
}

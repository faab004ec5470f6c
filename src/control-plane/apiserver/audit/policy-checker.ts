import type { RequestInfo } from '../http/request-info.js';
import type { RequestContext, UserInfo } from '../types.js';
import type { AuditLevel, AuditPolicy, AuditStage, PolicyRule } from './policy.js';

/**
 * Policy evaluation (upstream `apiserver/pkg/audit/policy/checker.go`): the
 * first rule whose every condition holds gives the level; omitted stages are
 * the union of the policy's and the rule's. No matching rule means `None`.
 */
export interface AuditAttributes {
  user?: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  /** Request path, for nonResourceURLs. */
  path: string;
  apiGroup: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

export interface RequestAuditConfig {
  level: AuditLevel;
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

export function attributesOf(ctx: RequestContext): AuditAttributes {
  return { ...attributesOfInfo(ctx.info), user: ctx.user };
}

/** The attributes of a request whose user is not known (failed authentication). */
export function attributesOfInfo(i: RequestInfo): AuditAttributes {
  return {
    verb: i.verb,
    isResourceRequest: i.isResourceRequest,
    path: i.path,
    apiGroup: i.group,
    namespace: i.namespace,
    resource: i.resource,
    subresource: i.subresource,
    name: i.name,
  };
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function resourceMatches(r: PolicyRule, a: AuditAttributes): boolean {
  if (!a.isResourceRequest) return false;
  if (r.namespaces?.length && !r.namespaces.includes(a.namespace)) return false;
  if (!r.resources?.length) return true;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== a.apiGroup) continue;
    if (!gr.resources?.length) return true;
    if (gr.resourceNames?.length && !gr.resourceNames.includes(a.name)) continue;
    for (const res of gr.resources) {
      if (res === combined || res === '*') return true;
      if (a.subresource && res.startsWith('*/') && a.subresource === res.slice(2)) return true;
      if (res.endsWith('/*') && a.resource === res.slice(0, -2)) return true;
    }
  }
  return false;
}

export function ruleMatches(r: PolicyRule, a: AuditAttributes): boolean {
  if (r.users?.length && (!a.user || !r.users.includes(a.user.username))) return false;
  if (r.userGroups?.length && (!a.user || !a.user.groups.some((g) => r.userGroups!.includes(g)))) return false;
  if (r.verbs?.length && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces?.length || r.resources?.length) return resourceMatches(r, a);
  if (r.nonResourceURLs?.length) return !a.isResourceRequest && r.nonResourceURLs.some((s) => pathMatches(a.path, s));
  return true;
}

export class PolicyRuleEvaluator {
  constructor(private readonly policy: AuditPolicy | undefined) {}

  evaluate(a: AuditAttributes): RequestAuditConfig {
    const policyStages = this.policy?.omitStages ?? [];
    const policyOmitManaged = this.policy?.omitManagedFields ?? false;
    for (const rule of this.policy?.rules ?? []) {
      if (!ruleMatches(rule, a)) continue;
      return {
        level: rule.level,
        omitStages: [...new Set([...policyStages, ...(rule.omitStages ?? [])])],
        omitManagedFields: rule.omitManagedFields ?? policyOmitManaged,
      };
    }
    return { level: 'None', omitStages: policyStages, omitManagedFields: policyOmitManaged };
  }
}

import type { RequestInfo } from '../http/request-info.js';
import type { UserInfo } from '../types.js';

/**
 * What an authorizer decides on (upstream `apiserver/pkg/authorization/authorizer`
 * Attributes). Built once per request from the RequestInfo by `attributesFrom`;
 * impersonation, escalation checks and SubjectAccessReviews build their own.
 */
export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  /** Request path; what non-resource rules match against. */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  namespace: string;
  /**
   * Raw `fieldSelector` / `labelSelector` of a list, watch or deletecollection
   * (upstream AuthorizeWithSelectors): the Node authorizer lets a kubelet list
   * only the pods whose `spec.nodeName` selects itself.
   */
  fieldSelector?: string;
  labelSelector?: string;
}

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why; shown after the 403 message when non-empty (upstream joins NoOpinion reasons). */
  reason: string;
}

export interface Authorizer {
  authorize(a: Attributes): Promise<AuthorizationResult>;
}

/** One resource rule of a SelfSubjectRulesReview. */
export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}

export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

/** The status of a SelfSubjectRulesReview (authorization.k8s.io/v1 SubjectRulesReviewStatus). */
export interface RulesReview {
  resourceRules: ResourceRuleInfo[];
  nonResourceRules: NonResourceRuleInfo[];
  incomplete: boolean;
  evaluationError?: string;
}

/** Authorizers that can enumerate what a user may do (upstream RuleResolver). */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): Promise<RulesReview>;
}

export const allow = (reason = ''): AuthorizationResult => ({ decision: 'Allow', reason });
export const noOpinion = (reason = ''): AuthorizationResult => ({ decision: 'NoOpinion', reason });
export const deny = (reason = ''): AuthorizationResult => ({ decision: 'Deny', reason });

const selectorVerbs = new Set(['list', 'watch', 'deletecollection']);

/**
 * The attributes of an API request (upstream `GetAuthorizerAttributes`). Pass
 * the query so list/watch selectors reach authorizers that narrow by them.
 */
export function attributesFrom(info: RequestInfo, user: UserInfo, query?: URLSearchParams): Attributes {
  const a: Attributes = {
    user,
    verb: info.verb,
    isResourceRequest: info.isResourceRequest,
    path: info.path,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
    namespace: info.namespace,
  };
  if (query && info.isResourceRequest && selectorVerbs.has(info.verb)) {
    const fs = query.get('fieldSelector');
    const ls = query.get('labelSelector');
    if (fs) a.fieldSelector = fs;
    if (ls) a.labelSelector = ls;
  }
  return a;
}

/** Attributes for a resource check made on the server's own behalf (impersonate, escalate, bind, reviews). */
export function resourceAttributes(
  user: UserInfo,
  r: {
    verb: string;
    apiGroup?: string;
    apiVersion?: string;
    resource: string;
    subresource?: string;
    name?: string;
    namespace?: string;
  },
): Attributes {
  return {
    user,
    verb: r.verb,
    isResourceRequest: true,
    path: '',
    apiGroup: r.apiGroup ?? '',
    apiVersion: r.apiVersion ?? '',
    resource: r.resource,
    subresource: r.subresource ?? '',
    name: r.name ?? '',
    namespace: r.namespace ?? '',
  };
}

/** Attributes for a non-resource path (`/healthz`, `/metrics`, ...). */
export function nonResourceAttributes(user: UserInfo, verb: string, path: string): Attributes {
  return {
    user,
    verb,
    isResourceRequest: false,
    path,
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    name: '',
    namespace: '',
  };
}

/** Go's `utilerrors.NewAggregate(errs).Error()`: one message alone, several deduplicated as `[a, b]`. */
export function aggregateErrorMessages(msgs: readonly string[]): string {
  const seen: string[] = [];
  for (const m of msgs) if (!seen.includes(m)) seen.push(m);
  if (msgs.length === 1) return msgs[0]!;
  if (seen.length === 1) return seen[0]!;
  return seen.length === 0 ? '' : `[${seen.join(', ')}]`;
}

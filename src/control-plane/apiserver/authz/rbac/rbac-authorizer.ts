import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { UserInfo } from '../../types.js';
import {
  aggregateErrorMessages,
  type Attributes,
  type AuthorizationResult,
  type Authorizer,
  type RuleResolver,
  type RulesReview,
} from '../types.js';
import { confirmNoEscalation } from './escalation.js';
import { ruleAllows } from './rule-matching.js';
import { RbacRuleResolver, type RbacSource } from './rule-resolver.js';

/**
 * The RBAC authorizer (upstream `plugin/pkg/auth/authorizer/rbac`). Allows
 * when any rule bound to the user matches, with the reason
 * `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`;
 * otherwise no opinion, with `RBAC: <errors>` when roles could not be read
 * (e.g. a binding to a missing role). RBAC never denies.
 */
export class RbacAuthorizer implements Authorizer, RuleResolver {
  readonly resolver: RbacRuleResolver;

  constructor(source: RbacSource) {
    this.resolver = new RbacRuleResolver(source);
  }

  async authorize(a: Attributes): Promise<AuthorizationResult> {
    let reason = '';
    let allowed = false;
    const errors: string[] = [];
    await this.resolver.visitRulesFor(a.user, a.namespace, (describe, rule, err) => {
      if (rule && describe && ruleAllows(a, rule)) {
        allowed = true;
        reason = `RBAC: allowed by ${describe()}`;
        return false;
      }
      if (err) errors.push(err);
      return true;
    });
    if (allowed) return { decision: 'Allow', reason };
    return { decision: 'NoOpinion', reason: errors.length ? `RBAC: ${aggregateErrorMessages(errors)}` : '' };
  }

  /** What the user may do in `namespace` (SelfSubjectRulesReview); never incomplete, errors reported. */
  async rulesFor(user: UserInfo, namespace: string): Promise<RulesReview> {
    const { rules, errors } = await this.resolver.rulesFor(user, namespace);
    const out: RulesReview = { resourceRules: [], nonResourceRules: [], incomplete: false };
    for (const r of rules) {
      if (r.resources?.length) {
        out.resourceRules.push({
          verbs: [...r.verbs],
          apiGroups: [...(r.apiGroups ?? [])],
          resources: [...r.resources],
          resourceNames: [...(r.resourceNames ?? [])],
        });
      }
      if (r.nonResourceURLs?.length) {
        out.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
      }
    }
    if (errors.length) out.evaluationError = aggregateErrorMessages(errors);
    return out;
  }

  /**
   * Throws (plain Error, upstream's text) when `rules` grant more than `user`
   * holds in `namespace`; the registry wraps it in a 403 (see RbacEscalationGuard).
   */
  confirmNoEscalation(user: UserInfo, rules: readonly PolicyRule[], namespace: string): Promise<void> {
    return confirmNoEscalation(this.resolver, user, rules, namespace);
  }
}

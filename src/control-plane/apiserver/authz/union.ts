import type { UserInfo } from '../types.js';
import {
  aggregateErrorMessages,
  type Attributes,
  type AuthorizationResult,
  type Authorizer,
  type RuleResolver,
  type RulesReview,
} from './types.js';

/**
 * Authorizers in order (upstream `authorizer/union`): the first Allow or Deny
 * decides; when all have no opinion, their reasons are joined with newlines
 * so the 403 says why each one declined. A throwing authorizer counts as no
 * opinion with its message as the reason, like upstream's error list.
 */
export class UnionAuthorizer implements Authorizer {
  constructor(private readonly authorizers: readonly Authorizer[]) {}

  async authorize(a: Attributes): Promise<AuthorizationResult> {
    const reasons: string[] = [];
    for (const authz of this.authorizers) {
      let r: AuthorizationResult;
      try {
        r = await authz.authorize(a);
      } catch (err) {
        reasons.push(err instanceof Error ? err.message : String(err));
        continue;
      }
      if (r.decision !== 'NoOpinion') return r;
      if (r.reason) reasons.push(r.reason);
    }
    return { decision: 'NoOpinion', reason: reasons.join('\n') };
  }
}

/** Concatenates what each resolver enumerates (upstream `unionAuthzRulesHandler`). */
export class UnionRuleResolver implements RuleResolver {
  constructor(private readonly resolvers: readonly RuleResolver[]) {}

  async rulesFor(user: UserInfo, namespace: string): Promise<RulesReview> {
    const out: RulesReview = { resourceRules: [], nonResourceRules: [], incomplete: false };
    const errors: string[] = [];
    for (const r of this.resolvers) {
      const part = await r.rulesFor(user, namespace);
      out.resourceRules.push(...part.resourceRules);
      out.nonResourceRules.push(...part.nonResourceRules);
      if (part.incomplete) out.incomplete = true;
      if (part.evaluationError) errors.push(part.evaluationError);
    }
    if (errors.length) out.evaluationError = aggregateErrorMessages(errors);
    return out;
  }
}

import type { Job, JobCondition, SuccessPolicy } from 'kubernetes-types/batch/v1.js';
import { OrderedIntervals } from './ordered-intervals.js';

/**
 * Whether an Indexed Job's succeeded indexes satisfy a successPolicy rule
 * (upstream matchSuccessPolicy, JobSuccessPolicy beta and on in 1.32).
 * Rules are tried in order; the message names the first that matched.
 */
export function matchSuccessPolicy(
  policy: SuccessPolicy | undefined,
  completions: number,
  succeeded: OrderedIntervals,
): string | undefined {
  if (!policy || succeeded.length === 0) return undefined;
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (rule.succeededIndexes !== undefined && rule.succeededIndexes !== null) {
      const required = OrderedIntervals.parse(rule.succeededIndexes, completions);
      // A rule whose indexes do not parse (or lie beyond completions) never matches.
      if (required.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeeded, rule.succeededCount)) return `Matched rules at index ${index}`;
    } else if (typeof rule.succeededCount === 'number' && succeeded.total() >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}

/** All of the rule's indexes succeeded, or at least `succeededCount` of them. */
function matchSucceededIndexesRule(
  rule: OrderedIntervals,
  succeeded: OrderedIntervals,
  succeededCount: number | undefined,
): boolean {
  const r = rule.intervals;
  const s = succeeded.intervals;
  let contains = 0;
  let i = 0;
  let j = 0;
  while (i < r.length && j < s.length) {
    const overlap = Math.min(r[i]!.last, s[j]!.last) - Math.max(r[i]!.first, s[j]!.first) + 1;
    if (overlap > 0) contains += overlap;
    if (s[j]!.last < r[i]!.last) j++;
    else if (s[j]!.last > r[i]!.last) i++;
    else {
      i++;
      j++;
    }
  }
  return contains === rule.total() || (typeof succeededCount === 'number' && contains >= succeededCount);
}

/** The Job's SuccessCriteriaMet=True condition, if any. */
export function successCriteriaMetCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
}

export function isSuccessCriteriaMet(cond: JobCondition | undefined): boolean {
  return cond?.type === 'SuccessCriteriaMet' && cond.status === 'True';
}

import type { FieldError, FieldPath } from '../../../../api/validation/field-error.js';
import { asObject } from '../helpers/args.js';

export interface DefaultPreemptionArgs {
  /** Dry-run at least this percentage of the candidate nodes (0-100, default 10). */
  minCandidateNodesPercentage: number;
  /** ... and at least this many (default 100). */
  minCandidateNodesAbsolute: number;
}

export function defaultPreemptionArgs(raw: unknown): DefaultPreemptionArgs {
  const o = asObject(raw);
  return {
    minCandidateNodesPercentage: (o.minCandidateNodesPercentage as number | undefined) ?? 10,
    minCandidateNodesAbsolute: (o.minCandidateNodesAbsolute as number | undefined) ?? 100,
  };
}

/** Upstream ValidateDefaultPreemptionArgs. */
export function validatePreemptionArgs(a: DefaultPreemptionArgs, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const pp = path.child('minCandidateNodesPercentage');
  const ap = path.child('minCandidateNodesAbsolute');
  if (!(a.minCandidateNodesPercentage >= 0 && a.minCandidateNodesPercentage <= 100)) {
    errs.push(pp.invalid(a.minCandidateNodesPercentage, 'not in valid range [0, 100]'));
  }
  if (!(a.minCandidateNodesAbsolute >= 0))
    errs.push(ap.invalid(a.minCandidateNodesAbsolute, 'not in valid range [0, inf)'));
  if (a.minCandidateNodesPercentage === 0 && a.minCandidateNodesAbsolute === 0) {
    errs.push(
      pp.invalid(a.minCandidateNodesPercentage, 'cannot be zero at the same time as minCandidateNodesAbsolute'),
      ap.invalid(a.minCandidateNodesAbsolute, 'cannot be zero at the same time as minCandidateNodesPercentage'),
    );
  }
  return errs;
}

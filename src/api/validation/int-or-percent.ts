import { validateNonnegative } from './common.js';
import type { FieldError, FieldPath } from './field-error.js';
import { isValidPercent } from './formats.js';

/**
 * IntOrString fields that hold counts or percentages (maxSurge, maxUnavailable,
 * minAvailable), as apps validation checks them.
 */
export function validatePositiveIntOrPercent(v: unknown, path: FieldPath): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => path.invalid(v, m));
  if (typeof v === 'number') return validateNonnegative(v, path);
  return [path.invalid(v ?? null, "must be an integer or percentage (e.g '5%')")];
}

/** A percent string's number, or undefined when the value is not a valid percent. */
function percentValue(v: unknown): number | undefined {
  return typeof v === 'string' && isValidPercent(v).length === 0 ? Number(v.slice(0, -1)) : undefined;
}

/** getIntOrPercentValue: percents as their number, ints as they are, anything else as 0. */
export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'number') return v;
  return typeof v === 'string' && /^[+-]?\d+$/.test(v) ? Number(v) : 0;
}

export function isNotMoreThan100Percent(v: unknown, path: FieldPath): FieldError[] {
  const p = percentValue(v);
  return p !== undefined && p > 100 ? [path.invalid(v, 'must not be greater than 100%')] : [];
}

/** A disruption budget bound: a valid count or percentage no larger than 100%. */
export function validateIntOrPercentBudget(v: unknown, path: FieldPath): FieldError[] {
  return [...validatePositiveIntOrPercent(v, path), ...isNotMoreThan100Percent(v, path)];
}

import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';
import { selectorFromLabelSelector } from '../selectors/label-selector.js';
import { list, mapKeys, obj, str } from './common.js';
import type { FieldError, FieldPath } from './field-error.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/**
 * Label keys, label maps and LabelSelector objects, as apimachinery
 * `apis/meta/v1/validation` checks them. Errors on label maps are reported at
 * the map's own path (`metadata.labels`), not per key, exactly like upstream.
 */
export interface LabelSelectorValidationOptions {
  /** Ratcheting for objects stored before values were validated (upstream AllowInvalidLabelValueInSelector). */
  allowInvalidLabelValueInSelector?: boolean;
}

export function validateLabelName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((m) => path.invalid(name, m));
}

export function validateLabels(labels: Record<string, string> | undefined | null, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const m = obj<string>(labels);
  for (const k of mapKeys(m)) {
    errs.push(...validateLabelName(k, path));
    const v = str(m[k]);
    for (const msg of isValidLabelValue(v)) errs.push(path.invalid(v, msg));
  }
  return errs;
}

export function validateLabelSelectorRequirement(
  req: LabelSelectorRequirement,
  path: FieldPath,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  const values = list(req.values);
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        errs.push(path.child('values').required("must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        errs.push(path.child('values').forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(path.child('operator').invalid(str(req.operator), 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(req.key), path.child('key')));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      for (const msg of isValidLabelValue(str(v))) errs.push(path.child('values').index(i).invalid(v, msg));
    });
  }
  return errs;
}

/** ValidateLabelSelector; a nil selector is valid here (callers that require one check it themselves). */
export function validateLabelSelector(
  sel: LabelSelector | undefined | null,
  path: FieldPath,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, path.child('matchLabels'));
  list(sel.matchExpressions).forEach((req, i) =>
    errs.push(...validateLabelSelectorRequirement(req, path.child('matchExpressions').index(i), opts)),
  );
  return errs;
}

/** Whether the selector has neither matchLabels nor matchExpressions (`{}` selects everything). */
export function isEmptySelector(sel: LabelSelector | undefined | null): boolean {
  return !sel || (mapKeys(sel.matchLabels).length === 0 && list(sel.matchExpressions).length === 0);
}

/**
 * metav1.LabelSelectorAsSelector(sel).Matches(labels), or `undefined` when the
 * selector cannot be converted (upstream skips the match check in that case,
 * the selector errors having been reported already).
 */
export function selectorMatches(
  sel: LabelSelector | undefined | null,
  labels: Record<string, string> | undefined | null,
): boolean | undefined {
  try {
    return selectorFromLabelSelector(sel).matches(labels ?? {});
  } catch {
    return undefined;
  }
}

import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import { validateIntOrPercentBudget } from './int-or-percent.js';
import { list, num, str, validateNonnegative } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { regexError } from './names.js';
import { validateLabelName, validateLabelSelector } from './label-selector.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validateRBACName } from './rbac.js';

/**
 * policy/v1 PodDisruptionBudgets. Upstream validates their metadata only with
 * the generic path-segment name rule, which is what validate() applies here.
 */
const spec = FieldPath.of('spec');

function validatePDBSpec(pdb: PodDisruptionBudget): FieldError[] {
  const s = pdb.spec ?? {};
  const errs: FieldError[] = [];
  const hasMin = s.minAvailable !== undefined && s.minAvailable !== null;
  const hasMax = s.maxUnavailable !== undefined && s.maxUnavailable !== null;
  if (hasMin && hasMax) errs.push(spec.invalid(s, 'minAvailable and maxUnavailable cannot be both set'));
  if (hasMin) errs.push(...validateIntOrPercentBudget(s.minAvailable, spec.child('minAvailable')));
  if (hasMax) errs.push(...validateIntOrPercentBudget(s.maxUnavailable, spec.child('maxUnavailable')));
  errs.push(...validateLabelSelector(s.selector, spec.child('selector')));
  const policy = s.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== null && policy !== 'AlwaysAllow' && policy !== 'IfHealthyBudget')
    errs.push(spec.child('unhealthyPodEvictionPolicy').notSupported(policy, ['AlwaysAllow', 'IfHealthyBudget']));
  return errs;
}

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  return [...validatePDBSpec(pdb), ...validateObjectMeta(pdb.metadata, true, validateRBACName)];
}

export function validatePodDisruptionBudgetUpdate(pdb: PodDisruptionBudget, old: PodDisruptionBudget): FieldError[] {
  return [...validateObjectMetaUpdate(pdb.metadata, old.metadata), ...validatePDBSpec(pdb)];
}

const conditionReasonFmt = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';
const conditionReasonRe = new RegExp(`^${conditionReasonFmt}$`);

/** metav1.Condition lists (ValidateConditions): unique types, known statuses, reason format. */
export function validateConditions(conditions: Condition[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(conditions).forEach((c, i) => {
    const p = path.index(i);
    const type = str(c.type);
    if (seen.has(type)) errs.push(p.child('type').duplicate(type));
    seen.add(type);
    errs.push(...validateLabelName(type, p.child('type')));
    if (!['False', 'True', 'Unknown'].includes(str(c.status)))
      errs.push(p.child('status').notSupported(str(c.status), ['False', 'True', 'Unknown']));
    if (num(c.observedGeneration) < 0)
      errs.push(p.child('observedGeneration').invalid(c.observedGeneration, 'must be greater than or equal to zero'));
    if (!c.lastTransitionTime) errs.push(p.child('lastTransitionTime').required('must be set'));
    const reason = str(c.reason);
    if (!reason) errs.push(p.child('reason').required('must be set'));
    else {
      if (!conditionReasonRe.test(reason))
        errs.push(
          p
            .child('reason')
            .invalid(
              reason,
              regexError(
                "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'",
                conditionReasonFmt,
                'my_name',
                'MY_NAME',
                'MyName',
                'ReasonA,ReasonB',
                'ReasonA:ReasonB',
              ),
            ),
        );
      if (reason.length > 1024) errs.push(p.child('reason').tooLong(reason, 1024));
    }
    if (str(c.message).length > 32 * 1024) errs.push(p.child('message').tooLong(c.message, 32 * 1024));
  });
  return errs;
}

export function validatePodDisruptionBudgetStatusUpdate(
  pdb: PodDisruptionBudget,
  old: PodDisruptionBudget,
): FieldError[] {
  const errs = validateObjectMetaUpdate(pdb.metadata, old.metadata);
  const p = FieldPath.of('status');
  errs.push(...validateConditions(pdb.status?.conditions, p.child('conditions')));
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const)
    errs.push(...validateNonnegative(pdb.status?.[f], p.child(f)));
  return errs;
}

import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { num, str, validateImmutable } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePreemptionPolicy } from './pod-spec.js';

/**
 * scheduling.k8s.io/v1 PriorityClasses: user classes stay at or below one
 * billion; `system-` names are reserved for the two built-in classes.
 */
export const highestUserDefinablePriority = 1000000000;
export const systemPriorityClasses: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs = validateObjectMeta(pc.metadata, false, nameIsDNSSubdomain);
  const name = str(pc.metadata?.name);
  const value = num(pc.value);
  if (name.startsWith('system-')) {
    const known = systemPriorityClasses[name];
    let err = '';
    if (known === undefined) err = `${name} is not a known system priority class`;
    else if (known !== value) err = `value of ${name} PriorityClass must be ${known}`;
    else if (pc.globalDefault === true) err = `globalDefault of ${name} PriorityClass must be false`;
    if (err)
      errs.push(
        FieldPath.of('metadata', 'name').forbidden(
          `priority class names with 'system-' prefix are reserved for system use only. error: ${err}`,
        ),
      );
  } else if (value > highestUserDefinablePriority) {
    errs.push(
      FieldPath.of('value').forbidden(
        `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`,
      ),
    );
  }
  if (pc.preemptionPolicy !== undefined && pc.preemptionPolicy !== null)
    errs.push(...validatePreemptionPolicy(pc.preemptionPolicy, FieldPath.of('preemptionPolicy')));
  return errs;
}

/** Name, value and preemptionPolicy are immutable. */
export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldError[] {
  const errs = validateObjectMetaUpdate(pc.metadata, old.metadata);
  if (num(pc.value) !== num(old.value)) errs.push(FieldPath.of('value').forbidden('may not be changed in an update.'));
  errs.push(...validateImmutable(pc.preemptionPolicy, old.preemptionPolicy, FieldPath.of('preemptionPolicy')));
  return errs;
}

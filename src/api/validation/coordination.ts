import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { FieldPath, type FieldError } from './field-error.js';
import { isQualifiedName, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/** coordination.k8s.io/v1 Leases (validated with apimachinery's ObjectMeta rules, no kube finalizer check). */
const spec = FieldPath.of('spec');

function validateLeaseSpec(lease: Lease): FieldError[] {
  const s = (lease.spec ?? {}) as NonNullable<Lease['spec']> & { strategy?: string; preferredHolder?: string };
  const errs: FieldError[] = [];
  if (typeof s.leaseDurationSeconds === 'number' && s.leaseDurationSeconds <= 0)
    errs.push(spec.child('leaseDurationSeconds').invalid(s.leaseDurationSeconds, 'must be greater than 0'));
  if (typeof s.leaseTransitions === 'number' && s.leaseTransitions < 0)
    errs.push(spec.child('leaseTransitions').invalid(s.leaseTransitions, 'must be greater than or equal to 0'));
  if (s.strategy !== undefined && s.strategy !== null) {
    const p = spec.child('strategy').child('strategy');
    if (!s.strategy.includes('/')) {
      if (s.strategy !== 'OldestEmulationVersion') errs.push(p.notSupported(s.strategy, ['OldestEmulationVersion']));
    } else {
      errs.push(...isQualifiedName(s.strategy).map((m) => p.invalid(s.strategy, m)));
    }
  }
  if (s.preferredHolder && !s.strategy)
    errs.push(spec.child('preferredHolder').forbidden('may only be specified if `strategy` is defined'));
  return errs;
}

export function validateLease(lease: Lease): FieldError[] {
  return [
    ...validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain, undefined, { kubeFinalizers: false }),
    ...validateLeaseSpec(lease),
  ];
}

export function validateLeaseUpdate(lease: Lease, old: Lease): FieldError[] {
  return [
    ...validateObjectMetaUpdate(lease.metadata, old.metadata, undefined, { kubeFinalizers: false }),
    ...validateLeaseSpec(lease),
  ];
}

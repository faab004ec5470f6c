import type { PodTemplate, ReplicationController } from 'kubernetes-types/core/v1.js';
import { mapKeys, num, obj, validateNonnegative } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePodTemplateSpec } from './pod.js';

/** core/v1 PodTemplates and ReplicationControllers (map selectors, restartPolicy Always). */
const spec = FieldPath.of('spec');

export function validatePodTemplate(pt: PodTemplate): FieldError[] {
  return [
    ...validateObjectMeta(pt.metadata, true, nameIsDNSSubdomain),
    ...validatePodTemplateSpec(pt.template, FieldPath.of('template')),
  ];
}

export function validatePodTemplateUpdate(pt: PodTemplate, old: PodTemplate): FieldError[] {
  return [
    ...validateObjectMetaUpdate(pt.metadata, old.metadata),
    ...validatePodTemplateSpec(pt.template, FieldPath.of('template')),
  ];
}

function validateRCSpec(rc: ReplicationController): FieldError[] {
  const s = rc.spec ?? {};
  const errs = validateNonnegative(s.minReadySeconds, spec.child('minReadySeconds'));
  const selector = obj<string>(s.selector);
  const hasSelector = mapKeys(selector).length > 0;
  if (!hasSelector) errs.push(spec.child('selector').required());
  errs.push(...validateNonnegative(num(s.replicas), spec.child('replicas')));
  const tp = spec.child('template');
  if (!s.template) {
    errs.push(tp.required());
    return errs;
  }
  const labels = obj<string>(s.template.metadata?.labels);
  if (hasSelector && mapKeys(selector).some((k) => labels[k] !== selector[k]))
    errs.push(tp.child('metadata', 'labels').invalid(labels, '`selector` does not match template `labels`'));
  errs.push(...validatePodTemplateSpec(s.template, tp));
  const rp = s.template.spec?.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(tp.child('spec', 'restartPolicy').notSupported(rp, ['Always']));
  if (s.template.spec?.activeDeadlineSeconds !== undefined && s.template.spec?.activeDeadlineSeconds !== null)
    errs.push(
      tp
        .child('spec', 'activeDeadlineSeconds')
        .forbidden('activeDeadlineSeconds in ReplicationController is not Supported'),
    );
  return errs;
}

export function validateReplicationController(rc: ReplicationController): FieldError[] {
  return [...validateObjectMeta(rc.metadata, true, nameIsDNSSubdomain), ...validateRCSpec(rc)];
}

export function validateReplicationControllerUpdate(
  rc: ReplicationController,
  old: ReplicationController,
): FieldError[] {
  return [...validateObjectMetaUpdate(rc.metadata, old.metadata), ...validateRCSpec(rc)];
}

/**
 * Replica counters of a controller status: non-negative and consistent. Shared
 * by ReplicationControllers and ReplicaSets, which have the same status shape.
 */
export function validateReplicaCountersStatus(
  status:
    | {
        replicas?: number;
        fullyLabeledReplicas?: number;
        readyReplicas?: number;
        availableReplicas?: number;
        observedGeneration?: number;
      }
    | undefined,
  path: FieldPath,
): FieldError[] {
  const s = status ?? {};
  const errs: FieldError[] = [];
  for (const f of [
    'replicas',
    'fullyLabeledReplicas',
    'readyReplicas',
    'availableReplicas',
    'observedGeneration',
  ] as const)
    errs.push(...validateNonnegative(s[f], path.child(f)));
  const msg = 'cannot be greater than status.replicas';
  const replicas = num(s.replicas);
  for (const f of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'] as const)
    if (num(s[f]) > replicas) errs.push(path.child(f).invalid(num(s[f]), msg));
  if (num(s.availableReplicas) > num(s.readyReplicas))
    errs.push(
      path.child('availableReplicas').invalid(num(s.availableReplicas), 'cannot be greater than readyReplicas'),
    );
  return errs;
}

export function validateReplicationControllerStatusUpdate(
  rc: ReplicationController,
  old: ReplicationController,
): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rc.metadata, old.metadata),
    ...validateReplicaCountersStatus(rc.status, FieldPath.of('status')),
  ];
}

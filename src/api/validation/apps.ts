import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { num, semanticEqual, str, validateImmutable, validateNonnegative } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent.js';
import { isEmptySelector, selectorMatches, validateLabels, validateLabelSelector } from './label-selector.js';
import { nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { validateAnnotations, validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePodTemplateSpec } from './pod.js';
import { validatePodSpecificAnnotations } from './pod-spec.js';
import { validateReplicaCountersStatus } from './replication-controller.js';

/**
 * apps/v1 workloads. Selectors must be non-empty and match the template's
 * labels; selectors are immutable once set (upstream's strategies add that for
 * every apps/v1 request).
 */
const spec = FieldPath.of('spec');
const metadata = FieldPath.of('metadata');

/** Selector required, valid and non-empty (`empty selector is invalid for <kind>`). */
function validateWorkloadSelector(sel: LabelSelector | undefined, kind: string): FieldError[] {
  if (!sel) return [spec.child('selector').required()];
  const errs = validateLabelSelector(sel, spec.child('selector'));
  if (isEmptySelector(sel)) errs.push(spec.child('selector').invalid(sel, `empty selector is invalid for ${kind}`));
  return errs;
}

/**
 * Whether the template labels fail the selector. An empty selector (`{}`)
 * skips the check; a missing one selects nothing, so it always fails, as
 * upstream's LabelSelectorAsSelector(nil) does.
 */
function templateMismatch(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (sel && isEmptySelector(sel)) return false;
  return selectorMatches(sel, labels) === false;
}

/** ValidatePodTemplateSpecForReplicaSet: labels match, full pod template, Always restart, no deadline. */
function validateTemplateForReplicaSet(
  sel: LabelSelector | undefined,
  tmpl: PodTemplateSpec | undefined,
  kind: string,
): FieldError[] {
  const tp = spec.child('template');
  const errs: FieldError[] = [];
  const labels = tmpl?.metadata?.labels ?? {};
  if (templateMismatch(sel, labels))
    errs.push(tp.child('metadata', 'labels').invalid(labels, '`selector` does not match template `labels`'));
  errs.push(...validatePodTemplateSpec(tmpl, tp));
  const rp = str(tmpl?.spec?.restartPolicy);
  if (rp !== 'Always') errs.push(tp.child('spec', 'restartPolicy').notSupported(rp, ['Always']));
  if (tmpl?.spec?.activeDeadlineSeconds !== undefined && tmpl?.spec?.activeDeadlineSeconds !== null)
    errs.push(tp.child('spec', 'activeDeadlineSeconds').forbidden(`activeDeadlineSeconds in ${kind} is not Supported`));
  return errs;
}

function validateDeploymentSpec(d: Deployment): FieldError[] {
  const s = d.spec ?? ({} as NonNullable<Deployment['spec']>);
  const errs = validateNonnegative(num(s.replicas), spec.child('replicas'));
  errs.push(...validateWorkloadSelector(s.selector, 'deployment'));
  if (s.selector && selectorMatches(s.selector, {}) === undefined)
    errs.push(spec.child('selector').invalid(s.selector, 'invalid label selector'));
  else errs.push(...validateTemplateForReplicaSet(s.selector, s.template, 'ReplicaSet'));
  const strategy = s.strategy ?? {};
  const sp = spec.child('strategy');
  switch (strategy.type) {
    case 'Recreate':
      if (strategy.rollingUpdate)
        errs.push(sp.child('rollingUpdate').forbidden("may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      const rp = sp.child('rollingUpdate');
      if (!ru) {
        errs.push(rp.required('this should be defaulted and never be nil'));
        break;
      }
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, rp.child('maxSurge')));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0)
        errs.push(rp.child('maxUnavailable').invalid(ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')));
      break;
    }
    default:
      errs.push(sp.notSupported(strategy, ['Recreate', 'RollingUpdate']));
  }
  errs.push(...validateNonnegative(s.minReadySeconds, spec.child('minReadySeconds')));
  if (typeof s.revisionHistoryLimit === 'number')
    errs.push(...validateNonnegative(s.revisionHistoryLimit, spec.child('revisionHistoryLimit')));
  if (typeof s.progressDeadlineSeconds === 'number') {
    errs.push(...validateNonnegative(s.progressDeadlineSeconds, spec.child('progressDeadlineSeconds')));
    if (s.progressDeadlineSeconds <= num(s.minReadySeconds))
      errs.push(
        spec
          .child('progressDeadlineSeconds')
          .invalid(s.progressDeadlineSeconds, 'must be greater than minReadySeconds'),
      );
  }
  return errs;
}

export function validateDeployment(d: Deployment): FieldError[] {
  return [...validateObjectMeta(d.metadata, true, nameIsDNSSubdomain, metadata), ...validateDeploymentSpec(d)];
}

export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldError[] {
  return [
    ...validateObjectMetaUpdate(d.metadata, old.metadata, metadata),
    ...validateDeploymentSpec(d),
    ...validateImmutable(d.spec?.selector, old.spec?.selector, spec.child('selector')),
  ];
}

function decrementedCollisionCount(n: number | undefined, o: number | undefined, path: FieldPath): FieldError[] {
  const decremented = n === undefined || n === null ? o !== undefined && o !== null : typeof o === 'number' && n < o;
  return decremented ? [path.invalid(n ?? 0, 'cannot be decremented')] : [];
}

export function validateDeploymentStatusUpdate(d: Deployment, old: Deployment): FieldError[] {
  const errs = validateObjectMetaUpdate(d.metadata, old.metadata, metadata);
  const p = FieldPath.of('status');
  const s = d.status ?? {};
  for (const f of [
    'observedGeneration',
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
    'unavailableReplicas',
    'collisionCount',
  ] as const)
    errs.push(...validateNonnegative(s[f], p.child(f)));
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['updatedReplicas', 'readyReplicas', 'availableReplicas'] as const)
    if (num(s[f]) > num(s.replicas)) errs.push(p.child(f).invalid(num(s[f]), msg));
  if (num(s.availableReplicas) > num(s.readyReplicas))
    errs.push(p.child('availableReplicas').invalid(num(s.availableReplicas), 'cannot be greater than readyReplicas'));
  errs.push(...decrementedCollisionCount(s.collisionCount, old.status?.collisionCount, p.child('collisionCount')));
  return errs;
}

function validateReplicaSetSpec(rs: ReplicaSet): FieldError[] {
  const s = rs.spec ?? ({} as NonNullable<ReplicaSet['spec']>);
  const errs = validateNonnegative(num(s.replicas), spec.child('replicas'));
  errs.push(...validateNonnegative(s.minReadySeconds, spec.child('minReadySeconds')));
  // Upstream's message names deployments here too.
  errs.push(...validateWorkloadSelector(s.selector, 'deployment'));
  if (s.selector && selectorMatches(s.selector, {}) === undefined)
    errs.push(spec.child('selector').invalid(s.selector, 'invalid label selector'));
  else errs.push(...validateTemplateForReplicaSet(s.selector, s.template, 'ReplicaSet'));
  return errs;
}

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  return [...validateObjectMeta(rs.metadata, true, nameIsDNSSubdomain, metadata), ...validateReplicaSetSpec(rs)];
}

export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rs.metadata, old.metadata, metadata),
    ...validateReplicaSetSpec(rs),
    ...validateImmutable(rs.spec?.selector, old.spec?.selector, spec.child('selector')),
  ];
}

export function validateReplicaSetStatusUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rs.metadata, old.metadata, metadata),
    ...validateReplicaCountersStatus(rs.status, FieldPath.of('status')),
  ];
}

function validateStatefulSetSpec(ss: StatefulSet): FieldError[] {
  const s = ss.spec ?? ({} as NonNullable<StatefulSet['spec']>);
  const errs: FieldError[] = [];
  const pmp = str(s.podManagementPolicy);
  if (pmp === '') errs.push(spec.child('podManagementPolicy').required());
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel')
    errs.push(spec.child('podManagementPolicy').invalid(pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = s.updateStrategy ?? {};
  const usp = spec.child('updateStrategy');
  switch (str(us.type)) {
    case '':
      errs.push(usp.required());
      break;
    case 'OnDelete':
      if (us.rollingUpdate)
        errs.push(
          usp.child('rollingUpdate').invalid(us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"),
        );
      break;
    case 'RollingUpdate': {
      const ru = us.rollingUpdate;
      if (!ru) break;
      const rp = usp.child('rollingUpdate');
      errs.push(...validateNonnegative(ru.partition, rp.child('partition')));
      if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
        errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')));
        if (intOrPercentValue(ru.maxUnavailable) === 0)
          errs.push(rp.child('maxUnavailable').invalid(ru.maxUnavailable, 'cannot be 0'));
        errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')));
      }
      break;
    }
    default:
      errs.push(usp.invalid(us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = s.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    for (const f of ['whenDeleted', 'whenScaled'] as const) {
      const v = str(retention[f]);
      if (v !== 'Retain' && v !== 'Delete')
        errs.push(spec.child('persistentVolumeClaimRetentionPolicy', f).notSupported(v, ['Retain', 'Delete']));
    }
  }
  errs.push(...validateNonnegative(num(s.replicas), spec.child('replicas')));
  errs.push(...validateNonnegative(s.minReadySeconds, spec.child('minReadySeconds')));
  if (s.ordinals) errs.push(...validateNonnegative(s.ordinals.start, spec.child('ordinals.start')));
  errs.push(...validateWorkloadSelector(s.selector, 'statefulset'));
  const tp = spec.child('template');
  if (s.selector && selectorMatches(s.selector, {}) === undefined) {
    errs.push(spec.child('selector').invalid(s.selector, ''));
  } else {
    // Only labels and annotations of the template are validated (upstream's TODO keeps the pod spec out).
    const labels = s.template?.metadata?.labels ?? {};
    if (templateMismatch(s.selector, labels))
      errs.push(tp.child('metadata', 'labels').invalid(labels, '`selector` does not match template `labels`'));
    errs.push(...validateLabels(s.template?.metadata?.labels, tp.child('labels')));
    errs.push(...validateAnnotations(s.template?.metadata?.annotations, tp.child('annotations')));
    errs.push(
      ...validatePodSpecificAnnotations(s.template?.metadata?.annotations, s.template?.spec, tp.child('annotations')),
    );
  }
  const rp = str(s.template?.spec?.restartPolicy);
  if (rp !== 'Always') errs.push(tp.child('spec', 'restartPolicy').notSupported(rp, ['Always']));
  if (s.template?.spec?.activeDeadlineSeconds !== undefined && s.template?.spec?.activeDeadlineSeconds !== null)
    errs.push(
      tp.child('spec', 'activeDeadlineSeconds').forbidden('activeDeadlineSeconds in StatefulSet is not Supported'),
    );
  return errs;
}

export function validateStatefulSet(ss: StatefulSet): FieldError[] {
  return [...validateObjectMeta(ss.metadata, true, nameIsDNSLabel, metadata), ...validateStatefulSetSpec(ss)];
}

/** Only replicas, ordinals, template, updateStrategy, the PVC retention policy and minReadySeconds may change. */
export function validateStatefulSetUpdate(ss: StatefulSet, old: StatefulSet): FieldError[] {
  const errs = [...validateObjectMetaUpdate(ss.metadata, old.metadata, metadata), ...validateStatefulSetSpec(ss)];
  const mutable = [
    'replicas',
    'template',
    'updateStrategy',
    'minReadySeconds',
    'ordinals',
    'persistentVolumeClaimRetentionPolicy',
  ];
  const strip = (s: StatefulSet['spec']) =>
    Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => !mutable.includes(k)));
  if (!semanticEqual(strip(ss.spec), strip(old.spec)))
    errs.push(
      spec.forbidden(
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  return errs;
}

export function validateStatefulSetStatusUpdate(ss: StatefulSet, old: StatefulSet): FieldError[] {
  const p = FieldPath.of('status');
  const s = ss.status ?? { replicas: 0 };
  const errs: FieldError[] = [];
  for (const f of [
    'replicas',
    'readyReplicas',
    'currentReplicas',
    'updatedReplicas',
    'availableReplicas',
    'observedGeneration',
    'collisionCount',
  ] as const)
    errs.push(...validateNonnegative(s[f], p.child(f)));
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'] as const)
    if (num(s[f]) > num(s.replicas)) errs.push(p.child(f).invalid(num(s[f]), msg));
  if (num(s.availableReplicas) > num(s.readyReplicas))
    errs.push(
      p.child('availableReplicas').invalid(num(s.availableReplicas), 'cannot be greater than status.readyReplicas'),
    );
  errs.push(...validateObjectMetaUpdate(ss.metadata, old.metadata, metadata));
  errs.push(...decrementedCollisionCount(s.collisionCount, old.status?.collisionCount, p.child('collisionCount')));
  return errs;
}

function validateDaemonSetSpec(ds: DaemonSet): FieldError[] {
  const s = ds.spec ?? ({} as NonNullable<DaemonSet['spec']>);
  const errs = validateLabelSelector(s.selector, spec.child('selector'));
  const labels = s.template?.metadata?.labels ?? {};
  if (selectorMatches(s.selector, labels) === false)
    errs.push(
      spec.child('template', 'metadata', 'labels').invalid(labels, '`selector` does not match template `labels`'),
    );
  if (s.selector && isEmptySelector(s.selector))
    errs.push(spec.child('selector').invalid(s.selector, 'empty selector is invalid for daemonset'));
  const tp = spec.child('template');
  errs.push(...validatePodTemplateSpec(s.template, tp));
  const rp = str(s.template?.spec?.restartPolicy);
  if (rp !== 'Always') errs.push(tp.child('spec', 'restartPolicy').notSupported(rp, ['Always']));
  if (s.template?.spec?.activeDeadlineSeconds !== undefined && s.template?.spec?.activeDeadlineSeconds !== null)
    errs.push(
      tp.child('spec', 'activeDeadlineSeconds').forbidden('activeDeadlineSeconds in DaemonSet is not Supported'),
    );
  errs.push(...validateNonnegative(s.minReadySeconds, spec.child('minReadySeconds')));
  const us = s.updateStrategy ?? {};
  const usp = spec.child('updateStrategy');
  if (us.type === 'RollingUpdate') {
    const ru = us.rollingUpdate;
    const rp2 = usp.child('rollingUpdate');
    if (!ru) errs.push(rp2.required());
    else {
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable ?? 0, rp2.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge ?? 0, rp2.child('maxSurge')));
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, rp2.child('maxUnavailable')));
      errs.push(...isNotMoreThan100Percent(ru.maxSurge, rp2.child('maxSurge')));
      const unavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const surge = intOrPercentValue(ru.maxSurge) !== 0;
      if (unavailable && surge)
        errs.push(rp2.child('maxSurge').invalid(ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      else if (!unavailable && !surge)
        errs.push(rp2.child('maxUnavailable').required('cannot be 0 when maxSurge is 0'));
    }
  } else if (us.type !== 'OnDelete') {
    errs.push(usp.notSupported(us, ['RollingUpdate', 'OnDelete']));
  }
  if (typeof s.revisionHistoryLimit === 'number')
    errs.push(...validateNonnegative(s.revisionHistoryLimit, spec.child('revisionHistoryLimit')));
  return errs;
}

export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  return [...validateObjectMeta(ds.metadata, true, nameIsDNSSubdomain, metadata), ...validateDaemonSetSpec(ds)];
}

export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  return [
    ...validateObjectMetaUpdate(ds.metadata, old.metadata, metadata),
    ...validateDaemonSetSpec(ds),
    ...validateImmutable(ds.spec?.selector, old.spec?.selector, spec.child('selector')),
  ];
}

export function validateDaemonSetStatusUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  const errs = validateObjectMetaUpdate(ds.metadata, old.metadata, metadata);
  const p = FieldPath.of('status');
  const s = ds.status ?? ({} as NonNullable<DaemonSet['status']>);
  for (const f of [
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'observedGeneration',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
    'collisionCount',
  ] as const)
    errs.push(...validateNonnegative(s[f], p.child(f)));
  errs.push(...decrementedCollisionCount(s.collisionCount, old.status?.collisionCount, p.child('collisionCount')));
  return errs;
}

export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs = validateObjectMeta(cr.metadata, true, nameIsDNSSubdomain, metadata);
  if (cr.data === undefined || cr.data === null) errs.push(FieldPath.of('data').required('data is mandatory'));
  errs.push(...validateNonnegative(cr.revision, FieldPath.of('revision')));
  return errs;
}

export function validateControllerRevisionUpdate(cr: ControllerRevision, old: ControllerRevision): FieldError[] {
  return [
    ...validateObjectMetaUpdate(cr.metadata, old.metadata, metadata),
    ...validateControllerRevision(cr),
    ...validateImmutable(cr.data, old.data, FieldPath.of('data')),
  ];
}

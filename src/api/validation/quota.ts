import type { LimitRange, ResourceQuota } from 'kubernetes-types/core/v1.js';
import { fieldImmutableErrorMsg, list, mapKeys, obj, str } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { isQualifiedName, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import {
  isOvercommitAllowed,
  isStandardQuotaResourceName,
  toQuantity,
  validateContainerResourceName,
  validateQuotaResourceName,
  validateResourceName,
  validateResourceQuantityValue,
} from './resources.js';

/** LimitRanges and ResourceQuotas: resource names, quantities and their orderings, quota scopes. */

const limitTypes = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);

function validateLimitRangeTypeName(type: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(type).map((m) => path.invalid(type, m));
  if (errs.length) return errs;
  if (!type.includes('/') && !limitTypes.has(type))
    return [path.invalid(type, 'must be a standard limit type or fully qualified')];
  return [];
}

function validateLimitRangeResourceName(type: string, name: string, path: FieldPath): FieldError[] {
  return type === 'Pod' || type === 'Container'
    ? validateContainerResourceName(name, path)
    : validateResourceName(name, path);
}

export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs = validateObjectMeta(lr.metadata, true, nameIsDNSSubdomain);
  const seenTypes = new Set<string>();
  list(lr.spec?.limits).forEach((limit, i) => {
    const p = FieldPath.of('spec', 'limits').index(i);
    const type = str(limit.type);
    errs.push(...validateLimitRangeTypeName(type, p.child('type')));
    if (seenTypes.has(type)) errs.push(p.child('type').duplicate(type));
    seenTypes.add(type);
    const keys = new Set<string>();
    const collect = (field: 'max' | 'min' | 'default' | 'defaultRequest' | 'maxLimitRequestRatio') => {
      const m = obj(limit[field]);
      for (const k of mapKeys(m)) {
        errs.push(...validateLimitRangeResourceName(type, k, p.child(field).key(k)));
        keys.add(k);
      }
      return m;
    };
    const max = collect('max');
    const min = collect('min');
    let defaults: Record<string, unknown> = {};
    let defaultRequests: Record<string, unknown> = {};
    if (type === 'Pod') {
      if (mapKeys(limit.default).length)
        errs.push(p.child('default').forbidden("may not be specified when `type` is 'Pod'"));
      if (mapKeys(limit.defaultRequest).length)
        errs.push(p.child('defaultRequest').forbidden("may not be specified when `type` is 'Pod'"));
    } else {
      defaults = collect('default');
      defaultRequests = collect('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && !('storage' in min) && !('storage' in max))
      errs.push(
        p.child('limits').required('either minimum or maximum storage value is required, but neither was provided'),
      );
    const ratios = collect('maxLimitRequestRatio');
    for (const k of [...keys].sort()) {
      const mn = toQuantity(min[k]);
      const mx = toQuantity(max[k]);
      const df = toQuantity(defaults[k]);
      const dr = toQuantity(defaultRequests[k]);
      const ratio = toQuantity(ratios[k]);
      if (mn && mx && mn.cmp(mx) > 0)
        errs.push(p.child('min').key(k).invalid(mn.toString(), `min value ${mn} is greater than max value ${mx}`));
      if (dr && mn && mn.cmp(dr) > 0)
        errs.push(
          p
            .child('defaultRequest')
            .key(k)
            .invalid(dr.toString(), `min value ${mn} is greater than default request value ${dr}`),
        );
      if (dr && mx && dr.cmp(mx) > 0)
        errs.push(
          p
            .child('defaultRequest')
            .key(k)
            .invalid(dr.toString(), `default request value ${dr} is greater than max value ${mx}`),
        );
      if (dr && df && dr.cmp(df) > 0)
        errs.push(
          p
            .child('defaultRequest')
            .key(k)
            .invalid(dr.toString(), `default request value ${dr} is greater than default limit value ${df}`),
        );
      if (df && mn && mn.cmp(df) > 0)
        errs.push(
          p.child('default').key(k).invalid(mn.toString(), `min value ${mn} is greater than default value ${df}`),
        );
      if (df && mx && df.cmp(mx) > 0)
        errs.push(
          p.child('default').key(k).invalid(mx.toString(), `default value ${df} is greater than max value ${mx}`),
        );
      if (ratio && ratio.cmp(toQuantity(1)!) < 0)
        errs.push(p.child('maxLimitRequestRatio').key(k).invalid(ratio.toString(), `ratio ${ratio} is less than 1`));
      if (ratio && mn && mx) {
        const limitRatio = mx.asApproximateNumber() / mn.asApproximateNumber();
        if (ratio.asApproximateNumber() > limitRatio)
          errs.push(
            p
              .child('maxLimitRequestRatio')
              .key(k)
              .invalid(ratio.toString(), `ratio ${ratio} is greater than max/min = ${limitRatio.toFixed(6)}`),
          );
      }
      if (!isOvercommitAllowed(k) && df && dr && df.cmp(dr) !== 0)
        errs.push(
          p
            .child('defaultRequest')
            .key(k)
            .invalid(dr.toString(), `default value ${df} must equal to defaultRequest value ${dr} in ${k}`),
        );
    }
  });
  return errs;
}

export function validateLimitRangeUpdate(lr: LimitRange, old: LimitRange): FieldError[] {
  return [...validateObjectMetaUpdate(lr.metadata, old.metadata), ...validateLimitRange(lr)];
}

const standardScopes = new Set([
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
]);
const podComputeResources = new Set([
  'cpu',
  'memory',
  'limits.cpu',
  'limits.memory',
  'requests.cpu',
  'requests.memory',
]);

function scopeValidForResource(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods';
  if (standardScopes.has(scope)) return resource === 'pods' || podComputeResources.has(resource);
  return true;
}

function validateResourceList(m: Record<string, unknown> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const r = obj(m);
  for (const k of mapKeys(r)) {
    errs.push(...validateQuotaResourceName(k, path.key(k)));
    errs.push(...validateResourceQuantityValue(k, r[k], path.key(k)));
  }
  return errs;
}

function conflicting(scopes: Set<string>): boolean {
  return (
    (scopes.has('BestEffort') && scopes.has('NotBestEffort')) ||
    (scopes.has('Terminating') && scopes.has('NotTerminating'))
  );
}

function validateQuotaSpec(rq: ResourceQuota): FieldError[] {
  const spec = FieldPath.of('spec');
  const s = rq.spec ?? {};
  const errs = validateResourceList(s.hard, spec.child('hard'));
  const hard = mapKeys(s.hard);
  const scopes = list(s.scopes);
  if (scopes.length) {
    const sp = spec.child('scopes');
    for (const scope of scopes) {
      if (!standardScopes.has(scope)) errs.push(sp.invalid(scopes, 'unsupported scope'));
      for (const k of hard)
        if (isStandardQuotaResourceName(k) && !scopeValidForResource(scope, k))
          errs.push(sp.invalid(scopes, 'unsupported scope applied to resource'));
    }
    if (conflicting(new Set(scopes))) errs.push(sp.invalid(scopes, 'conflicting scopes'));
  }
  if (s.scopeSelector) {
    const mp = spec.child('scopeSelector', 'matchExpressions');
    const seen = new Set<string>();
    for (const req of list(s.scopeSelector.matchExpressions)) {
      const scope = str(req.scopeName);
      if (!standardScopes.has(scope)) errs.push(mp.child('scopeName').invalid(scope, 'unsupported scope'));
      for (const k of hard)
        if (isStandardQuotaResourceName(k) && !scopeValidForResource(scope, k))
          errs.push(mp.invalid(s.scopeSelector, 'unsupported scope applied to resource'));
      if (
        ['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating', 'CrossNamespacePodAffinity'].includes(scope) &&
        req.operator !== 'Exists'
      )
        errs.push(
          mp
            .child('operator')
            .invalid(
              str(req.operator),
              "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
            ),
        );
      const values = list(req.values);
      if (req.operator === 'In' || req.operator === 'NotIn') {
        if (values.length === 0)
          errs.push(
            mp
              .child('values')
              .required("must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"),
          );
      } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
        if (values.length)
          errs.push(
            mp
              .child('values')
              .invalid(values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"),
          );
      } else {
        errs.push(mp.child('operator').invalid(str(req.operator), 'not a valid selector operator'));
      }
      seen.add(scope);
    }
    if (conflicting(seen)) errs.push(mp.invalid(scopes, 'conflicting scopes'));
  }
  return errs;
}

export function validateResourceQuota(rq: ResourceQuota): FieldError[] {
  const errs = validateObjectMeta(rq.metadata, true, nameIsDNSSubdomain);
  errs.push(...validateQuotaSpec(rq));
  errs.push(...validateResourceList(rq.status?.hard, FieldPath.of('status', 'hard')));
  errs.push(...validateResourceList(rq.status?.used, FieldPath.of('status', 'used')));
  return errs;
}

export function validateResourceQuotaUpdate(rq: ResourceQuota, old: ResourceQuota): FieldError[] {
  const errs = validateObjectMetaUpdate(rq.metadata, old.metadata);
  errs.push(...validateQuotaSpec(rq));
  const ns = new Set(list(rq.spec?.scopes));
  const os = new Set(list(old.spec?.scopes));
  if (ns.size !== os.size || [...ns].some((s) => !os.has(s)))
    errs.push(FieldPath.of('spec', 'scopes').invalid(list(rq.spec?.scopes), fieldImmutableErrorMsg));
  return errs;
}

export function validateResourceQuotaStatusUpdate(rq: ResourceQuota, old: ResourceQuota): FieldError[] {
  const errs = validateObjectMetaUpdate(rq.metadata, old.metadata);
  if (!str(rq.metadata?.resourceVersion)) errs.push(FieldPath.of('resourceVersion').required());
  errs.push(...validateResourceList(rq.status?.hard, FieldPath.of('status', 'hard')));
  errs.push(...validateResourceList(rq.status?.used, FieldPath.of('status', 'used')));
  return errs;
}

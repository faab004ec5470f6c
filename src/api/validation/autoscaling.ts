import type { HorizontalPodAutoscaler as HPAv1 } from 'kubernetes-types/autoscaling/v1.js';
import type {
  HorizontalPodAutoscaler as HPAv2,
  HPAScalingRules,
  MetricSpec,
  MetricTarget,
} from 'kubernetes-types/autoscaling/v2.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { list, num, str, validateNonnegative } from './common.js';
import { FieldPath, type FieldError } from './field-error.js';
import { validateLabelSelector } from './label-selector.js';
import { nameIsDNSSubdomain, nameIsPathSegment } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { toQuantity } from './resources.js';

/**
 * autoscaling v1 and v2 HorizontalPodAutoscalers. Both are validated in the v2
 * shape (upstream validates the internal type, which is v2-like); a v1 CPU
 * target becomes a Resource metric, so its errors are reported under
 * `spec.metrics[0]` as upstream does.
 */
const spec = FieldPath.of('spec');
const metricTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];

/** autoscaling/v1 -> v2 shape (only the fields validation looks at). */
export function hpaV1ToV2(h: HPAv1): HPAv2 {
  const s = h.spec;
  const metrics: MetricSpec[] = [];
  if (typeof s?.targetCPUUtilizationPercentage === 'number')
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: s.targetCPUUtilizationPercentage } },
    });
  return {
    metadata: h.metadata,
    spec: {
      scaleTargetRef: s?.scaleTargetRef ?? { kind: '', name: '' },
      minReplicas: s?.minReplicas,
      maxReplicas: s?.maxReplicas ?? 0,
      metrics,
    },
    status: h.status
      ? { currentReplicas: h.status.currentReplicas, desiredReplicas: h.status.desiredReplicas }
      : undefined,
  };
}

function validateRef(ref: { kind?: string; name?: string } | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['kind', 'name'] as const) {
    const v = str(ref?.[f]);
    if (!v) errs.push(path.child(f).required());
    else errs.push(...nameIsPathSegment(v, false).map((m) => path.child(f).invalid(v, m)));
  }
  return errs;
}

function validateMetricIdentifier(
  id: { name?: string; selector?: LabelSelector } | undefined,
  path: FieldPath,
): FieldError[] {
  const name = str(id?.name);
  const errs = name
    ? nameIsPathSegment(name, false).map((m) => path.child('name').invalid(name, m))
    : [path.child('name').required('must specify a metric name')];
  errs.push(...validateLabelSelector(id?.selector, path.child('selector')));
  return errs;
}

function validateTarget(t: MetricTarget | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(t?.type);
  if (!type) errs.push(path.child('type').required('must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue')
    errs.push(path.child('type').invalid(type, 'must be either Utilization, Value, or AverageValue'));
  for (const f of ['value', 'averageValue'] as const) {
    const q = toQuantity(t?.[f]);
    if (t?.[f] !== undefined && (!q || q.sign() !== 1)) errs.push(path.child(f).invalid(t[f], 'must be positive'));
  }
  if (typeof t?.averageUtilization === 'number' && t.averageUtilization < 1)
    errs.push(path.child('averageUtilization').invalid(t.averageUtilization, 'must be greater than 0'));
  return errs;
}

function validateMetric(m: MetricSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(m.type);
  if (!type) errs.push(path.child('type').required('must specify a metric source type'));
  if (!metricTypes.includes(type)) errs.push(path.child('type').notSupported(type, metricTypes));
  const present: string[] = [];
  const check = <T>(
    field: 'object' | 'external' | 'pods' | 'resource' | 'containerResource',
    v: T | undefined,
    fn: (v: T, p: FieldPath) => FieldError[],
  ) => {
    if (v === undefined || v === null) return;
    present.push(field);
    if (present.length === 1) errs.push(...fn(v, path.child(field)));
  };
  check('object', m.object, (o, p) => {
    const e = [
      ...validateRef(o.describedObject, p.child('describedObject')),
      ...validateMetricIdentifier(o.metric, p.child('metric')),
      ...validateTarget(o.target, p.child('target')),
    ];
    if (o.target?.value === undefined && o.target?.averageValue === undefined)
      e.push(p.child('target', 'averageValue').required('must set either a target value or averageValue'));
    return e;
  });
  check('external', m.external, (o, p) => {
    const e = [
      ...validateMetricIdentifier(o.metric, p.child('metric')),
      ...validateTarget(o.target, p.child('target')),
    ];
    if (o.target?.value === undefined && o.target?.averageValue === undefined)
      e.push(
        p.child('target', 'averageValue').required('must set either a target value for metric or a per-pod target'),
      );
    if (o.target?.value !== undefined && o.target?.averageValue !== undefined)
      e.push(p.child('target', 'value').forbidden('may not set both a target value for metric and a per-pod target'));
    return e;
  });
  check('pods', m.pods, (o, p) => {
    const e = [
      ...validateMetricIdentifier(o.metric, p.child('metric')),
      ...validateTarget(o.target, p.child('target')),
    ];
    if (o.target?.averageValue === undefined)
      e.push(p.child('target', 'averageValue').required('must specify a positive target averageValue'));
    return e;
  });
  const resourceCheck = (
    o: { name?: string; container?: string; target?: MetricTarget },
    p: FieldPath,
    container: boolean,
  ) => {
    const e: FieldError[] = [];
    if (!str(o.name)) e.push(p.child('name').required('must specify a resource name'));
    if (container && !str(o.container)) e.push(p.child('container').required('must specify a container'));
    e.push(...validateTarget(o.target, p.child('target')));
    if (o.target?.averageUtilization === undefined && o.target?.averageValue === undefined)
      e.push(
        p.child('target', 'averageUtilization').required('must set either a target raw value or a target utilization'),
      );
    if (o.target?.averageUtilization !== undefined && o.target?.averageValue !== undefined)
      e.push(
        p.child('target', 'averageValue').forbidden('may not set both a target raw value and a target utilization'),
      );
    return e;
  };
  check('resource', m.resource, (o, p) => resourceCheck(o, p, false));
  check('containerResource', m.containerResource, (o, p) => resourceCheck(o, p, true));
  const expected = type === 'ContainerResource' ? 'containerResource' : type.toLowerCase();
  if (metricTypes.includes(type) && !present.includes(expected))
    errs.push(path.child(expected).required('must populate information for the given metric source'));
  if (present.length !== 1)
    for (const f of present)
      if (f !== expected) errs.push(path.child(f).forbidden('must populate the given metric source only'));
  return errs;
}

function validateScalingRules(rules: HPAScalingRules | undefined, path: FieldPath): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const sw = rules.stabilizationWindowSeconds;
  if (typeof sw === 'number' && sw < 0)
    errs.push(path.child('stabilizationWindowSeconds').invalid(sw, 'must be greater than or equal to zero'));
  if (typeof sw === 'number' && sw > 3600)
    errs.push(path.child('stabilizationWindowSeconds').invalid(sw, 'must be less than or equal to 3600'));
  const sel = rules.selectPolicy;
  if (sel !== undefined && sel !== null && !['Disabled', 'Max', 'Min'].includes(sel))
    errs.push(path.child('selectPolicy').notSupported(sel, ['Disabled', 'Max', 'Min']));
  const policies = list(rules.policies);
  if (policies.length === 0) errs.push(path.child('policies').required('must specify at least one Policy'));
  policies.forEach((p, i) => {
    const pp = path.child('policies').index(i);
    if (p.type !== 'Pods' && p.type !== 'Percent')
      errs.push(pp.child('type').notSupported(str(p.type), ['Percent', 'Pods']));
    if (num(p.value) <= 0) errs.push(pp.child('value').invalid(num(p.value), 'must be greater than zero'));
    if (num(p.periodSeconds) <= 0)
      errs.push(pp.child('periodSeconds').invalid(num(p.periodSeconds), 'must be greater than zero'));
    if (num(p.periodSeconds) > 1800)
      errs.push(pp.child('periodSeconds').invalid(num(p.periodSeconds), 'must be less than or equal to 1800'));
  });
  return errs;
}

function validateHPASpec(h: HPAv2): FieldError[] {
  const s = h.spec;
  const errs: FieldError[] = [];
  if (typeof s?.minReplicas === 'number' && s.minReplicas < 1)
    errs.push(spec.child('minReplicas').invalid(s.minReplicas, 'must be greater than or equal to 1'));
  const max = num(s?.maxReplicas);
  if (max < 1) errs.push(spec.child('maxReplicas').invalid(max, 'must be greater than 0'));
  if (typeof s?.minReplicas === 'number' && max < s.minReplicas)
    errs.push(spec.child('maxReplicas').invalid(max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateRef(s?.scaleTargetRef, spec.child('scaleTargetRef')));
  list(s?.metrics).forEach((m, i) => errs.push(...validateMetric(m, spec.child('metrics').index(i))));
  errs.push(...validateScalingRules(s?.behavior?.scaleUp, spec.child('behavior', 'scaleUp')));
  errs.push(...validateScalingRules(s?.behavior?.scaleDown, spec.child('behavior', 'scaleDown')));
  return errs;
}

const asV2 = (h: HPAv1 | HPAv2): HPAv2 => (h.apiVersion === 'autoscaling/v1' ? hpaV1ToV2(h as HPAv1) : (h as HPAv2));

export function validateHorizontalPodAutoscaler(h: HPAv1 | HPAv2): FieldError[] {
  const v2 = asV2(h);
  return [...validateObjectMeta(v2.metadata, true, nameIsDNSSubdomain), ...validateHPASpec(v2)];
}

export function validateHorizontalPodAutoscalerUpdate(h: HPAv1 | HPAv2, old: HPAv1 | HPAv2): FieldError[] {
  return [...validateObjectMetaUpdate(h.metadata, old.metadata), ...validateHPASpec(asV2(h))];
}

export function validateHorizontalPodAutoscalerStatusUpdate(h: HPAv1 | HPAv2, old: HPAv1 | HPAv2): FieldError[] {
  const errs = validateObjectMetaUpdate(h.metadata, old.metadata);
  errs.push(...validateNonnegative(h.status?.currentReplicas, FieldPath.of('status', 'currentReplicas')));
  errs.push(...validateNonnegative(h.status?.desiredReplicas, FieldPath.of('status', 'desiredReplicas')));
  return errs;
}

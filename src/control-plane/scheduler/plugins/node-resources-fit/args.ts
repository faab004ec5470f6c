import type { FieldPath, FieldError } from '../../../../api/validation/field-error.js';
import { isQualifiedName } from '../../../../api/validation/names.js';
import { asObject } from '../helpers/args.js';
import type { ResourceSpec, UtilizationShapePoint } from '../helpers/resource-allocation.js';

export const ScoringStrategyTypes = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'] as const;
export type ScoringStrategyType = (typeof ScoringStrategyTypes)[number];

export interface NodeResourcesFitArgs {
  ignoredResources: string[];
  ignoredResourceGroups: string[];
  scoringStrategy: {
    type: ScoringStrategyType;
    resources: ResourceSpec[];
    requestedToCapacityRatio?: { shape: UtilizationShapePoint[] };
  };
}

export const defaultResourceSpec: readonly ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/** Upstream SetDefaults_NodeResourcesFitArgs: LeastAllocated over cpu and memory, weight 1. */
export function defaultFitArgs(raw: unknown): NodeResourcesFitArgs {
  const o = asObject(raw);
  const s = o.scoringStrategy ? asObject(o.scoringStrategy) : undefined;
  const resources = ((s?.resources as ResourceSpec[] | undefined) ?? []).map((r) => ({
    name: r.name,
    weight: r.weight || 1,
  }));
  const rtcr = s?.requestedToCapacityRatio ? asObject(s.requestedToCapacityRatio) : undefined;
  return {
    ignoredResources: (o.ignoredResources as string[] | undefined) ?? [],
    ignoredResourceGroups: (o.ignoredResourceGroups as string[] | undefined) ?? [],
    scoringStrategy: {
      type: ((s?.type as ScoringStrategyType | undefined) ?? 'LeastAllocated') as ScoringStrategyType,
      resources: resources.length ? resources : defaultResourceSpec.map((r) => ({ ...r })),
      requestedToCapacityRatio: rtcr ? { shape: (rtcr.shape as UtilizationShapePoint[] | undefined) ?? [] } : undefined,
    },
  };
}

/** Resource weights must be in [1, 100] (upstream validateResources). */
export function validateResources(resources: readonly ResourceSpec[], p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  resources.forEach((r, i) => {
    if (!(r.weight > 0 && r.weight <= 100)) {
      errs.push(
        p.index(i).child('weight').invalid(r.weight, `resource weight of ${r.name} not in valid range [1, 100]`),
      );
    }
  });
  return errs;
}

/** Shape points: at least one, increasing utilization in [0, 100], scores in [0, 10]. */
export function validateFunctionShape(shape: readonly UtilizationShapePoint[], p: FieldPath): FieldError[] {
  if (shape.length === 0) return [p.required('at least one point must be specified')];
  const errs: FieldError[] = [];
  for (let i = 1; i < shape.length; i++) {
    if (shape[i - 1]!.utilization >= shape[i]!.utilization) {
      errs.push(
        p
          .index(i)
          .child('utilization')
          .invalid(shape[i]!.utilization, 'utilization values must be sorted in increasing order'),
      );
      break;
    }
  }
  shape.forEach((pt, i) => {
    if (!(pt.utilization >= 0 && pt.utilization <= 100)) {
      errs.push(p.index(i).child('utilization').invalid(pt.utilization, 'not in valid range [0, 100]'));
    }
    if (!(pt.score >= 0 && pt.score <= 10))
      errs.push(p.index(i).child('score').invalid(pt.score, 'not in valid range [0, 10]'));
  });
  return errs;
}

/** Upstream ValidateNodeResourcesFitArgs, on defaulted args. */
export function validateFitArgs(args: NodeResourcesFitArgs, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  args.ignoredResources.forEach((r, i) => {
    for (const m of isQualifiedName(r)) errs.push(path.child('ignoredResources').index(i).invalid(r, m));
  });
  args.ignoredResourceGroups.forEach((g, i) => {
    const p = path.child('ignoredResourceGroups').index(i);
    if (g.includes('/')) errs.push(p.invalid(g, "resource group name can't contain '/'"));
    for (const m of isQualifiedName(g)) errs.push(p.invalid(g, m));
  });
  const sp = path.child('scoringStrategy');
  const s = args.scoringStrategy;
  if (!ScoringStrategyTypes.includes(s.type)) errs.push(sp.child('type').notSupported(s.type, ScoringStrategyTypes));
  errs.push(...validateResources(s.resources, sp.child('resources')));
  if (s.requestedToCapacityRatio)
    errs.push(...validateFunctionShape(s.requestedToCapacityRatio.shape, sp.child('shape')));
  else if (s.type === 'RequestedToCapacityRatio')
    errs.push(sp.child('requestedToCapacityRatio').required('required for RequestedToCapacityRatio'));
  return errs;
}

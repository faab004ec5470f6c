import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import type { FieldError, FieldPath } from '../../../../api/validation/field-error.js';
import { isQualifiedName } from '../../../../api/validation/names.js';
import { asObject } from '../helpers/args.js';

export interface PodTopologySpreadArgs {
  defaultConstraints: TopologySpreadConstraint[];
  /** System: the built-in defaults (hostname 3, zone 5, ScheduleAnyway); List: defaultConstraints. */
  defaultingType: 'System' | 'List';
}

/** Upstream SetDefaults_PodTopologySpreadArgs: List when constraints are given, System otherwise. */
export function defaultPodTopologySpreadArgs(raw: unknown): PodTopologySpreadArgs {
  const o = asObject(raw);
  const defaultConstraints = (o.defaultConstraints as TopologySpreadConstraint[] | undefined) ?? [];
  const t = o.defaultingType as string | undefined;
  return {
    defaultConstraints,
    defaultingType: (t || (defaultConstraints.length ? 'List' : 'System')) as 'System' | 'List',
  };
}

/** Upstream ValidatePodTopologySpreadArgs. */
export function validatePodTopologySpreadArgs(args: PodTopologySpreadArgs, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  args.defaultConstraints.forEach((c, i) => {
    const p = path.child('defaultConstraints').index(i);
    if (!(c.maxSkew > 0)) errs.push(p.child('maxSkew').invalid(c.maxSkew, 'not in valid range (0, inf)'));
    if (!c.topologyKey) errs.push(p.child('topologyKey').required('can not be empty'));
    else for (const m of isQualifiedName(c.topologyKey)) errs.push(p.child('topologyKey').invalid(c.topologyKey, m));
    if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway') {
      errs.push(p.child('whenUnsatisfiable').notSupported(c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']));
    }
    const key = `${c.topologyKey}/${c.whenUnsatisfiable}`;
    if (seen.has(key)) errs.push(p.duplicate({ topologyKey: c.topologyKey, whenUnsatisfiable: c.whenUnsatisfiable }));
    seen.add(key);
    if (c.labelSelector != null) {
      errs.push(
        p.child('labelSelector').forbidden('constraint must not define a selector, as they deduced for each pod'),
      );
    }
  });
  if (args.defaultingType !== 'System' && args.defaultingType !== 'List') {
    errs.push(path.child('defaultingType').notSupported(args.defaultingType, ['List', 'System']));
  } else if (args.defaultingType === 'System' && args.defaultConstraints.length > 0) {
    errs.push(
      path
        .child('defaultingType')
        .invalid(args.defaultingType, 'when .defaultConstraints are not empty, .defaultingType must be List'),
    );
  }
  return errs;
}

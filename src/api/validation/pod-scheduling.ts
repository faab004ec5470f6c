import type {
  Affinity,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodAffinityTerm,
  Toleration,
  TopologySpreadConstraint,
  WeightedPodAffinityTerm,
} from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isNotPositiveErrorMsg, list, mapKeys, str } from './common.js';
import type { FieldError, FieldPath } from './field-error.js';
import { validateLabelName, validateLabelSelector } from './label-selector.js';
import { isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';

/**
 * The scheduling-related parts of a pod spec: tolerations, node and pod
 * (anti-)affinity, topology spread constraints. Node taints reuse the effect
 * check from here.
 */
export const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaintEffect(effect: string, allowEmpty: boolean, path: FieldPath): FieldError[] {
  if (!allowEmpty && effect === '') return [path.required()];
  return taintEffects.includes(effect) ? [] : [path.notSupported(effect, taintEffects)];
}

export function validateTolerations(tolerations: Toleration[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  list(tolerations).forEach((t, i) => {
    const p = path.index(i);
    const key = str(t.key);
    const op = str(t.operator);
    const value = str(t.value);
    const effect = str(t.effect);
    if (key) errs.push(...validateLabelName(key, p.child('key')));
    if (!key && op !== 'Exists')
      errs.push(
        p
          .child('operator')
          .invalid(op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'),
      );
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute')
      errs.push(p.child('effect').invalid(effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (op === 'Equal' || op === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length) errs.push(p.child('operator').invalid(value, msgs.join(';')));
    } else if (op === 'Exists') {
      if (value) errs.push(p.child('operator').invalid(value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(p.child('operator').notSupported(op, ['Equal', 'Exists']));
    }
    if (effect) errs.push(...validateTaintEffect(effect, true, p.child('effect')));
  });
  return errs;
}

function validateNodeSelectorRequirement(rq: NodeSelectorRequirement, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const values = list(rq.values);
  switch (rq.operator) {
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
    case 'Gt':
    case 'Lt':
      if (values.length !== 1)
        errs.push(path.child('values').required("must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(path.child('operator').invalid(str(rq.operator), 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(rq.key), path.child('key')));
  return errs;
}

function validateNodeFieldSelectorRequirement(rq: NodeSelectorRequirement, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if (list(rq.values).length !== 1)
      errs.push(
        path
          .child('values')
          .required("must be only one value when `operator` is 'In' or 'NotIn' for node field selector"),
      );
  } else {
    errs.push(path.child('operator').invalid(str(rq.operator), 'not a valid selector operator'));
  }
  if (rq.key !== 'metadata.name') errs.push(path.child('key').invalid(str(rq.key), 'not a valid field selector key'));
  else
    list(rq.values).forEach((v, i) =>
      errs.push(...nameIsDNSSubdomain(v, false).map((m) => path.child('values').index(i).invalid(v, m))),
    );
  return errs;
}

export function validateNodeSelectorTerm(term: NodeSelectorTerm | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  list(term?.matchExpressions).forEach((r, i) =>
    errs.push(...validateNodeSelectorRequirement(r, path.child('matchExpressions').index(i))),
  );
  list(term?.matchFields).forEach((r, i) =>
    errs.push(...validateNodeFieldSelectorRequirement(r, path.child('matchFields').index(i))),
  );
  return errs;
}

export function validateNodeSelector(sel: NodeSelector, path: FieldPath): FieldError[] {
  const termsPath = path.child('nodeSelectorTerms');
  const terms = list(sel.nodeSelectorTerms);
  if (terms.length === 0) return [termsPath.required('must have at least one node selector term')];
  return terms.flatMap((t, i) => validateNodeSelectorTerm(t, termsPath.index(i)));
}

function validateLabelKeys(
  keys: string[] | undefined,
  selector: LabelSelector | undefined,
  path: FieldPath,
): FieldError[] {
  const ks = list(keys);
  if (ks.length === 0) return [];
  if (!selector) return [path.forbidden('must not be specified when labelSelector is not set')];
  return ks.flatMap((k, i) => validateLabelName(k, path.index(i)));
}

function validatePodAffinityTerm(term: PodAffinityTerm, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabelSelector(term.labelSelector, path.child('labelSelector')));
  errs.push(...validateLabelSelector(term.namespaceSelector, path.child('namespaceSelector')));
  for (const ns of list(term.namespaces))
    errs.push(...nameIsDNSLabel(ns, false).map((m) => path.child('namespace').invalid(ns, m)));
  const t = term as PodAffinityTerm & { matchLabelKeys?: string[]; mismatchLabelKeys?: string[] };
  errs.push(...validateLabelKeys(t.matchLabelKeys, term.labelSelector, path.child('matchLabelKeys')));
  errs.push(...validateLabelKeys(t.mismatchLabelKeys, term.labelSelector, path.child('mismatchLabelKeys')));
  const mismatch = new Set(list(t.mismatchLabelKeys));
  list(t.matchLabelKeys).forEach((k, i) => {
    if (mismatch.has(k))
      errs.push(
        path.child('matchLabelKeys').index(i).invalid(k, 'exists in both matchLabelKeys and mismatchLabelKeys'),
      );
  });
  const topologyKey = str(term.topologyKey);
  if (!topologyKey) errs.push(path.child('topologyKey').required('can not be empty'));
  errs.push(...validateLabelName(topologyKey, path.child('topologyKey')));
  return errs;
}

function validateWeightedTerms(terms: WeightedPodAffinityTerm[] | undefined, path: FieldPath): FieldError[] {
  return list(terms).flatMap((t, i) => {
    const errs: FieldError[] = [];
    if (!(t.weight > 0 && t.weight <= 100))
      errs.push(
        path
          .index(i)
          .child('weight')
          .invalid(t.weight ?? 0, 'must be in the range 1-100'),
      );
    errs.push(...validatePodAffinityTerm(t.podAffinityTerm ?? {}, path.index(i).child('podAffinityTerm')));
    return errs;
  });
}

export function validateAffinity(affinity: Affinity | undefined, path: FieldPath): FieldError[] {
  if (!affinity) return [];
  const errs: FieldError[] = [];
  const na = affinity.nodeAffinity;
  if (na) {
    const np = path.child('nodeAffinity');
    if (na.requiredDuringSchedulingIgnoredDuringExecution)
      errs.push(
        ...validateNodeSelector(
          na.requiredDuringSchedulingIgnoredDuringExecution,
          np.child('requiredDuringSchedulingIgnoredDuringExecution'),
        ),
      );
    list(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const p = np.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      if (!(t.weight > 0 && t.weight <= 100))
        errs.push(p.child('weight').invalid(t.weight ?? 0, 'must be in the range 1-100'));
      errs.push(...validateNodeSelectorTerm(t.preference, p.child('preference')));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = affinity[kind];
    if (!pa) continue;
    const p = path.child(kind);
    list(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) =>
      errs.push(...validatePodAffinityTerm(t, p.child('requiredDuringSchedulingIgnoredDuringExecution').index(i))),
    );
    errs.push(
      ...validateWeightedTerms(
        pa.preferredDuringSchedulingIgnoredDuringExecution,
        p.child('preferredDuringSchedulingIgnoredDuringExecution'),
      ),
    );
  }
  return errs;
}

export function validateTopologySpreadConstraints(
  cs: TopologySpreadConstraint[] | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const all = list(cs);
  all.forEach((c, i) => {
    const p = path.index(i);
    const maxSkew = c.maxSkew ?? 0;
    if (maxSkew <= 0) errs.push(p.child('maxSkew').invalid(maxSkew, isNotPositiveErrorMsg));
    if (!str(c.topologyKey)) errs.push(p.child('topologyKey').required('can not be empty'));
    const wu = str(c.whenUnsatisfiable);
    if (wu !== 'DoNotSchedule' && wu !== 'ScheduleAnyway')
      errs.push(p.child('whenUnsatisfiable').notSupported(wu, ['DoNotSchedule', 'ScheduleAnyway']));
    if (all.slice(i + 1).some((o) => str(o.topologyKey) === str(c.topologyKey) && str(o.whenUnsatisfiable) === wu))
      errs.push(p.child('{topologyKey, whenUnsatisfiable}').duplicate(`{${str(c.topologyKey)}, ${wu}}`));
    if (c.minDomains !== undefined && c.minDomains !== null) {
      if (c.minDomains <= 0) errs.push(p.child('minDomains').invalid(c.minDomains, isNotPositiveErrorMsg));
      if (wu !== 'DoNotSchedule')
        errs.push(
          p
            .child('minDomains')
            .invalid(c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${wu}`),
        );
    }
    for (const f of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const v = c[f];
      if (v !== undefined && v !== null && v !== 'Honor' && v !== 'Ignore')
        errs.push(p.child(f).notSupported(v, ['Honor', 'Ignore']));
    }
    const keys = list(c.matchLabelKeys);
    if (keys.length) {
      const selKeys = new Set([
        ...mapKeys(c.labelSelector?.matchLabels),
        ...list(c.labelSelector?.matchExpressions).map((e) => e.key),
      ]);
      if (!c.labelSelector)
        errs.push(p.child('matchLabelKeys').forbidden('must not be specified when labelSelector is not set'));
      keys.forEach((k, j) => {
        errs.push(...validateLabelName(k, p.child('matchLabelKeys').index(j)));
        if (selKeys.has(k))
          errs.push(p.child('matchLabelKeys').index(j).invalid(k, 'exists in both matchLabelKeys and labelSelector'));
      });
    }
    errs.push(...validateLabelSelector(c.labelSelector, p.child('labelSelector')));
  });
  return errs;
}

import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { badRequest } from '../errors/status-error.js';
import { parseRequirements } from './label-parser.js';
import {
  aggregate,
  compareStrings,
  requirementErrors,
  requirementMatches,
  requirementString,
  type LabelOperator,
  type Requirement,
} from './requirement.js';

export type { LabelOperator, Requirement } from './requirement.js';

/**
 * A compiled label selector (apimachinery `labels.Selector`). Immutable and
 * safe to share; `matches` is on the hot path of list filtering and watch
 * fan-out, so it does no allocation.
 */
export interface LabelMatcher {
  matches(labels: Record<string, string> | undefined): boolean;
  /** True when the selector does not restrict anything (`everything`). */
  isEmpty(): boolean;
  /** Canonical string form, requirements sorted by key (what `?labelSelector=` accepts back). */
  toString(): string;
  /** The ANDed requirements, sorted by key; empty for `everything` and `nothing`. */
  requirements(): readonly Requirement[];
  /** The single value `key` must equal (`k=v`, `k==v`, `k in (v)`), for index lookups. */
  exactMatchValue(key: string): string | undefined;
}

const noLabels: Record<string, string> = Object.freeze({}) as Record<string, string>;

class RequirementsMatcher implements LabelMatcher {
  readonly #reqs: readonly Requirement[];
  #str: string | undefined;

  /** Requirements are sorted by key (stably), as upstream's Add does. */
  constructor(reqs: readonly Requirement[]) {
    this.#reqs = Object.freeze([...reqs].sort((a, b) => compareStrings(a.key, b.key)));
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const ls = labels ?? noLabels;
    for (const r of this.#reqs) if (!requirementMatches(r, ls)) return false;
    return true;
  }
  isEmpty(): boolean {
    return this.#reqs.length === 0;
  }
  toString(): string {
    return (this.#str ??= this.#reqs.map(requirementString).join(','));
  }
  requirements(): readonly Requirement[] {
    return this.#reqs;
  }
  exactMatchValue(key: string): string | undefined {
    const r = this.#reqs.find((x) => x.key === key);
    if (!r || r.values.length !== 1) return undefined;
    return r.operator === '=' || r.operator === '==' || r.operator === 'in' ? r.values[0] : undefined;
  }
}

/** Matches every label set (also the meaning of an empty selector string and `{}`). */
export const everything: LabelMatcher = new RequirementsMatcher([]);

/** Matches no label set (a nil LabelSelector). Not empty, prints as "". */
export const nothing: LabelMatcher = Object.freeze({
  matches: () => false,
  isEmpty: () => false,
  toString: () => '',
  requirements: () => [],
  exactMatchValue: () => undefined,
});

/**
 * Parses the `?labelSelector=` string form (upstream `labels.Parse`); throws a
 * 400 StatusError carrying upstream's parse error text.
 */
export function parseLabelSelector(s: string): LabelMatcher {
  const reqs = parseRequirements(s);
  if (typeof reqs === 'string') throw badRequest(reqs);
  return reqs.length === 0 ? everything : new RequirementsMatcher(reqs);
}

/** Like parseLabelSelector, returning the error message instead of throwing. */
export function tryParseLabelSelector(s: string): LabelMatcher | string {
  const reqs = parseRequirements(s);
  if (typeof reqs === 'string') return reqs;
  return reqs.length === 0 ? everything : new RequirementsMatcher(reqs);
}

const operatorFromObject: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: `null`/`undefined` select nothing, `{}`
 * selects everything; matchLabels become `k=v`, matchExpressions their
 * set operators. Invalid keys, values or operators throw a 400 StatusError with
 * upstream's message (e.g. `"Foo" is not a valid label selector operator`).
 */
export function selectorFromLabelSelector(sel: LabelSelector | null | undefined): LabelMatcher {
  const out = labelSelectorRequirements(sel);
  if (typeof out === 'string') throw badRequest(out);
  return out;
}

function labelSelectorRequirements(sel: LabelSelector | null | undefined): LabelMatcher | string {
  if (sel == null) return nothing;
  const matchLabels = sel.matchLabels ?? {};
  const exprs = sel.matchExpressions ?? [];
  const labelKeys = Object.keys(matchLabels).sort(compareStrings);
  if (labelKeys.length + exprs.length === 0) return everything;
  const reqs: Requirement[] = [];
  for (const key of labelKeys) {
    const values = [String(matchLabels[key])];
    const errs = requirementErrors(key, '=', values);
    if (errs.length) return aggregate(errs);
    reqs.push({ key, operator: '=', values });
  }
  for (const expr of exprs) {
    const operator = Object.prototype.hasOwnProperty.call(operatorFromObject, expr.operator)
      ? operatorFromObject[expr.operator]
      : undefined;
    if (!operator) return `${JSON.stringify(expr.operator ?? '')} is not a valid label selector operator`;
    const values = [...(expr.values ?? [])];
    const errs = requirementErrors(expr.key ?? '', operator, values);
    if (errs.length) return aggregate(errs);
    reqs.push({ key: expr.key, operator, values });
  }
  return new RequirementsMatcher(reqs);
}

/**
 * The string form of a LabelSelector object, as the Scale subresource's
 * `status.selector` shows it (`LabelSelectorAsSelector(sel).String()`); "" for
 * nil. Throws like selectorFromLabelSelector on invalid input.
 */
export function labelSelectorToString(sel: LabelSelector | null | undefined): string {
  return selectorFromLabelSelector(sel).toString();
}

/** A selector requiring exactly the given labels (upstream SelectorFromSet); empty selects everything. */
export function selectorFromSet(set: Record<string, string> | null | undefined): LabelMatcher {
  const keys = Object.keys(set ?? {});
  if (keys.length === 0) return everything;
  return new RequirementsMatcher(keys.map((key) => ({ key, operator: '=' as const, values: [set![key]!] })));
}

/** Builds a matcher from already validated requirements (e.g. a node affinity term compiled elsewhere). */
export function selectorFromRequirements(reqs: readonly Requirement[]): LabelMatcher {
  return reqs.length === 0 ? everything : new RequirementsMatcher(reqs);
}

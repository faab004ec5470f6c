import type {
  Node,
  NodeSelector as V1NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  PreferredSchedulingTerm,
} from 'kubernetes-types/core/v1.js';
import {
  requirementErrors,
  requirementMatches,
  type LabelOperator,
  type Requirement,
} from '../../../api/selectors/requirement.js';

/**
 * Node selector terms compiled once per pod (component-helpers
 * `scheduling/corev1/nodeaffinity`): terms are ORed, the requirements of a
 * term ANDed; an empty term selects nothing; a term that fails to parse is
 * dropped (it selects nothing) and its error kept for reporting.
 */
const ops: Record<string, LabelOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
  Gt: 'gt',
  Lt: 'lt',
};

interface FieldTerm {
  value: string;
  equal: boolean;
}

export class CompiledTerm {
  constructor(
    readonly labels: readonly Requirement[] | null,
    readonly fields: readonly FieldTerm[] | null,
  ) {}

  matches(labels: Readonly<Record<string, string>>, nodeName: string): boolean {
    if (this.labels) for (const r of this.labels) if (!requirementMatches(r, labels)) return false;
    if (this.fields && nodeName) {
      for (const f of this.fields) if ((nodeName === f.value) !== f.equal) return false;
    }
    return true;
  }
}

const noLabels: Readonly<Record<string, string>> = Object.freeze({});

function isEmptyTerm(t: NodeSelectorTerm | undefined): boolean {
  return !t || ((t.matchExpressions?.length ?? 0) === 0 && (t.matchFields?.length ?? 0) === 0);
}

function compileRequirements(reqs: readonly NodeSelectorRequirement[], errs: string[]): Requirement[] {
  const out: Requirement[] = [];
  for (const expr of reqs) {
    const op = Object.prototype.hasOwnProperty.call(ops, expr.operator) ? ops[expr.operator] : undefined;
    if (!op) {
      errs.push(`Unsupported value: ${JSON.stringify(expr.operator)}`);
      continue;
    }
    const values = [...(expr.values ?? [])];
    const e = requirementErrors(expr.key, op, values);
    if (e.length) {
      errs.push(...e);
      continue;
    }
    out.push({ key: expr.key, operator: op, values });
  }
  return out;
}

function compileFields(reqs: readonly NodeSelectorRequirement[], errs: string[]): FieldTerm[] {
  const out: FieldTerm[] = [];
  for (const expr of reqs) {
    if (expr.operator !== 'In' && expr.operator !== 'NotIn') {
      errs.push(`Unsupported value: ${JSON.stringify(expr.operator)}: supported values: "In", "NotIn"`);
      continue;
    }
    if ((expr.values?.length ?? 0) !== 1) {
      errs.push('must have one element');
      continue;
    }
    if (expr.key !== 'metadata.name') {
      errs.push(`${JSON.stringify(expr.key)} is not a valid field selector key`);
      continue;
    }
    out.push({ value: expr.values![0]!, equal: expr.operator === 'In' });
  }
  return out;
}

/** Compiles one term; undefined when it has errors (appended to `errs`). */
export function compileTerm(term: NodeSelectorTerm, errs: string[]): CompiledTerm | undefined {
  const before = errs.length;
  const labels = term.matchExpressions?.length ? compileRequirements(term.matchExpressions, errs) : null;
  const fields = term.matchFields?.length ? compileFields(term.matchFields, errs) : null;
  return errs.length > before ? undefined : new CompiledTerm(labels, fields);
}

export class CompiledNodeSelector {
  constructor(
    readonly terms: readonly CompiledTerm[],
    readonly errors: readonly string[],
  ) {}

  matchesLabels(labels: Readonly<Record<string, string>> | undefined, nodeName: string): boolean {
    const ls = labels ?? noLabels;
    for (const t of this.terms) if (t.matches(ls, nodeName)) return true;
    return false;
  }

  matches(node: Node): boolean {
    return this.matchesLabels(node.metadata?.labels, node.metadata?.name ?? '');
  }
}

export function compileNodeSelector(ns: V1NodeSelector): CompiledNodeSelector {
  const errs: string[] = [];
  const terms: CompiledTerm[] = [];
  for (const t of ns.nodeSelectorTerms ?? []) {
    if (isEmptyTerm(t)) continue;
    const c = compileTerm(t, errs);
    if (c) terms.push(c);
  }
  return new CompiledNodeSelector(terms, errs);
}

/** spec.nodeSelector AND required node affinity (upstream GetRequiredNodeAffinity). */
export class RequiredNodeAffinity {
  constructor(
    readonly nodeSelector: Readonly<Record<string, string>> | null,
    readonly affinity: CompiledNodeSelector | null,
  ) {}

  /** True when neither a nodeSelector nor required node affinity constrains the pod. */
  isEmpty(): boolean {
    return this.nodeSelector === null && this.affinity === null;
  }

  matchesLabels(labels: Readonly<Record<string, string>> | undefined, nodeName: string): boolean {
    if (this.nodeSelector) {
      const ls = labels ?? noLabels;
      for (const k in this.nodeSelector) if (ls[k] !== this.nodeSelector[k]) return false;
    }
    return this.affinity === null || this.affinity.matchesLabels(labels, nodeName);
  }

  matches(node: Node): boolean {
    return this.matchesLabels(node.metadata?.labels, node.metadata?.name ?? '');
  }
}

export function requiredNodeAffinityOf(pod: Pod): RequiredNodeAffinity {
  const ns = pod.spec?.nodeSelector;
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return new RequiredNodeAffinity(ns && Object.keys(ns).length > 0 ? ns : null, req ? compileNodeSelector(req) : null);
}

/** Weighted preferred terms; a node scores the sum of the weights of the terms it matches. */
export class PreferredSchedulingTerms {
  constructor(readonly terms: readonly { term: CompiledTerm; weight: number }[]) {}

  score(labels: Readonly<Record<string, string>> | undefined, nodeName: string): number {
    const ls = labels ?? noLabels;
    let s = 0;
    for (const t of this.terms) if (t.term.matches(ls, nodeName)) s += t.weight;
    return s;
  }
}

/** Compiles preferred terms; returns the error text when any term is invalid (upstream fails PreScore). */
export function compilePreferredTerms(terms: readonly PreferredSchedulingTerm[]): PreferredSchedulingTerms | string {
  const errs: string[] = [];
  const out: { term: CompiledTerm; weight: number }[] = [];
  for (const t of terms) {
    if (!t.weight || isEmptyTerm(t.preference)) continue;
    const c = compileTerm(t.preference, errs);
    if (c) out.push({ term: c, weight: t.weight });
  }
  return errs.length ? errs.join('\n') : new PreferredSchedulingTerms(out);
}

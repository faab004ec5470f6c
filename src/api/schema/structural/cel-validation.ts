/**
 * CRD `x-kubernetes-validations` (apiextensions-apiserver
 * `pkg/apiserver/schema/cel/validation.go`): every rule on a schema node is
 * evaluated with `self` bound to the (non-null) value there. Transition rules
 * (those that reference `oldSelf`) run only on updates where the old value
 * can be correlated — same property or map key, same list-map keys — unless
 * `optionalOldSelf` makes `oldSelf` an optional that may be empty.
 * A false rule yields `Invalid value: "<type>": <message>` at the node (plus
 * `fieldPath`), or the Forbidden/Required/Duplicate error its `reason` names.
 */
import type { ValidationRule } from 'kubernetes-types/apiextensions/v1.js';
import { Optional } from '@marcbachmann/cel-js';
import { CelBudgetError, CelEnvironment, CelEvalError, toCelValue, type CelProgram } from '../../cel/index.js';
import type { FieldError, FieldPath } from '../../validation/field-error.js';
import { additionalPropertiesSchema, isJSONObject, itemsSchema, jsonEqual, type SchemaProps } from './schema-props.js';

const selfEnv = () => CelEnvironment.for(['self', 'oldSelf']);
const optionalOldSelfEnv = () => CelEnvironment.for(['self', 'oldSelf:optional<dyn>']);

export interface RuleCompilation {
  program?: CelProgram;
  messageProgram?: CelProgram;
  /** cel-go-style compile error of the rule or its messageExpression. */
  error?: string;
  usesOldSelf: boolean;
}

/** Compiles one rule (cached by the CEL environment). Used at CRD validation and at object validation. */
export function compileRule(rule: ValidationRule): RuleCompilation {
  const env = rule.optionalOldSelf ? optionalOldSelfEnv() : selfEnv();
  const c = env.compile(rule.rule ?? '', 'bool');
  if (!c.program) return { error: `compilation failed: ${c.error}`, usesOldSelf: false };
  const usesOldSelf = c.program.references.has('oldSelf');
  if (!rule.messageExpression) return { program: c.program, usesOldSelf };
  const m = selfEnv().compile(rule.messageExpression, 'string');
  if (!m.program) return { program: c.program, error: `messageExpression compilation failed: ${m.error}`, usesOldSelf };
  return { program: c.program, messageProgram: m.program, usesOldSelf };
}

function ruleErrorString(rule: ValidationRule): string {
  return rule.message?.trim() || (rule.rule ?? '').trim();
}

function messageOrDefault(rule: ValidationRule): string {
  return rule.message?.trim() || `failed rule: ${ruleErrorString(rule)}`;
}

/** `.spec.foo['bar']` -> path below `p` (validated at CRD creation; anything odd falls back to `p`). */
function withFieldPath(p: FieldPath, jsonPath: string | undefined): FieldPath {
  if (!jsonPath) return p;
  let out = p;
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(jsonPath))) out = m[1] !== undefined ? out.child(m[1]) : out.key(m[2]!.replace(/\\(.)/g, '$1'));
  return out;
}

function atPath(p: FieldPath, e: FieldError): FieldError {
  return e.field === '' ? { ...e, field: '<nil>' } : e;
}

function errorForReason(p: FieldPath, type: string, detail: string, reason: string | undefined): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return p.forbidden(detail);
    case 'FieldValueRequired':
      return p.required(detail);
    case 'FieldValueDuplicate':
      return p.duplicate(type);
    default:
      return p.invalid(type, detail);
  }
}

interface Walk {
  errs: FieldError[];
  /** Set once the budget is exhausted: no further rules run. */
  stopped: boolean;
}

function evalMessage(program: CelProgram, self: unknown): string | undefined {
  try {
    const v = program.evaluate({ self, oldSelf: null });
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    return t && !t.includes('\n') ? t : undefined;
  } catch {
    return undefined;
  }
}

function validateRules(p: FieldPath, s: SchemaProps, obj: unknown, old: unknown, w: Walk): void {
  const rules = s['x-kubernetes-validations'];
  if (!rules?.length) return;
  const type = s.type ?? '';
  const self = toCelValue(obj);
  let oldSelf: unknown;
  for (const rule of rules) {
    if (w.stopped) return;
    const c = compileRule(rule);
    if (!c.program) {
      w.errs.push(atPath(p, p.invalid(type, `rule compile error: ${c.error}`)));
      continue;
    }
    if (c.usesOldSelf && old === undefined && !rule.optionalOldSelf) continue;
    oldSelf ??= old === undefined ? null : toCelValue(old);
    const activation = rule.optionalOldSelf
      ? { self, oldSelf: old === undefined ? Optional.none() : Optional.of(oldSelf) }
      : { self, oldSelf };
    let result: unknown;
    try {
      result = c.program.evaluate(activation);
    } catch (err) {
      if (err instanceof CelBudgetError) {
        w.errs.push(
          atPath(
            p,
            p.invalid(
              type,
              `'${err.message}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(rule)}`,
            ),
          ),
        );
        w.stopped = true;
        return;
      }
      const msg = err instanceof CelEvalError ? err.message : String(err);
      w.errs.push(atPath(p, p.invalid(type, `${msg} evaluating rule: ${ruleErrorString(rule)}`)));
      continue;
    }
    if (result === true) continue;
    const detail = (c.messageProgram && evalMessage(c.messageProgram, self)) || messageOrDefault(rule);
    const target = withFieldPath(p, rule.fieldPath);
    w.errs.push(atPath(target, errorForReason(target, type, detail, rule.reason)));
  }
}

/** Old list items correlated to new ones: only list-type map lists correlate, by their keys. */
function correlatedItem(s: SchemaProps, item: unknown, old: unknown): unknown {
  if (s['x-kubernetes-list-type'] !== 'map' || !Array.isArray(old) || !isJSONObject(item)) return undefined;
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  return old.find((o) => isJSONObject(o) && keys.every((k) => jsonEqual(o[k], item[k])));
}

function walk(p: FieldPath, s: SchemaProps | undefined, obj: unknown, old: unknown, w: Walk): void {
  if (!s || obj === null || obj === undefined || w.stopped) return;
  validateRules(p, s, obj, old, w);
  for (const sub of s.allOf ?? []) walk(p, sub, obj, old, w);
  if (Array.isArray(obj)) {
    const items = itemsSchema(s);
    if (!items) return;
    obj.forEach((item, i) => walk(p.index(i), items, item, correlatedItem(s, item, old), w));
    return;
  }
  if (!isJSONObject(obj)) return;
  const oldMap = isJSONObject(old) ? old : undefined;
  const additional = additionalPropertiesSchema(s);
  for (const [k, v] of Object.entries(obj)) {
    const prop = s.properties?.[k];
    if (prop) walk(p.child(k), prop, v, oldMap?.[k], w);
    else if (additional) walk(p.key(k), additional, v, oldMap?.[k], w);
  }
}

const withRules = new WeakMap<SchemaProps, boolean>();

/** hasValidationRules, memoised per schema object (schemas are long-lived). */
export function schemaHasRules(schema: SchemaProps): boolean {
  let has = withRules.get(schema);
  if (has === undefined) withRules.set(schema, (has = hasValidationRules(schema)));
  return has;
}

/** Whether any node of `schema` carries x-kubernetes-validations (cheap pre-check). */
export function hasValidationRules(s: SchemaProps | undefined): boolean {
  if (!s) return false;
  if (s['x-kubernetes-validations']?.length) return true;
  const items = itemsSchema(s);
  return (
    hasValidationRules(items) ||
    hasValidationRules(additionalPropertiesSchema(s)) ||
    Object.values(s.properties ?? {}).some(hasValidationRules) ||
    (s.allOf ?? []).some(hasValidationRules)
  );
}

/**
 * Field errors of the CEL rules in `schema` for `obj` (and `oldObj` on
 * update, for transition rules). Paths are below `rootPath`; errors at the
 * root itself print as `<nil>`, as upstream's nil root path.
 */
export function validateCelRules(
  obj: unknown,
  schema: SchemaProps,
  rootPath: FieldPath,
  oldObj?: unknown,
): FieldError[] {
  if (!schemaHasRules(schema)) return [];
  const w: Walk = { errs: [], stopped: false };
  walk(rootPath, schema, obj, oldObj, w);
  return w.errs;
}

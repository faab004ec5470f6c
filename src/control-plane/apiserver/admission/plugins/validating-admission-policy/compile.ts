/**
 * A ValidatingAdmissionPolicy's expressions compiled once per stored object
 * (cache objects are immutable and replaced on change, so a WeakMap keyed by
 * the object is an exact cache). Compile errors are kept, not thrown: at
 * admission time they surface as evaluation errors under the failure policy,
 * as upstream does for policies whose type checking failed.
 */
import type { MatchCondition, ValidatingAdmissionPolicy } from 'kubernetes-types/admissionregistration/v1.js';
import { CelEnvironment, type CelProgram } from '../../../../../api/cel/index.js';
import { policyVariables } from './activation.js';

export interface CompiledExpression {
  expression: string;
  program?: CelProgram;
  /** `compilation failed: ...` when the expression does not compile. */
  error?: string;
}

export interface CompiledValidation {
  index: number;
  check: CompiledExpression;
  message?: string;
  messageExpression?: CompiledExpression;
  reason?: string;
}

export interface CompiledPolicy {
  name: string;
  failurePolicy: 'Fail' | 'Ignore';
  matchConditions: MatchCondition[];
  variables: { name: string; expr: CompiledExpression }[];
  validations: CompiledValidation[];
  auditAnnotations: { key: string; value: CompiledExpression }[];
  env: CelEnvironment;
}

const compiled = new WeakMap<ValidatingAdmissionPolicy, CompiledPolicy>();

function compileOne(env: CelEnvironment, expression: string, want: 'bool' | 'string' | 'any'): CompiledExpression {
  const r = env.compile(expression, want);
  return r.program ? { expression, program: r.program } : { expression, error: `compilation failed: ${r.error}` };
}

export function compilePolicy(policy: ValidatingAdmissionPolicy): CompiledPolicy {
  const hit = compiled.get(policy);
  if (hit) return hit;
  const env = CelEnvironment.for(policyVariables);
  const spec = policy.spec ?? {};
  const out: CompiledPolicy = {
    name: policy.metadata?.name ?? '',
    failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    matchConditions: spec.matchConditions ?? [],
    variables: (spec.variables ?? []).map((v) => ({ name: v.name, expr: compileOne(env, v.expression, 'any') })),
    validations: (spec.validations ?? []).map((v, index) => ({
      index,
      check: compileOne(env, v.expression, 'bool'),
      message: v.message,
      messageExpression: v.messageExpression ? compileOne(env, v.messageExpression, 'string') : undefined,
      reason: v.reason,
    })),
    auditAnnotations: (spec.auditAnnotations ?? []).map((a) => ({
      key: a.key,
      value: compileOne(env, a.valueExpression, 'any'),
    })),
    env,
  };
  compiled.set(policy, out);
  return out;
}

/**
 * matchConditions (upstream `admission/plugin/webhook/matchconditions/matcher.go`),
 * shared by webhooks and ValidatingAdmissionPolicy: any condition that is
 * false skips the webhook/binding, even when others fail to evaluate; an
 * evaluation error (with none false) is resolved by the failure policy —
 * Fail reports the error, Ignore skips.
 */
import type { MatchCondition } from 'kubernetes-types/admissionregistration/v1.js';
import { CelEvalError, type CelEnvironment, type CelProgram } from '../../../../../api/cel/index.js';
import type { Activation } from './activation.js';

export type MatchResult = { matches: true } | { matches: false; failedCondition?: string } | { error: string };

interface Compiled {
  name: string;
  program?: CelProgram;
  error?: string;
}

/** Evaluates `conditions` in `env`. Compile errors count as evaluation errors. */
export function evaluateMatchConditions(
  env: CelEnvironment,
  conditions: readonly MatchCondition[],
  activation: Activation,
  failurePolicy: 'Fail' | 'Ignore',
): MatchResult {
  const errors: string[] = [];
  for (const c of conditions) {
    const compiled = compile(env, c);
    if (!compiled.program) {
      errors.push(`compilation failed: ${compiled.error}`);
      continue;
    }
    let v: unknown;
    try {
      v = compiled.program.evaluate(activation);
    } catch (err) {
      errors.push(
        `expression '${c.expression}' resulted in error: ${err instanceof CelEvalError ? err.message : String(err)}`,
      );
      continue;
    }
    if (v === false) return { matches: false, failedCondition: c.name };
    if (v !== true) errors.push(`expression '${c.expression}' resulted in error: no such overload`);
  }
  if (errors.length === 0) return { matches: true };
  if (failurePolicy === 'Ignore') return { matches: false };
  return { error: errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]` };
}

function compile(env: CelEnvironment, c: MatchCondition): Compiled {
  const r = env.compile(c.expression, 'bool');
  return r.program ? { name: c.name, program: r.program } : { name: c.name, error: r.error };
}

/**
 * Evaluates one compiled policy for one binding and one param (upstream
 * `policy/validating/validator.go`): matchConditions, then every validation
 * (message from messageExpression, else message, else `failed expression:`),
 * then auditAnnotations. Errors become decisions under the failure policy:
 * Fail denies with the error text, Ignore admits.
 */
import { CelEvalError } from '../../../../../api/cel/index.js';
import type { Activation } from './activation.js';
import type { CompiledExpression, CompiledPolicy } from './compile.js';
import { evaluateMatchConditions } from './match-conditions.js';

export interface Decision {
  action: 'admit' | 'deny';
  /** Only denials of a false validation carry the validation's index. */
  index?: number;
  message: string;
  /** Status reason for a denial (Invalid when the validation names none). */
  reason: string;
  evalError?: boolean;
}

export interface AuditAnnotationResult {
  key: string;
  value: string;
}

export interface ValidateResult {
  decisions: Decision[];
  auditAnnotations: AuditAnnotationResult[];
}

type Outcome = { value: unknown } | { error: string };

function run(e: CompiledExpression, activation: Activation): Outcome {
  if (!e.program) return { error: e.error ?? 'compilation failed' };
  try {
    return { value: e.program.evaluate(activation) };
  } catch (err) {
    const msg = err instanceof CelEvalError ? err.message : String(err);
    return { error: `expression '${e.expression}' resulted in error: ${msg}` };
  }
}

/** `variables.<name>` resolved lazily and at most once per evaluation, each seeing earlier ones. */
function withVariables(policy: CompiledPolicy, base: Activation): Activation {
  const variables: Record<string, unknown> = {};
  const activation: Activation = { ...base, variables };
  for (const v of policy.variables) {
    let memo: Outcome | undefined;
    Object.defineProperty(variables, v.name, {
      enumerable: true,
      get() {
        memo ??= run(v.expr, activation);
        if ('error' in memo) throw new CelEvalError(memo.error);
        return memo.value;
      },
    });
  }
  return activation;
}

function failure(policy: CompiledPolicy, message: string): Decision {
  return policy.failurePolicy === 'Ignore'
    ? { action: 'admit', message, reason: 'Invalid', evalError: true }
    : { action: 'deny', message, reason: 'Invalid', evalError: true };
}

function denialMessage(v: CompiledPolicy['validations'][number], activation: Activation): string {
  if (v.messageExpression) {
    const r = run(v.messageExpression, activation);
    if ('value' in r && typeof r.value === 'string') {
      const m = r.value.trim();
      // Empty or multi-line results are ignored in favour of the static message.
      if (m && !m.includes('\n')) return m;
    }
  }
  if (v.message) return v.message;
  return `failed expression: ${v.check.expression.trim()}`;
}

export function validatePolicy(policy: CompiledPolicy, base: Activation): ValidateResult {
  const activation = withVariables(policy, base);
  if (policy.matchConditions.length) {
    const m = evaluateMatchConditions(policy.env, policy.matchConditions, activation, policy.failurePolicy);
    if ('error' in m) return { decisions: [failure(policy, m.error)], auditAnnotations: [] };
    if (!m.matches) return { decisions: [], auditAnnotations: [] };
  }
  const decisions: Decision[] = [];
  for (const v of policy.validations) {
    const r = run(v.check, activation);
    if ('error' in r) {
      decisions.push(failure(policy, r.error));
    } else if (r.value === true) {
      decisions.push({ action: 'admit', message: '', reason: '' });
    } else if (r.value === false) {
      decisions.push({
        action: 'deny',
        index: v.index,
        message: denialMessage(v, activation),
        reason: v.reason || 'Invalid',
      });
    } else {
      decisions.push(failure(policy, `expression '${v.check.expression}' resulted in error: no such overload`));
    }
  }
  const auditAnnotations: AuditAnnotationResult[] = [];
  for (const an of policy.auditAnnotations) {
    const r = run(an.value, activation);
    if ('error' in r) {
      decisions.push(failure(policy, r.error));
    } else if (typeof r.value === 'string') {
      auditAnnotations.push({ key: an.key, value: r.value.slice(0, 10 * 1024) });
    } else if (r.value !== null) {
      decisions.push(
        failure(
          policy,
          `valueExpression '${an.value.expression}' resulted in unsupported return type: ${typeof r.value}`,
        ),
      );
    }
  }
  return { decisions, auditAnnotations };
}

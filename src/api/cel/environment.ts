/**
 * Kubernetes' CEL environment on `@marcbachmann/cel-js`: the standard
 * library plus the Kubernetes extensions (strings, lists, regex, quantity,
 * URL), optional types, homogeneous aggregate literals, and the structural
 * and run-time budgets that keep one expression from stalling the apiserver.
 *
 * An environment is a fixed set of top-level variables, `dyn` unless
 * declared as `name:type` (objects are unstructured JSON). Expressions compile once per environment and are
 * cached; compile failures are values carrying cel-go-style messages.
 */
import { Environment } from '@marcbachmann/cel-js';
import { defaultBudget, instrument, registerMeterHook, withBudget, type EvalBudget } from './budget.js';
import { CelEvalError, celErrorSummary, formatCompileError } from './errors.js';
import { registerListsLibrary } from './lists-lib.js';
import { registerQuantityLibrary } from './quantity-lib.js';
import { registerStringsLibrary } from './strings-lib.js';
import { registerURLLibrary } from './url-lib.js';

/** AST nodes one expression may have (a compile-time bound on evaluation cost). */
export const maxAstNodes = 10_000;
const CACHE_MAX = 4096;

export type CelResultType = 'bool' | 'string' | 'any';

/** A compiled expression. `evaluate` takes CEL values (see toCelValue) and throws CelEvalError. */
export interface CelProgram {
  readonly expression: string;
  /** Identifiers the expression references (variables, iteration variables). */
  readonly references: ReadonlySet<string>;
  evaluate(activation: Record<string, unknown>): unknown;
}

export type CelCompileResult = { program: CelProgram; error?: undefined } | { program?: undefined; error: string };

let base: Environment | undefined;

function baseEnvironment(): Environment {
  if (base) return base;
  const env = new Environment({
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: true,
    limits: { maxAstNodes },
  });
  registerMeterHook(env);
  registerQuantityLibrary(env);
  registerStringsLibrary(env);
  registerListsLibrary(env);
  registerURLLibrary(env);
  base = env;
  return env;
}

const environments = new Map<string, CelEnvironment>();

/** Wraps a library evaluation error in a CelEvalError with the one-line summary. */
function evalError(err: unknown): CelEvalError {
  if (err instanceof CelEvalError) return err;
  return new CelEvalError(celErrorSummary(err));
}

function identifiersOf(ast: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    const node = n as { op?: unknown; args?: unknown };
    if (node.op === 'id' && typeof node.args === 'string') out.add(node.args);
    else if (node.op !== undefined) walk(node.args);
  };
  walk(ast);
  return out;
}

export class CelEnvironment {
  private readonly env: Environment;
  private readonly cache = new Map<string, CelCompileResult>();

  private constructor(
    readonly variables: readonly string[],
    private readonly budget: EvalBudget,
  ) {
    const env = baseEnvironment().clone();
    for (const v of variables) {
      const colon = v.indexOf(':');
      env.registerVariable(colon < 0 ? v : v.slice(0, colon), colon < 0 ? 'dyn' : v.slice(colon + 1));
    }
    instrument(env);
    this.env = env;
  }

  /** The shared environment declaring exactly `variables` (`name` for dyn, or `name:type`, e.g. `oldSelf:optional<dyn>`). */
  static for(variables: readonly string[], budget: EvalBudget = defaultBudget): CelEnvironment {
    const key = `${[...variables].sort().join(',')}|${budget.maxSteps}|${budget.maxMillis}`;
    let e = environments.get(key);
    if (!e) {
      e = new CelEnvironment(variables, budget);
      environments.set(key, e);
    }
    return e;
  }

  /**
   * Compiles (parses and type-checks) `expression`; `want` rejects results
   * that cannot be of that type (cel-go's output-type check).
   */
  compile(expression: string, want: CelResultType = 'any'): CelCompileResult {
    const key = `${want}\u0000${expression}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const result = this.compileUncached(expression, want);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, result);
    return result;
  }

  private compileUncached(expression: string, want: CelResultType): CelCompileResult {
    let parsed: ReturnType<Environment['parse']>;
    try {
      parsed = this.env.parse(expression);
    } catch (err) {
      return { error: formatCompileError(expression, err) };
    }
    const checked = parsed.check();
    if (!checked.valid) return { error: formatCompileError(expression, checked.error) };
    const type = checked.type ?? 'dyn';
    if (want !== 'any' && type !== want && type !== 'dyn') {
      return { error: `cel expression must evaluate to a ${want}` };
    }
    const budget = this.budget;
    return {
      program: {
        expression,
        references: identifiersOf(parsed.ast),
        evaluate(activation) {
          try {
            return withBudget(budget, () => parsed(activation) as unknown);
          } catch (err) {
            throw evalError(err);
          }
        },
      },
    };
  }
}

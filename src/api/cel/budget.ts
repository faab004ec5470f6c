/**
 * The run-time evaluation budget. The CEL library has no cost tracking, so
 * each environment's evaluator is instrumented once: every node evaluation
 * counts a step, and a clock check runs every 1024 steps. Evaluation is
 * synchronous (no async functions are registered), so one module-level meter
 * is enough: `withBudget` arms it for exactly one evaluation.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { CelBudgetError } from './errors.js';

export interface EvalBudget {
  /** Node evaluations allowed (roughly upstream's runtime cost units). */
  maxSteps: number;
  /** Wall-clock limit for one evaluation. */
  maxMillis: number;
}

export const defaultBudget: EvalBudget = { maxSteps: 1_000_000, maxMillis: 250 };

interface Meter {
  steps: number;
  maxSteps: number;
  deadline: number;
  exceeded: boolean;
}

let meter: Meter | undefined;

interface EvaluatorLike {
  run(ast: { evaluate(ev: unknown, ast: unknown, ctx: unknown): unknown }, ctx: unknown): unknown;
}

function meteredRun(this: EvaluatorLike, ast: Parameters<EvaluatorLike['run']>[0], ctx: unknown): unknown {
  const m = meter;
  if (m) {
    m.steps++;
    if (m.steps > m.maxSteps || ((m.steps & 1023) === 0 && Date.now() > m.deadline)) {
      m.exceeded = true;
      throw new CelBudgetError();
    }
  }
  return ast.evaluate(this, ast, ctx);
}

const CAPTURE = '__kubets_meter';

/** Registers the capture macro on a base environment (before it is cloned). */
export function registerMeterHook(env: Environment): void {
  env.registerFunction(`${CAPTURE}(ast): bool`, () => ({
    typeCheck(checker: { getType(name: string): unknown }) {
      return checker.getType('bool');
    },
    evaluate(ev: EvaluatorLike) {
      ev.run = meteredRun;
      return true;
    },
  }));
}

/** Instruments the evaluator of `env` (call once per environment, after its variables are declared). */
export function instrument(env: Environment): void {
  env.evaluate(`${CAPTURE}(0)`);
}

/** Runs `fn` (one evaluation) under `budget`; throws CelBudgetError when it is exhausted. */
export function withBudget<T>(budget: EvalBudget, fn: () => T): T {
  const outer = meter;
  const m: Meter = { steps: 0, maxSteps: budget.maxSteps, deadline: Date.now() + budget.maxMillis, exceeded: false };
  meter = m;
  try {
    const out = fn();
    if (m.exceeded) throw new CelBudgetError();
    return out;
  } catch (err) {
    if (m.exceeded) throw new CelBudgetError();
    throw err;
  } finally {
    meter = outer;
  }
}

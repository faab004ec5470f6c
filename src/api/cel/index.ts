/**
 * Kubernetes CEL: the environment used by ValidatingAdmissionPolicy, webhook
 * matchConditions and CRD `x-kubernetes-validations`.
 */
export {
  CelEnvironment,
  maxAstNodes,
  type CelCompileResult,
  type CelProgram,
  type CelResultType,
} from './environment.js';
export { CelBudgetError, CelEvalError, celErrorSummary } from './errors.js';
export { defaultBudget, type EvalBudget } from './budget.js';
export { CelQuantity } from './quantity-lib.js';
export { fromCelValue, toCelValue } from './values.js';

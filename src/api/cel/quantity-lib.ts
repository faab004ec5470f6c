/**
 * The Kubernetes CEL quantity library (apiserver `pkg/cel/library/quantity.go`):
 * `quantity(string)`, `isQuantity(string)` and the `kubernetes.Quantity`
 * methods. Values wrap our own `Quantity` so arithmetic and comparison follow
 * resource.Quantity exactly.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { Quantity } from '../quantity/quantity.js';
import { CelEvalError } from './errors.js';

/** A CEL `kubernetes.Quantity` value. */
export class CelQuantity {
  constructor(readonly q: Quantity) {}
  toString(): string {
    return this.q.toString();
  }
}

const T = 'kubernetes.Quantity';
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function parseQuantity(s: string): CelQuantity {
  try {
    return new CelQuantity(Quantity.parse(s));
  } catch (err) {
    throw new CelEvalError(err instanceof Error ? err.message : String(err));
  }
}

function isInteger(q: Quantity): boolean {
  return q.cmp(Quantity.fromValue(q.value())) === 0;
}

function asInteger(q: Quantity): bigint {
  if (!isInteger(q)) throw new CelEvalError('cannot convert value to integer');
  const v = q.value();
  if (v > INT64_MAX || v < INT64_MIN) throw new CelEvalError('cannot convert value to integer');
  return v;
}

export function registerQuantityLibrary(env: Environment): void {
  env.registerType(T, CelQuantity);
  env.registerFunction(`quantity(string): ${T}`, (s: string) => parseQuantity(s));
  env.registerFunction('isQuantity(string): bool', (s: string) => Quantity.tryParse(s) !== undefined);
  env.registerFunction(`${T}.sign(): int`, (a: CelQuantity) => BigInt(a.q.sign()));
  env.registerFunction(`${T}.isInteger(): bool`, (a: CelQuantity) => isInteger(a.q));
  env.registerFunction(`${T}.asInteger(): int`, (a: CelQuantity) => asInteger(a.q));
  env.registerFunction(`${T}.asApproximateFloat(): double`, (a: CelQuantity) => a.q.asApproximateNumber());
  env.registerFunction(`${T}.add(${T}): ${T}`, (a: CelQuantity, b: CelQuantity) => new CelQuantity(a.q.add(b.q)));
  env.registerFunction(
    `${T}.add(int): ${T}`,
    (a: CelQuantity, b: bigint) => new CelQuantity(a.q.add(Quantity.fromValue(b))),
  );
  env.registerFunction(`${T}.sub(${T}): ${T}`, (a: CelQuantity, b: CelQuantity) => new CelQuantity(a.q.sub(b.q)));
  env.registerFunction(
    `${T}.sub(int): ${T}`,
    (a: CelQuantity, b: bigint) => new CelQuantity(a.q.sub(Quantity.fromValue(b))),
  );
  env.registerFunction(`${T}.isGreaterThan(${T}): bool`, (a: CelQuantity, b: CelQuantity) => a.q.cmp(b.q) > 0);
  env.registerFunction(`${T}.isLessThan(${T}): bool`, (a: CelQuantity, b: CelQuantity) => a.q.cmp(b.q) < 0);
  env.registerFunction(`${T}.compareTo(${T}): int`, (a: CelQuantity, b: CelQuantity) => BigInt(a.q.cmp(b.q)));
  env.registerOperator(`${T} == ${T}`, (a: CelQuantity, b: CelQuantity) => a.q.cmp(b.q) === 0);
}

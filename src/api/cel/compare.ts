/**
 * Ordering and equality of CEL runtime values for the list library: numbers
 * compare across int/double as CEL's heterogeneous comparison does; strings
 * by code point; bools false < true; quantities by magnitude.
 */
import { CelEvalError } from './errors.js';
import { CelQuantity } from './quantity-lib.js';

const isNum = (v: unknown): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';

function numCmp(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** -1/0/1, or a CelEvalError for values CEL cannot order against each other. */
export function celCompare(a: unknown, b: unknown): number {
  if (isNum(a) && isNum(b)) return numCmp(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof CelQuantity && b instanceof CelQuantity) return a.q.cmp(b.q);
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  throw new CelEvalError('no such overload');
}

/** CEL equality of runtime values (deep for lists and maps, numeric across int/double). */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isNum(a) && isNum(b)) return numCmp(a, b) === 0;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  if (a instanceof CelQuantity) return b instanceof CelQuantity && a.q.cmp(b.q) === 0;
  if (a instanceof Map || b instanceof Map) {
    const ea = a instanceof Map ? [...a.entries()] : Object.entries(a);
    const mb = b instanceof Map ? b : new Map(Object.entries(b));
    return ea.length === mb.size && ea.every(([k, v]) => mb.has(k) && celEquals(v, mb.get(k)));
  }
  const ka = Object.keys(a);
  const ob = b as Record<string, unknown>;
  return (
    ka.length === Object.keys(ob).length &&
    ka.every((k) => Object.prototype.hasOwnProperty.call(ob, k) && celEquals((a as Record<string, unknown>)[k], ob[k]))
  );
}

/**
 * The Kubernetes CEL list library (apiserver `pkg/cel/library/lists.go`):
 * `isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`, plus cel-go's
 * `slice`. Receivers are dynamically typed (objects are `dyn`), so element
 * types are checked at run time.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { celCompare, celEquals } from './compare.js';
import { CelEvalError } from './errors.js';
import { CelQuantity } from './quantity-lib.js';

function sum(list: unknown[]): unknown {
  if (list.length === 0) return 0n;
  let acc: unknown = list[0];
  for (const v of list.slice(1)) {
    if (typeof acc === 'bigint' && typeof v === 'bigint') acc = acc + v;
    else if (typeof acc === 'number' && typeof v === 'number') acc = acc + v;
    else if (acc instanceof CelQuantity && v instanceof CelQuantity) acc = new CelQuantity(acc.q.add(v.q));
    else throw new CelEvalError('no such overload: sum');
  }
  return acc;
}

function extreme(list: unknown[], name: 'min' | 'max'): unknown {
  if (list.length === 0) throw new CelEvalError(`${name} called on empty list`);
  let best = list[0];
  for (const v of list.slice(1)) {
    const c = celCompare(v, best);
    if (name === 'min' ? c < 0 : c > 0) best = v;
  }
  return best;
}

function isSorted(list: unknown[]): boolean {
  for (let i = 1; i < list.length; i++) if (celCompare(list[i - 1], list[i]) > 0) return false;
  return true;
}

function slice(list: unknown[], start: bigint, end: bigint): unknown[] {
  if (start < 0n) throw new CelEvalError(`cannot slice(${start}, ${end}), negative indexes not supported`);
  if (end < start)
    throw new CelEvalError(`cannot slice(${start}, ${end}), start index must be less than or equal to end index`);
  if (end > BigInt(list.length))
    throw new CelEvalError(`cannot slice(${start}, ${end}), list is length ${list.length}`);
  return list.slice(Number(start), Number(end));
}

export function registerListsLibrary(env: Environment): void {
  env.registerFunction('list.isSorted(): bool', (l: unknown[]) => isSorted(l));
  env.registerFunction('list.sum(): dyn', (l: unknown[]) => sum(l));
  env.registerFunction('list.min(): dyn', (l: unknown[]) => extreme(l, 'min'));
  env.registerFunction('list.max(): dyn', (l: unknown[]) => extreme(l, 'max'));
  env.registerFunction('list.indexOf(dyn): int', (l: unknown[], x: unknown) =>
    BigInt(l.findIndex((v) => celEquals(v, x))),
  );
  env.registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], x: unknown) => {
    for (let i = l.length - 1; i >= 0; i--) if (celEquals(l[i], x)) return BigInt(i);
    return -1n;
  });
  env.registerFunction('list.slice(int, int): list', (l: unknown[], s: bigint, e: bigint) => slice(l, s, e));
}

import assert from 'node:assert/strict';
import { StatusError } from '../../errors/status-error.js';
import { isJsonObject, type JsonValue } from '../json-value.js';

/** Freezes a value deeply, so a test fails if patch code mutates its inputs. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

/** Every key starting with `$` anywhere in `v`, as dotted paths. */
export function directiveKeys(v: JsonValue, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((e, i) => directiveKeys(e, `${path}[${i}]`));
  if (!isJsonObject(v)) return [];
  return Object.entries(v).flatMap(([k, child]) => [
    ...(k.startsWith('$') ? [`${path}.${k}`] : []),
    ...directiveKeys(child, `${path}.${k}`),
  ]);
}

export interface ExpectedError {
  code: number;
  reason?: string;
  /** Exact message, or a RegExp it must match. */
  message?: string | RegExp;
  /** Exact message of the first cause. */
  cause?: string;
}

/** Asserts `fn` throws a StatusError with the given code (and reason/message when given). */
export function assertStatusError(fn: () => unknown, want: ExpectedError): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${String(err)}`);
    assert.equal(err.code, want.code, err.message);
    if (want.reason !== undefined) assert.equal(err.reason, want.reason);
    if (typeof want.message === 'string') assert.equal(err.message, want.message);
    else if (want.message) assert.match(err.message, want.message);
    if (want.cause !== undefined) assert.equal(err.details?.causes?.[0]?.message, want.cause);
    return true;
  });
}

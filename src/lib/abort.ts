import { type Clock, realClock } from './clock.js';
import type { Disposable } from './disposable.js';

/** The error our cancellable operations reject with. */
export class AbortError extends Error {
  override name = 'AbortError';
  constructor(message = 'operation aborted') {
    super(message);
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Throws the signal's reason (or an AbortError) if it is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new AbortError();
}

/**
 * A signal that aborts when any input aborts. The returned disposable detaches the
 * listeners (call it when the operation ends, so long-lived parent signals don't
 * accumulate listeners).
 */
export function anySignal(signals: (AbortSignal | undefined)[]): { signal: AbortSignal } & Disposable {
  const ctrl = new AbortController();
  const cleanups: (() => void)[] = [];
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) {
      ctrl.abort(s.reason);
      break;
    }
    const on = () => ctrl.abort(s.reason);
    s.addEventListener('abort', on, { once: true });
    cleanups.push(() => s.removeEventListener('abort', on));
  }
  return { signal: ctrl.signal, dispose: () => cleanups.forEach((c) => c()) };
}

/** A signal that aborts after `ms` on `clock` (with an AbortError naming the timeout). */
export function timeoutSignal(ms: number, clock: Clock = realClock): { signal: AbortSignal } & Disposable {
  const ctrl = new AbortController();
  const timer = clock.setTimeout(() => ctrl.abort(new AbortError(`timed out after ${ms}ms`)), ms);
  return { signal: ctrl.signal, dispose: () => timer.cancel() };
}

/** Races `promise` against `signal`: rejects with the abort reason if the signal fires first. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason ?? new AbortError());
  return new Promise<T>((resolve, reject) => {
    const on = () => reject(signal.reason ?? new AbortError());
    signal.addEventListener('abort', on, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', on);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', on);
        reject(e);
      },
    );
  });
}

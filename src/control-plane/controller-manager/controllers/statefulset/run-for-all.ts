/**
 * How the StatefulSet control loop walks pods (upstream runForAll and
 * slowStartBatch in stateful_set_control.go): one at a time in ordinal
 * order for OrderedReady, in growing concurrent batches for Parallel.
 */

/** Upstream MaxBatchSize: the most concurrent pod operations in Parallel mode. */
export const maxBatchSize = 500;

/** One error as is, several as one Error listing them (utilerrors.NewAggregate). */
export function aggregateErrors(errors: unknown[]): unknown {
  if (errors.length === 1) return errors[0];
  const text = errors.map((e) => (e instanceof Error ? e.message : String(e)));
  return new Error(`[${text.join(', ')}]`, { cause: errors[0] });
}

/**
 * Runs `fn(0..count-1)` in batches of 1, 2, 4... (at most maxBatchSize) and
 * stops after the first batch with a failure; returns the failures.
 */
export async function slowStartBatch(count: number, fn: (i: number) => Promise<unknown>): Promise<unknown[]> {
  let remaining = count;
  let j = 0;
  for (let batch = Math.min(remaining, 1); batch > 0; batch = Math.min(2 * batch, remaining, maxBatchSize)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn(j++)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    if (failed.length > 0) return failed;
    remaining -= batch;
  }
  return [];
}

/** Monotonic: one at a time, stopping when `fn` says so; parallel: slow-start batches, stopping on errors. */
export async function runForAll(
  count: number,
  fn: (i: number) => Promise<boolean>,
  monotonic: boolean,
): Promise<{ exit: boolean; error?: unknown }> {
  if (monotonic) {
    for (let i = 0; i < count; i++) {
      try {
        if (await fn(i)) return { exit: true };
      } catch (error) {
        return { exit: true, error };
      }
    }
    return { exit: false };
  }
  const errors = await slowStartBatch(count, fn);
  return errors.length > 0 ? { exit: true, error: aggregateErrors(errors) } : { exit: false };
}

/**
 * Exponential backoff with jitter. `Backoff` is one sequence of delays (a retry
 * loop); `PerKeyBackoff` keeps one sequence per key (work-queue items, crash-looping
 * containers) and forgets a key once it has been quiet for `resetAfterMs`.
 */
export interface BackoffOptions {
  /** First delay in ms. */
  initialMs: number;
  /** Upper bound in ms, before jitter. */
  maxMs: number;
  /** Growth per step (default 2). */
  factor?: number;
  /** Fraction of random spread added on top: delay * (1 + jitter * random) (default 0). */
  jitter?: number;
}

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly opts: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {
    if (!(opts.initialMs >= 0) || !(opts.maxMs >= opts.initialMs)) {
      throw new RangeError(`invalid backoff: initialMs=${opts.initialMs} maxMs=${opts.maxMs}`);
    }
  }

  /** The number of delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Returns the next delay and advances the sequence. */
  next(): number {
    const base = delayFor(this.opts, this.attempt);
    this.attempt++;
    return withJitter(base, this.opts.jitter ?? 0, this.random);
  }

  /** Peeks at the next delay without jitter or advancing. */
  peek(): number {
    return delayFor(this.opts, this.attempt);
  }

  reset(): void {
    this.attempt = 0;
  }
}

function delayFor(opts: BackoffOptions, attempt: number): number {
  const factor = opts.factor ?? 2;
  // Cap the exponent so huge attempt counts don't overflow to Infinity/NaN.
  const grown = opts.initialMs * Math.pow(factor, Math.min(attempt, 64));
  return Math.min(opts.maxMs, Number.isFinite(grown) ? grown : opts.maxMs);
}

function withJitter(ms: number, jitter: number, random: () => number): number {
  return jitter > 0 ? ms + ms * jitter * random() : ms;
}

interface KeyState {
  attempt: number;
  lastAt: number;
}

/** One backoff sequence per key; `now` is the caller's monotonic time in ms. */
export class PerKeyBackoff<K = string> {
  private readonly states = new Map<K, KeyState>();
  constructor(
    private readonly opts: BackoffOptions & { resetAfterMs?: number },
    private readonly random: () => number = Math.random,
  ) {}

  /** Returns the delay to apply to `key` now and records the attempt. */
  next(key: K, now: number): number {
    let s = this.states.get(key);
    if (s && this.opts.resetAfterMs !== undefined && now - s.lastAt >= this.opts.resetAfterMs) s = undefined;
    const attempt = s ? s.attempt : 0;
    this.states.set(key, { attempt: attempt + 1, lastAt: now });
    return withJitter(delayFor(this.opts, attempt), this.opts.jitter ?? 0, this.random);
  }

  /** How many times `key` has backed off since it was last forgotten. */
  attempts(key: K): number {
    return this.states.get(key)?.attempt ?? 0;
  }

  /** Clears `key`'s history (it succeeded). */
  forget(key: K): void {
    this.states.delete(key);
  }

  /** Drops keys idle for at least `resetAfterMs` (bounded memory for long-lived processes). */
  gc(now: number): void {
    if (this.opts.resetAfterMs === undefined) return;
    for (const [k, s] of this.states) if (now - s.lastAt >= this.opts.resetAfterMs) this.states.delete(k);
  }

  get size(): number {
    return this.states.size;
  }
}

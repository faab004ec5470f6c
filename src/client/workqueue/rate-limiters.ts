import { PerKeyBackoff } from '../../lib/backoff.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { TokenBucket } from '../../lib/rate-limiter.js';

/** How long an item should wait before its next retry (client-go `workqueue.TypedRateLimiter`). */
export interface RateLimiter<T> {
  /** The delay for the next retry of `item`; records the failure. */
  when(item: T): number;
  /** Clears `item`'s failure history (it succeeded, or gave up). */
  forget(item: T): void;
  /** Failures recorded for `item` since it was last forgotten. */
  numRequeues(item: T): number;
}

/** Per-item exponential backoff: base * 2^failures, capped (client-go ItemExponentialFailureRateLimiter). */
export class ItemExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly backoff: PerKeyBackoff<T>;
  constructor(baseMs: number, maxMs: number) {
    this.backoff = new PerKeyBackoff<T>({ initialMs: baseMs, maxMs, factor: 2 });
  }
  when(item: T): number {
    return this.backoff.next(item, 0);
  }
  forget(item: T): void {
    this.backoff.forget(item);
  }
  numRequeues(item: T): number {
    return this.backoff.attempts(item);
  }
}

/** An overall token bucket shared by all items (client-go BucketRateLimiter). */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private readonly bucket: TokenBucket;
  constructor(qps: number, burst: number, clock: Clock = realClock) {
    this.bucket = new TokenBucket(qps, burst, clock);
  }
  when(_item: T): number {
    return this.bucket.reserve();
  }
  forget(_item: T): void {}
  numRequeues(_item: T): number {
    return 0;
  }
}

/** The longest delay of several limiters (client-go MaxOfRateLimiter). */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];
  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }
  when(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }
  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }
  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/**
 * client-go's DefaultControllerRateLimiter: per-item exponential 5 ms → 1000 s,
 * combined with an overall 10 qps / burst 100 bucket (which only matters when
 * very many items fail at once).
 */
export function defaultControllerRateLimiter<T>(clock: Clock = realClock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter<T>(5, 1_000_000),
    new BucketRateLimiter<T>(10, 100, clock),
  );
}

import { type Clock, realClock } from '../../lib/clock.js';
import { DelayingQueue } from './delaying-queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';

/**
 * The queue every controller owns (client-go `RateLimitingInterface`): a
 * deduplicating, delaying queue whose `addRateLimited` backs off per item.
 * Workers call `forget(item)` on success so the next failure starts from the
 * base delay again, and always `done(item)` when finished.
 */
export class RateLimitingQueue<T extends NonNullable<unknown> = string> extends DelayingQueue<T> {
  readonly rateLimiter: RateLimiter<T>;

  constructor(opts: { clock?: Clock; rateLimiter?: RateLimiter<T>; name?: string } = {}) {
    super(opts.clock ?? realClock);
    this.name = opts.name ?? '';
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>(this.clock);
  }

  readonly name: string;

  /** Re-adds `item` after the rate limiter's delay for it. */
  addRateLimited(item: T): void {
    if (this.shuttingDown()) return;
    this.metrics.retries++;
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Stops tracking `item`'s failures (it does not remove it from the queue). */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  /** How many times `item` has been rate-limited since it was last forgotten. */
  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}

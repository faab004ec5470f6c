import type { Clock } from '../../../../lib/clock.js';
import { TokenBucket } from '../../../../lib/rate-limiter.js';

export interface TimedValue {
  value: string;
  uid: string;
  addedAt: number;
  processAt: number;
}

/** Upstream `scheduler.EvictionRateLimiterBurst`. */
export const evictionBurst = 1;

/**
 * A per-zone set of node names processed in `processAt` order through a
 * token bucket (upstream `scheduler.RateLimitedTimedQueue`): each `try` pass
 * takes one token per item it looks at and stops when the bucket is empty, so
 * a zone taints at most `qps` nodes per second. A qps of 0 stops processing
 * (full disruption). Times are epoch ms of the injected clock.
 */
export class RateLimitedTimedQueue {
  private readonly items = new Map<string, TimedValue>();
  /** Processed values: not added again until explicitly removed (upstream UniqueQueue's set). */
  private readonly processed = new Set<string>();
  private limiter: TokenBucket | undefined;

  constructor(
    private readonly clock: Clock,
    qps: number,
  ) {
    this.swapLimiter(qps);
  }

  /** Replaces the rate (upstream SwapLimiter); <= 0 means never. */
  swapLimiter(qps: number): void {
    if (qps <= 0) this.limiter = undefined;
    else if (!this.limiter || this.limiter.qps !== qps) this.limiter = new TokenBucket(qps, evictionBurst, this.clock);
  }

  get qps(): number {
    return this.limiter?.qps ?? 0;
  }

  /** Adds `value` unless queued or already processed; returns whether it was added. */
  add(value: string, uid: string): boolean {
    if (this.items.has(value) || this.processed.has(value)) return false;
    const now = this.clock.now();
    this.items.set(value, { value, uid, addedAt: now, processAt: now });
    return true;
  }

  /** Forgets `value` entirely, so a later `add` queues it again. */
  remove(value: string): boolean {
    const had = this.processed.delete(value);
    return this.items.delete(value) || had;
  }

  has(value: string): boolean {
    return this.items.has(value);
  }

  get size(): number {
    return this.items.size;
  }

  clear(): void {
    this.items.clear();
    this.processed.clear();
  }

  /**
   * Processes due items in order while tokens last. `fn` returns `[done, retryMs]`:
   * done items leave the queue, the others come back after `retryMs`.
   */
  async try(fn: (v: TimedValue) => Promise<[boolean, number]>): Promise<void> {
    for (;;) {
      const head = this.head();
      if (!head) return;
      if (!this.limiter || !this.limiter.tryAccept()) return;
      const now = this.clock.now();
      if (now < head.processAt) return;
      const [done, wait] = await fn(head);
      if (this.items.get(head.value) !== head) continue;
      if (done) {
        this.items.delete(head.value);
        this.processed.add(head.value);
      } else head.processAt = now + wait + 1;
    }
  }

  private head(): TimedValue | undefined {
    let best: TimedValue | undefined;
    for (const v of this.items.values()) if (!best || v.processAt < best.processAt) best = v;
    return best;
  }
}

import { type Clock, realClock } from './clock.js';

/**
 * Token bucket: `qps` tokens per second refill a bucket holding at most `burst`.
 * Used for client QPS limits, work-queue overall limits and event rate limiting.
 * A qps of Infinity never limits.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: Clock = realClock,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`invalid token bucket: qps=${qps} burst=${burst}`);
    this.tokens = burst;
    this.last = clock.monotonic();
  }

  private refill(): void {
    const now = this.clock.monotonic();
    if (this.qps === Infinity) this.tokens = this.burst;
    else this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  /** Takes a token if one is available now. */
  tryAccept(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /**
   * Reserves a token and returns how many ms the caller must wait before using it
   * (0 when available now). Reservations queue fairly: the balance may go negative.
   */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens / this.qps) * 1000);
  }

  /** Waits for a token; rejects (returning the token) if `signal` aborts first. */
  async wait(signal?: AbortSignal): Promise<void> {
    const delay = this.reserve();
    if (delay === 0) return;
    try {
      await this.clock.sleep(delay, signal);
    } catch (err) {
      this.tokens += 1;
      throw err;
    }
  }

  /** Tokens available right now (may be fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }
}

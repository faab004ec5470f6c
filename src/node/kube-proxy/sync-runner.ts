import type { Clock, Timer } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';

export interface BoundedFrequencyRunnerOptions {
  clock: Clock;
  /** At most `burst` runs back to back, then one per this interval. */
  minIntervalMs: number;
  /** A run happens at least this often even without requests. */
  maxIntervalMs: number;
  burst?: number;
  fn: () => Promise<void>;
  log?: Logger;
}

/**
 * Upstream `async.BoundedFrequencyRunner`: `run()` asks for a run as soon
 * as the rate limit allows (a token bucket of `burst` tokens refilled every
 * `minIntervalMs`), runs never overlap (a request during a run is served
 * right after it), and a periodic run happens `maxIntervalMs` after the last
 * one. All timing goes through the injected clock.
 */
export class BoundedFrequencyRunner {
  private readonly burst: number;
  private tokens: number;
  private lastRefill: number;
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private running = false;
  private requested = false;
  private retryAt = Infinity;
  private periodicAt = Infinity;
  private stopped = true;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly opts: BoundedFrequencyRunnerOptions) {
    this.burst = Math.max(1, opts.burst ?? 2);
    this.tokens = this.burst;
    this.lastRefill = opts.clock.monotonic();
  }

  /** Starts the periodic schedule (the first periodic run is `maxIntervalMs` from now). */
  start(): void {
    this.stopped = false;
    this.periodicAt = this.opts.clock.monotonic() + this.opts.maxIntervalMs;
    // Requests and retries made before start (e.g. a failed first sync) are honoured now.
    this.arm(this.requested ? this.opts.clock.monotonic() : Math.min(this.periodicAt, this.retryAt));
  }

  /** Requests a run. */
  run(): void {
    this.requested = true;
    this.arm(this.opts.clock.monotonic());
  }

  /** Schedules a run `ms` from now unless one happens earlier (after a failure). */
  retryAfter(ms: number): void {
    this.retryAt = Math.min(this.retryAt, this.opts.clock.monotonic() + ms);
    this.arm(this.retryAt);
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    await this.idle;
  }

  private arm(at: number): void {
    if (this.stopped || this.running) return;
    if (this.timer && this.timerAt <= at) return;
    this.timer?.cancel();
    const now = this.opts.clock.monotonic();
    this.timerAt = at;
    this.timer = this.opts.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.tick();
      },
      Math.max(0, at - now),
    );
  }

  private refill(now: number): void {
    const earned = (now - this.lastRefill) / this.opts.minIntervalMs;
    this.tokens = Math.min(this.burst, this.tokens + earned);
    this.lastRefill = now;
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    const now = this.opts.clock.monotonic();
    const due = this.requested || now >= this.periodicAt || now >= this.retryAt;
    if (!due) {
      this.arm(Math.min(this.periodicAt, this.retryAt));
      return;
    }
    this.refill(now);
    // Float noise aside (1e-6 of a token), a token must be there; the wait is rounded up
    // to a whole millisecond so time always moves on.
    if (this.tokens < 1 - 1e-6) {
      this.arm(now + Math.max(1, Math.ceil((1 - this.tokens) * this.opts.minIntervalMs - 1e-6)));
      return;
    }
    this.tokens = Math.max(0, this.tokens - 1);
    this.requested = false;
    this.retryAt = Infinity;
    this.running = true;
    this.idle = this.opts
      .fn()
      .catch((err) => (this.opts.log ?? nullLogger).error('sync run failed', { err }))
      .finally(() => {
        this.running = false;
        const end = this.opts.clock.monotonic();
        this.periodicAt = end + this.opts.maxIntervalMs;
        this.arm(this.requested ? end : Math.min(this.periodicAt, this.retryAt));
      });
  }
}

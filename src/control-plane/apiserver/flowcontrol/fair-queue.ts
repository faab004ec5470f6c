import { tooManyRequests } from '../../../api/errors/status-error.js';
import type { Clock } from '../../../lib/clock.js';

export interface PriorityLevelConfig {
  name: string;
  /** Requests of this level executing at once. */
  concurrency: number;
  /** Waiting requests per flow (user) before new ones get 429. */
  queueLengthPerFlow: number;
  /** Waiting requests in the whole level before new ones get 429. */
  queueLengthTotal: number;
  /** A request waiting this long is rejected with 429. */
  queueTimeoutMs: number;
}

interface Waiter {
  flow: string;
  seats: number;
  start: () => void;
  fail: (err: Error) => void;
  timer: { cancel(): void };
}

/**
 * One priority level of API Priority and Fairness, simplified: a concurrency
 * limit, and per-flow (per-user) FIFO queues served round-robin, so one
 * client flooding the server only ever holds its fair share of seats and
 * everyone else's requests wait at most about one request's time.
 */
export class PriorityLevel {
  private executing = 0;
  private readonly queues = new Map<string, Waiter[]>();
  private order: string[] = [];
  private cursor = 0;
  private waiting = 0;
  /** The flow most recently given a seat: it goes to the back of the round. */
  private lastServed = '';
  readonly stats = { dispatched: 0, rejected: 0, timedOut: 0 };

  constructor(
    readonly cfg: PriorityLevelConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs `fn` once `seats` seats are free (fairly across flows); 429 when the
   * queues are full. Big LISTs take several seats, as upstream's work estimator
   * charges them, so a flood of them cannot occupy every seat.
   */
  async run<T>(flow: string, fn: () => Promise<T>, seats = 1): Promise<T> {
    const n = Math.max(1, Math.min(seats, this.cfg.concurrency));
    await this.acquire(flow, n);
    try {
      return await fn();
    } finally {
      this.release(n);
    }
  }

  private acquire(flow: string, seats: number): Promise<void> {
    if (this.executing + seats <= this.cfg.concurrency && this.waiting === 0) {
      this.executing += seats;
      this.stats.dispatched++;
      this.lastServed = flow;
      return Promise.resolve();
    }
    const q = this.queues.get(flow) ?? [];
    if (q.length >= this.cfg.queueLengthPerFlow || this.waiting >= this.cfg.queueLengthTotal) {
      this.stats.rejected++;
      return Promise.reject(tooManyRequests('Too many requests, please try again later.', 1));
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        flow,
        seats,
        start: () => {
          w.timer.cancel();
          resolve();
        },
        fail: reject,
        timer: this.clock.setTimeout(() => {
          const list = this.queues.get(flow);
          const i = list ? list.indexOf(w) : -1;
          if (i >= 0) {
            list!.splice(i, 1);
            this.waiting--;
            this.stats.timedOut++;
            reject(
              tooManyRequests(
                'The request has been rejected because it waited too long in the queue; please try again later.',
                1,
              ),
            );
          }
        }, this.cfg.queueTimeoutMs),
      };
      if (!this.queues.has(flow)) {
        this.queues.set(flow, q);
        this.order.push(flow);
      }
      q.push(w);
      this.waiting++;
    });
  }

  private release(seats: number): void {
    this.executing -= seats;
    this.dispatch();
  }

  /** Hands free seats to waiting requests, one flow at a time in turn. */
  private dispatch(): void {
    while (this.executing < this.cfg.concurrency && this.waiting > 0) {
      if (this.cursor >= this.order.length) this.cursor = 0;
      if (this.order.length > 1 && this.order[this.cursor] === this.lastServed)
        this.cursor = (this.cursor + 1) % this.order.length;
      const flow = this.order[this.cursor]!;
      this.lastServed = flow;
      const q = this.queues.get(flow)!;
      const w = q.shift();
      if (q.length === 0) {
        this.queues.delete(flow);
        this.order.splice(this.cursor, 1);
      } else {
        this.cursor++;
      }
      if (!w) continue;
      this.waiting--;
      this.executing += w.seats;
      this.stats.dispatched++;
      w.start();
    }
  }

  get inFlight(): number {
    return this.executing;
  }
  get queued(): number {
    return this.waiting;
  }
}

import { AbortError } from '../lib/abort.js';
import type { Clock, Timer } from '../lib/clock.js';

/** One request's deadline: its signal aborts when the deadline passes; `done()` when the request ends. */
export interface Deadline {
  readonly signal: AbortSignal;
  done(): void;
}

interface Entry extends Deadline {
  at: number;
  ctrl: AbortController;
}

/**
 * Per-request timeouts without a timer per request: a client issuing
 * thousands of requests a second would otherwise create and cancel a timer
 * (and an AbortController chain) for each. Deadlines with the same timeout
 * expire in the order they were created, so each timeout value keeps an
 * insertion-ordered set whose first entry is its earliest deadline, and one
 * timer is armed for the earliest of those. A deadline fires no earlier than
 * asked and at most one timer turn late.
 */
export class Deadlines {
  private readonly byTimeout = new Map<number, Set<Entry>>();
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private live = 0;

  constructor(private readonly clock: Clock) {}

  start(timeoutMs: number): Deadline {
    const ctrl = new AbortController();
    let set = this.byTimeout.get(timeoutMs);
    if (!set) this.byTimeout.set(timeoutMs, (set = new Set()));
    const owner = set;
    const entry: Entry = {
      at: this.clock.monotonic() + timeoutMs,
      ctrl,
      signal: ctrl.signal,
      done: () => {
        if (owner.delete(entry) && --this.live === 0) this.disarm();
      },
    };
    set.add(entry);
    this.live++;
    if (entry.at < this.timerAt) this.arm(entry.at);
    return entry;
  }

  /** No request is waiting: no timer either (an idle client holds none). */
  private disarm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private arm(at: number): void {
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, at - this.clock.monotonic()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.monotonic();
    let next = Infinity;
    for (const [ms, set] of this.byTimeout) {
      for (const e of set) {
        if (e.at > now) {
          if (e.at < next) next = e.at;
          break;
        }
        set.delete(e);
        this.live--;
        e.ctrl.abort(new AbortError(`timed out after ${ms}ms`));
      }
      if (set.size === 0) this.byTimeout.delete(ms);
    }
    if (next !== Infinity) this.arm(next);
  }
}

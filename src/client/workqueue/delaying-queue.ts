import { type Clock, realClock, type Timer } from '../../lib/clock.js';
import { WorkQueue } from './queue.js';

/**
 * A WorkQueue with `addAfter` (client-go `DelayingInterface`). An item waiting
 * for its delay is held once: a second `addAfter` only moves it earlier, never
 * later. Timers run on the injected Clock, so tests drive time with FakeClock.
 */
export class DelayingQueue<T extends NonNullable<unknown> = string> extends WorkQueue<T> {
  private readonly waiting = new Map<T, { at: number; timer: Timer }>();

  constructor(protected readonly clock: Clock = realClock) {
    super();
  }

  /** Adds `item` after `delayMs` (at once when <= 0). Ignored after shutdown. */
  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown()) return;
    if (!(delayMs > 0)) {
      this.add(item);
      return;
    }
    const at = this.clock.monotonic() + delayMs;
    const cur = this.waiting.get(item);
    if (cur && cur.at <= at) return;
    cur?.timer.cancel();
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, delayMs);
    this.waiting.set(item, { at, timer });
  }

  /** Items waiting for their delay to pass. */
  waitingCount(): number {
    return this.waiting.size;
  }

  override shutDown(): void {
    super.shutDown();
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
  }
}

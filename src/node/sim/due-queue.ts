import type { Clock, Timer } from '../../lib/clock.js';

/**
 * Items due at a point in (monotonic) time, released in due order through
 * one clock timer armed for the earliest item — thousands of pending pod
 * starts or node transitions cost one timer, not one each. An item added
 * again keeps its earliest due time.
 */
export class DueQueue<T> {
  private heap: { at: number; item: T }[] = [];
  private readonly due = new Map<T, number>();
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly release: (item: T) => void,
  ) {}

  get size(): number {
    return this.due.size;
  }

  /** Releases `item` at monotonic time `at` (at once if that has passed). */
  add(item: T, at: number): void {
    if (this.stopped) return;
    const cur = this.due.get(item);
    if (cur !== undefined && cur <= at) return;
    this.due.set(item, at);
    this.push({ at, item });
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.heap = [];
    this.due.clear();
  }

  private arm(): void {
    const next = this.heap[0];
    if (!next || next.at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = next.at;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, next.at - this.clock.monotonic()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.monotonic();
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const { at, item } = this.pop()!;
      // Skip stale heap entries superseded by an earlier due time.
      if (this.due.get(item) !== at) continue;
      this.due.delete(item);
      this.release(item);
    }
    if (!this.stopped) this.arm();
  }

  private push(e: { at: number; item: T }): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): { at: number; item: T } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

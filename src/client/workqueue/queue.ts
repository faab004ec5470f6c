/** Counters a queue keeps for `/metrics` (client-go workqueue metrics, in plain numbers). */
export interface QueueMetrics {
  /** Items added (deduplicated adds do not count). */
  adds: number;
  /** Items re-added with a rate-limited delay. */
  retries: number;
}

/**
 * A deduplicating work queue (client-go `workqueue.Type`). Semantics:
 * - an item added while already queued is not queued twice;
 * - an item added while being processed (between `get` and `done`) is queued
 *   again only when `done` is called, so one item is never processed by two
 *   workers at once;
 * - `get()` resolves with the next item, waiting while the queue is empty,
 *   and with `undefined` once the queue is shut down and empty (items still
 *   queued at shutdown are handed out first, as upstream);
 * - `shutDown()` stops accepting adds and wakes waiting getters;
 *   `shutDownWithDrain()` also waits until every item being processed is done.
 * Items are compared with `===` (use string keys).
 */
export class WorkQueue<T extends NonNullable<unknown> = string> {
  private items: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly getters: ((item: T | undefined) => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private stopping = false;
  readonly metrics: QueueMetrics = { adds: 0, retries: 0 };

  /** Queues `item` unless it is already queued (dropped after shutdown). */
  add(item: T): void {
    if (this.stopping || this.dirty.has(item)) return;
    this.metrics.adds++;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.push(item);
  }

  /** Items waiting to be processed. */
  len(): number {
    return this.items.length - this.head;
  }

  /** Items handed out and not yet `done`. */
  processingCount(): number {
    return this.processing.size;
  }

  /** The next item; undefined means the queue is shut down (the worker should exit). */
  get(): Promise<T | undefined> {
    if (this.len() > 0) return Promise.resolve(this.take());
    if (this.stopping) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks `item` processed; if it was re-added meanwhile, it is queued again now. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) this.push(item);
    if (this.processing.size === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  shutDown(): void {
    this.stopping = true;
    for (const g of this.getters.splice(0)) g(undefined);
  }

  /**
   * Shuts down and resolves once no item is being processed. Workers still
   * calling `get()` drain what is queued; like upstream, items nobody takes
   * are not waited for.
   */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    while (this.processing.size > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.stopping;
  }

  private push(item: T): void {
    const g = this.getters.shift();
    if (g) {
      this.dirty.delete(item);
      this.processing.add(item);
      g(item);
      return;
    }
    this.items.push(item);
  }

  private take(): T {
    const item = this.items[this.head]!;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.processing.add(item);
    this.dirty.delete(item);
    return item;
  }
}

import type { InProcessWatchEvent, InProcessWatchStream } from '../inprocess-types.js';

export interface StoredEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  group: string;
  resource: string;
  object: Record<string, any>;
}

/** One watch of FakeApiServer: an unbounded queue of events pulled by the transport. */
export class FakeWatcher implements InProcessWatchStream {
  private readonly queue: InProcessWatchEvent[] = [];
  private waiter: ((ev: InProcessWatchEvent | undefined) => void) | undefined;
  private ended = false;
  private endAfterQueue = false;
  kind = '';

  constructor(
    private readonly match: (ev: StoredEvent) => boolean,
    readonly bookmarks: boolean,
    readonly apiVersion: string,
    private readonly onEnd: () => void,
  ) {}

  /** Queues a store event if it matches the watch's filters. */
  offer(ev: StoredEvent): void {
    if (!this.match(ev)) return;
    this.kind ||= String(ev.object.kind ?? '');
    this.push({ type: ev.type, object: ev.object });
  }

  /** Queues any event; `last` ends the watch after it is delivered. */
  push(ev: { type: string; object: unknown }, last = false): void {
    if (this.ended || this.endAfterQueue) return;
    const out: InProcessWatchEvent = { ...ev, line: () => `${JSON.stringify({ type: ev.type, object: ev.object })}\n` };
    if (last) this.endAfterQueue = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(out);
      if (last) this.end();
      return;
    }
    this.queue.push(out);
  }

  next(): Promise<InProcessWatchEvent | undefined> {
    const ev = this.queue.shift();
    if (ev) {
      if (this.queue.length === 0 && this.endAfterQueue) this.end();
      return Promise.resolve(ev);
    }
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Ends the watch (server side): pending and future `next()` calls resolve undefined. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
    this.onEnd();
  }

  close(): void {
    this.end();
  }
}

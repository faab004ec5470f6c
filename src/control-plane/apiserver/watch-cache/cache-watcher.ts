import type { Status } from '../../../api/errors/status-error.js';
import type { WatchEventOut, WatchStream } from '../types.js';
import type { CacheEntry, CacheEvent, CacheEventType, ObjectFilter, WatchTrigger } from './types.js';

/** Turns a cache entry into the event a particular watcher sends (plain JSON, a Table row, another version...). */
export type EventEncoder = (type: CacheEventType, entry: CacheEntry) => WatchEventOut;

export interface CacheWatcherOptions {
  filter: ObjectFilter;
  trigger?: WatchTrigger;
  /** Send BOOKMARK events (the client asked with allowWatchBookmarks=true). */
  bookmarks: boolean;
  /** Events buffered for a slow reader before it is cut off. */
  capacity: number;
  encode: EventEncoder;
  bookmark: (rv: number, annotations?: Record<string, string>) => WatchEventOut;
  /** Called once when the watcher ends for any reason (the cache forgets it). */
  onClose: (w: CacheWatcher) => void;
}

/**
 * One client's view of a watch-cache watch. The cache pushes events (already
 * narrowed by trigger); the watcher applies the reader's filter, turning
 * selector transitions into ADDED/DELETED as kube-apiserver does, and buffers
 * them until the transport pulls. A reader that falls `capacity` events behind
 * is cut off: its stream ends and the client re-watches from its last
 * resourceVersion (or relists on 410), instead of the server growing memory.
 */
export class CacheWatcher implements WatchStream {
  private queue: WatchEventOut[] = [];
  private head = 0;
  private waiter: ((ev: WatchEventOut | undefined) => void) | undefined;
  private closed = false;
  /** Highest revision this watcher has been brought up to (events or bookmarks). */
  lastRv = 0;
  /** Why the watcher ended early, if it did (for logs and metrics). */
  endReason: string | undefined;

  constructor(readonly opts: CacheWatcherOptions) {}

  get trigger(): WatchTrigger | undefined {
    return this.opts.trigger;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues the initial state (ADDED for every visible entry). */
  pushInitial(entries: Iterable<CacheEntry>, rv: number): void {
    for (const e of entries) if (this.opts.filter(e.object)) this.enqueue(this.opts.encode('ADDED', e));
    this.lastRv = rv;
  }

  /** Applies one cache event to this watcher. */
  dispatch(ev: CacheEvent): void {
    if (this.closed || ev.rv <= this.lastRv) return;
    this.lastRv = ev.rv;
    const filter = this.opts.filter;
    const now = ev.type === 'DELETED' ? false : filter(ev.entry.object);
    const before = ev.prev ? filter(ev.prev.object) : false;
    let type: CacheEventType | undefined;
    if (ev.type === 'DELETED') type = before ? 'DELETED' : undefined;
    else if (now && before) type = ev.type === 'ADDED' ? 'ADDED' : 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (type) this.enqueue(this.opts.encode(type, ev.entry));
  }

  /** Sends a BOOKMARK at `rv` if the client wants bookmarks. */
  pushBookmark(rv: number, annotations?: Record<string, string>, force = false): void {
    if (this.closed || (!this.opts.bookmarks && !force)) return;
    if (rv < this.lastRv) return;
    this.lastRv = rv;
    this.enqueue(this.opts.bookmark(rv, annotations));
  }

  /**
   * Ends the watch with one ERROR event carrying `status` (after anything already
   * buffered). Upstream answers a watch it cannot serve once the request was
   * accepted (too old / too new resourceVersion) this way: HTTP 200, then ERROR.
   */
  fail(status: Status): void {
    if (this.closed) return;
    const line = `{"type":"ERROR","object":${JSON.stringify(status)}}\n`;
    this.enqueue({ type: 'ERROR', object: status, line: () => line });
    this.finish(`error: ${status.message ?? status.reason ?? status.code}`);
  }

  pending(): number {
    return this.queue.length - this.head;
  }

  next(): Promise<WatchEventOut | undefined> {
    if (this.head < this.queue.length) {
      const ev = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(ev);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Ends the watch; buffered events are dropped. Idempotent. */
  close(reason = 'closed by client'): void {
    if (this.closed) return;
    this.closed = true;
    this.endReason ??= reason;
    this.queue = [];
    this.head = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
    this.opts.onClose(this);
  }

  /** Ends the watch after the buffered events have been read (server-side end, e.g. timeout). */
  finish(reason: string): void {
    if (this.closed) return;
    this.endReason ??= reason;
    if (this.pending() === 0) return this.close(reason);
    this.closed = true;
    this.opts.onClose(this);
  }

  private enqueue(ev: WatchEventOut): void {
    if (this.closed) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(ev);
      return;
    }
    if (this.pending() >= this.opts.capacity) {
      this.close('reader too slow: event buffer full');
      return;
    }
    this.queue.push(ev);
  }
}

import { StatusError } from '../api/errors/status-error.js';
import { type Disposable, track, untrack } from '../lib/disposable.js';
import { statusErrorFrom } from './response-error.js';
import type { WatchEvent, WatchEventSource } from './transport.js';

/** Events a Watch yields: ERROR never reaches the consumer (it is thrown). */
export type WatchEventOf<T> = WatchEvent<T> & { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' };

/**
 * An open watch: an async iterable of `{type, object}` events and a
 * disposable handle (convention 9). BOOKMARK events are yielded (their object
 * carries only `metadata.resourceVersion`); an in-stream ERROR event is thrown
 * as the StatusError it carries (410 Expired means "relist"). Iteration ends
 * when the server closes the watch (timeoutSeconds elapsed); `close()` ends it
 * from this side. Event objects may be shared with the server's caches: treat
 * them as read-only.
 */
export class Watch<T = unknown> implements AsyncIterable<WatchEventOf<T>>, Disposable {
  private done = false;

  constructor(
    private readonly source: WatchEventSource,
    readonly description: string,
  ) {
    track(this, `watch ${description}`);
  }

  get closed(): boolean {
    return this.done;
  }

  /** The next event; undefined once the watch ended; throws on stream failure or an ERROR event. */
  async next(): Promise<WatchEventOf<T> | undefined> {
    if (this.done) return undefined;
    let ev: WatchEvent | undefined;
    try {
      ev = await this.source.next();
    } catch (err) {
      this.close();
      throw err;
    }
    if (!ev) {
      this.close();
      return undefined;
    }
    if (ev.type === 'ERROR') {
      this.close();
      throw (
        statusErrorFrom(ev.object, 500) ??
        new StatusError(500, 'InternalError', `watch error event without a Status: ${JSON.stringify(ev.object)}`)
      );
    }
    return ev as WatchEventOf<T>;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEventOf<T>> {
    try {
      for (;;) {
        const ev = await this.next();
        if (!ev) return;
        yield ev;
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    untrack(this);
    this.source.close();
  }

  dispose(): void {
    this.close();
  }
}

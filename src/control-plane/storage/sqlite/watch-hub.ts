import type { Clock, Timer } from '../../../lib/clock.js';
import { type Disposable, toDisposable, track, untrack } from '../../../lib/disposable.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import { StorageError, type WatchEvent, type WatchListener, type WatchOptions } from '../interface.js';
import { prefixEnd } from '../keys.js';

/** What the hub needs from the store: committed history and the revision bounds. */
export interface HistorySource {
  /** Events with revision in [fromRev, toRev] for keys in [from, to), revision order, at most `limit`. */
  history(fromRev: number, toRev: number, from: string, to: string | undefined, limit: number): WatchEvent[];
  currentRevision(): number;
  compactRevision(): number;
}

export interface WatchHubOptions {
  clock: Clock;
  logger?: Logger;
  /** Undelivered events one watcher may hold before it is ended with an error. */
  maxPendingEvents?: number;
  /** Rows read from history per step while a watcher catches up. */
  historyChunk?: number;
}

type State = 'catchup' | 'live' | 'done';

interface Watcher {
  prefix: string;
  end: string | undefined;
  /** The next revision this watcher has not yet been given. */
  nextRev: number;
  listener: WatchListener;
  state: State;
  pending: WatchEvent[];
  progressTimer?: Timer;
  /** Set when an event was delivered since the last progress tick. */
  busy: boolean;
}

/**
 * In-process watch fan-out for the SQLite backend (no polling). A watcher that
 * starts at or below the current revision first replays history from the
 * database in chunks (yielding between chunks so writes go on), then turns live
 * in the same synchronous step that reads the last committed revision, so no
 * commit can fall between replay and live delivery. Live events come from each
 * committed batch, are queued per watcher and delivered in a microtask, so one
 * `onEvents` call may carry several batches. A watcher that accumulates more
 * than `maxPendingEvents` is ended with an error instead of growing memory.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly byPrefix = new Map<string, Set<Watcher>>();
  private readonly dirty = new Set<Watcher>();
  private drainScheduled = false;
  private readonly logger: Logger;
  private readonly maxPending: number;
  private readonly chunk: number;
  private closed = false;

  constructor(
    private readonly source: HistorySource,
    private readonly opts: WatchHubOptions,
  ) {
    this.logger = opts.logger ?? nullLogger;
    this.maxPending = opts.maxPendingEvents ?? 100_000;
    this.chunk = opts.historyChunk ?? 500;
  }

  get size(): number {
    return this.watchers.size;
  }

  watch(prefix: string, opts: WatchOptions, listener: WatchListener): Disposable {
    const current = this.source.currentRevision();
    const start = opts.startRevision > 0 ? opts.startRevision : current + 1;
    const w: Watcher = {
      prefix,
      end: prefixEnd(prefix),
      nextRev: start,
      listener,
      state: start <= current ? 'catchup' : 'live',
      pending: [],
      busy: false,
    };
    const handle = toDisposable(() => this.remove(w));
    if (this.closed) {
      w.state = 'done';
      queueMicrotask(() => listener.onError(new StorageError('Closed', 'storage is closed')));
      return handle;
    }
    this.watchers.add(w);
    track(w, `sqlite watch ${prefix}`);
    const compacted = this.source.compactRevision();
    if (start <= compacted) {
      queueMicrotask(() => this.fail(w, compactedError(start, compacted)));
      return handle;
    }
    if (opts.progressIntervalMs && opts.progressIntervalMs > 0 && listener.onProgress) {
      w.progressTimer = this.opts.clock.setInterval(() => this.progress(w), opts.progressIntervalMs);
    }
    if (w.state === 'live') this.index(w);
    else setImmediate(() => this.catchUp(w));
    return handle;
  }

  /** Called after each commit with the batch's events in revision order. */
  publish(events: WatchEvent[]): void {
    if (this.byPrefix.size === 0) return;
    for (const [prefix, set] of this.byPrefix) {
      let matching: WatchEvent[] | undefined;
      for (const ev of events) if (ev.kv.key.startsWith(prefix)) (matching ??= []).push(ev);
      if (matching) for (const w of set) this.enqueue(w, matching);
    }
  }

  /**
   * A progress notice now to every live watch that asked for them and has
   * nothing queued (commits enqueue synchronously, so it cannot overtake an event).
   */
  requestProgress(): void {
    for (const w of this.watchers) {
      if (!w.progressTimer) continue;
      w.busy = false;
      this.progress(w);
    }
  }

  /** Ends every watch with `err` (the store is closing). */
  close(err: StorageError): void {
    this.closed = true;
    for (const w of [...this.watchers]) this.fail(w, err);
  }

  private index(w: Watcher): void {
    let set = this.byPrefix.get(w.prefix);
    if (!set) this.byPrefix.set(w.prefix, (set = new Set()));
    set.add(w);
  }

  private enqueue(w: Watcher, events: WatchEvent[]): void {
    if (w.state === 'done') return;
    let added = 0;
    for (const ev of events) {
      if (ev.revision < w.nextRev) continue;
      w.pending.push(ev);
      added++;
    }
    if (added === 0) return;
    w.nextRev = w.pending[w.pending.length - 1].revision + 1;
    if (w.pending.length > this.maxPending) {
      this.fail(
        w,
        new StorageError(
          'Unavailable',
          `watch on ${w.prefix} fell behind by more than ${this.maxPending} events; watch again from the last revision seen`,
        ),
      );
      return;
    }
    this.dirty.add(w);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    this.drainScheduled = false;
    const ws = [...this.dirty];
    this.dirty.clear();
    for (const w of ws) {
      if (w.state === 'done' || w.pending.length === 0) continue;
      const evs = w.pending;
      w.pending = [];
      w.busy = true;
      try {
        w.listener.onEvents(evs);
      } catch (err) {
        this.logger.error('watch listener threw', { prefix: w.prefix, err });
      }
    }
  }

  private catchUp(w: Watcher): void {
    if (w.state !== 'catchup') return;
    try {
      const compacted = this.source.compactRevision();
      if (w.nextRev <= compacted) {
        this.fail(w, compactedError(w.nextRev, compacted));
        return;
      }
      const current = this.source.currentRevision();
      const evs = this.source.history(w.nextRev, current, w.prefix, w.end, this.chunk);
      // A short read means everything up to `current` was seen (rows were filtered
      // by prefix in SQL, so the last row's revision may be well below `current`).
      const done = evs.length < this.chunk;
      if (evs.length > 0) this.enqueue(w, evs);
      if (w.state !== 'catchup') return;
      if (done) {
        w.nextRev = Math.max(w.nextRev, current + 1);
        w.state = 'live';
        this.index(w);
      } else {
        setImmediate(() => this.catchUp(w));
      }
    } catch (err) {
      this.fail(w, err instanceof StorageError ? err : new StorageError('Unavailable', String(err)));
    }
  }

  private progress(w: Watcher): void {
    if (w.state !== 'live' || w.pending.length > 0) return;
    if (w.busy) {
      w.busy = false;
      return;
    }
    // Live with nothing queued: every commit up to the current revision was
    // already handed to this watcher (commits enqueue synchronously).
    const rev = Math.max(this.source.currentRevision(), w.nextRev - 1);
    try {
      w.listener.onProgress?.(rev);
    } catch (err) {
      this.logger.error('watch progress listener threw', { prefix: w.prefix, err });
    }
  }

  private fail(w: Watcher, err: StorageError): void {
    if (w.state === 'done') return;
    this.remove(w);
    try {
      w.listener.onError(err);
    } catch (e) {
      this.logger.error('watch error listener threw', { prefix: w.prefix, err: e });
    }
  }

  private remove(w: Watcher): void {
    if (w.state === 'done' && !this.watchers.has(w)) return;
    w.state = 'done';
    w.pending = [];
    w.progressTimer?.cancel();
    this.watchers.delete(w);
    this.dirty.delete(w);
    untrack(w);
    const set = this.byPrefix.get(w.prefix);
    if (set) {
      set.delete(w);
      if (set.size === 0) this.byPrefix.delete(w.prefix);
    }
  }
}

function compactedError(start: number, compacted: number): StorageError {
  return new StorageError(
    'Compacted',
    `required revision ${start} has been compacted (compacted revision ${compacted})`,
    undefined,
    compacted,
  );
}

import type { Etcd3, IKeyValue, IWatchRequest, IWatchResponse } from 'etcd3';
import { Backoff } from '../../../lib/backoff.js';
import type { Clock, Timer } from '../../../lib/clock.js';
import { type Disposable, toDisposable, track, untrack } from '../../../lib/disposable.js';
import type { Logger } from '../../../lib/log.js';
import { type KeyValue, StorageError, type WatchEvent, type WatchListener } from '../interface.js';

export interface MuxWatchSpec {
  /** Namespaced range [key, rangeEnd) in etcd bytes; rangeEnd '\0' = to the end of the keyspace. */
  key: Buffer;
  rangeEnd: Buffer;
  /** First revision wanted; 0 = from now. */
  startRevision: number;
  /** Characters to strip from each key (the namespace prefix). */
  strip: number;
  listener: WatchListener;
  /** Forward etcd's progress notifications to listener.onProgress. */
  progress: boolean;
}

/** One caller's watch. */
interface Subscriber {
  listener: WatchListener;
  /** Events below this revision are not for this subscriber (it joined a running upstream). */
  startRev: number;
  progress: boolean;
}

/** One etcd watch, shared by the subscribers that watch the same range from compatible revisions. */
interface MuxWatcher {
  id: number;
  key: Buffer;
  rangeEnd: Buffer;
  strip: number;
  subs: Set<Subscriber>;
  /** Next revision not yet delivered (0 until etcd tells us "now"). */
  nextRev: number;
  created: boolean;
  /** Delivered everything up to the store revision of the last response (not replaying history). */
  synced: boolean;
  retryTimer?: Timer;
}

interface DuplexStream {
  write(req: IWatchRequest): unknown;
  on(ev: 'data', fn: (res: IWatchResponse) => void): unknown;
  on(ev: 'error' | 'end', fn: (err?: Error) => void): unknown;
  cancel?(): void;
  end(): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * All watches of one client, multiplexed on one gRPC Watch stream, with
 * client-assigned watch ids (etcd >= 3.4) so creates need no ordering.
 *
 * We do not use the etcd3 package's WatchManager: it resumes from the stream
 * header revision (not the last delivered event), which skips events when a
 * stream breaks while a watcher is still catching up. Here every watcher
 * remembers the revision after the last event (or progress notification) it
 * delivered; after a broken stream it is re-created from exactly that revision
 * on a new stream (any member), and events below it are dropped, so delivery
 * stays exactly-once and gap-free across member failures. etcd never splits
 * one revision across responses (without `fragment`), which makes the
 * per-revision cut safe.
 *
 * Watches of the same range share one etcd watch when the newcomer starts at
 * or after the shared watch's next revision (the usual case: many clients
 * watching a resource "from now"), so an event is received and decoded once
 * and fanned out in process; a watch that needs older history gets its own.
 *
 * Progress notifications are etcd's per-watcher ones (`progress_notify`): etcd
 * sends them through the watcher's own event channel and only when it is in
 * sync, so they are ordered after every earlier event. Their period is the
 * server's `--experimental-watch-progress-notify-interval` (10 min by default).
 * We do not use WatchProgressRequest: in etcd 3.4 its answer can overtake
 * queued events.
 */
export class WatchMux {
  private readonly watchers = new Map<number, MuxWatcher>();
  private stream: DuplexStream | undefined;
  private connecting = false;
  private reconnectTimer: Timer | undefined;
  private readonly backoff = new Backoff({ initialMs: 50, maxMs: 2000, jitter: 0.3 });
  private nextId = 1;
  private closed = false;
  /** Streams opened after a failure (diagnostics and tests). */
  reconnects = 0;

  constructor(
    private readonly client: Etcd3,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  add(spec: MuxWatchSpec): Disposable {
    const sub: Subscriber = { listener: spec.listener, startRev: spec.startRevision, progress: spec.progress };
    if (this.closed) {
      queueMicrotask(() => spec.listener.onError(new StorageError('Closed', 'etcd storage is closed')));
      return toDisposable(() => undefined);
    }
    let w = this.shareable(spec);
    if (!w) {
      w = {
        id: this.nextId++,
        key: spec.key,
        rangeEnd: spec.rangeEnd,
        strip: spec.strip,
        subs: new Set(),
        nextRev: spec.startRevision,
        created: false,
        synced: false,
      };
      this.watchers.set(w.id, w);
      if (this.stream) this.sendCreate(w);
      else this.connect();
    }
    w.subs.add(sub);
    track(sub, `etcd watch ${spec.key.toString()}`);
    const shared = w;
    return toDisposable(() => void this.unsubscribe(shared, sub));
  }

  /**
   * A running etcd watch on the same range that has not yet passed
   * `spec.startRevision` and is not busy replaying older history (joining
   * one would delay the newcomer's events behind that replay).
   */
  private shareable(spec: MuxWatchSpec): MuxWatcher | undefined {
    const s = spec.startRevision;
    if (s <= 0) return undefined; // "now" is only exact on a fresh watch
    for (const w of this.watchers.values()) {
      if (w.nextRev <= 0 || w.nextRev > s || (w.nextRev < s && !w.synced)) continue;
      if (w.strip === spec.strip && w.key.equals(spec.key) && w.rangeEnd.equals(spec.rangeEnd)) return w;
    }
    return undefined;
  }

  private unsubscribe(w: MuxWatcher, sub: Subscriber): void {
    if (!w.subs.delete(sub)) return;
    untrack(sub);
    if (w.subs.size === 0) this.remove(w, true);
  }

  /** Breaks the current stream as a network failure would (tests). */
  breakStream(): void {
    const s = this.stream;
    if (s) this.onBroken(s, new Error('stream broken on purpose'));
  }

  close(err: StorageError): void {
    this.closed = true;
    this.reconnectTimer?.cancel();
    for (const w of [...this.watchers.values()]) this.fail(w, err);
    this.dropStream();
  }

  private connect(): void {
    if (this.stream || this.connecting || this.closed || this.watchers.size === 0) return;
    this.connecting = true;
    this.client.watchClient
      .watch()
      .then((stream) => {
        this.connecting = false;
        const s = stream as unknown as DuplexStream;
        s.on('error', (err?: Error) => this.onBroken(s, err));
        if (this.closed || this.watchers.size === 0) {
          s.cancel?.();
          return;
        }
        this.stream = s;
        s.on('data', (res: IWatchResponse) => this.onData(s, res));
        s.on('end', () => this.onBroken(s, new Error('watch stream ended')));
        for (const w of this.watchers.values()) this.sendCreate(w);
      })
      .catch((err: unknown) => {
        this.connecting = false;
        this.logger.debug('watch stream failed to open', { err });
        this.scheduleReconnect();
      });
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || this.watchers.size === 0) return;
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, this.backoff.next());
  }

  private onBroken(s: DuplexStream, err: Error | undefined): void {
    if (s !== this.stream) return;
    this.logger.debug('watch stream broken; resuming', { err, watchers: this.watchers.size });
    this.stream = undefined;
    this.reconnects++;
    for (const w of this.watchers.values()) {
      w.created = false;
      w.synced = false;
    }
    try {
      s.cancel?.();
    } catch {
      // already gone
    }
    this.scheduleReconnect();
  }

  private dropStream(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      try {
        s.cancel?.();
      } catch {
        // already gone
      }
    }
  }

  private sendCreate(w: MuxWatcher): void {
    if (!this.stream) return;
    const req = {
      key: w.key,
      range_end: w.rangeEnd,
      prev_kv: true,
      progress_notify: true,
      watch_id: w.id,
      ...(w.nextRev > 0 ? { start_revision: w.nextRev } : {}),
    };
    this.stream.write({ create_request: req });
  }

  private onData(s: DuplexStream, res: IWatchResponse): void {
    if (s !== this.stream) return;
    this.backoff.reset();
    const id = Number(res.watch_id);
    const w = this.watchers.get(id);
    if (!w) {
      // Disposed before etcd confirmed it: cancel it now so etcd stops sending.
      if (res.created && !res.canceled && id > 0) s.write({ cancel_request: { watch_id: id } });
      return; // otherwise: already cancelled, or a broadcast (-1) we never ask for
    }
    const headerRev = Number(res.header?.revision ?? 0);
    if (res.created) {
      w.created = true;
      if (w.nextRev === 0) w.nextRev = headerRev + 1;
      w.synced = w.nextRev > headerRev;
    }
    if (res.canceled) {
      this.onCanceled(w, res);
      return;
    }
    if (res.created) return;
    if (res.events.length > 0) {
      const out: WatchEvent[] = [];
      for (const ev of res.events) {
        const converted = this.convert(w, ev.type, ev.kv, ev.prev_kv);
        if (converted.revision >= w.nextRev) out.push(converted);
      }
      if (out.length === 0) return;
      w.nextRev = out[out.length - 1].revision + 1;
      w.synced = w.nextRev > headerRev;
      for (const sub of [...w.subs]) {
        const mine = out[0].revision >= sub.startRev ? out : out.filter((e) => e.revision >= sub.startRev);
        if (mine.length === 0) continue;
        try {
          // Each subscriber gets its own array; the events themselves are shared (never mutate them).
          sub.listener.onEvents(mine === out ? out.slice() : mine);
        } catch (err) {
          this.logger.error('watch listener threw', { err });
        }
      }
      return;
    }
    // A progress notification: nothing at or below headerRev is still to come.
    if (w.nextRev > 0 && headerRev >= w.nextRev - 1) {
      w.nextRev = headerRev + 1;
      w.synced = true;
      for (const sub of [...w.subs]) {
        if (!sub.progress || headerRev < sub.startRev - 1) continue;
        try {
          sub.listener.onProgress?.(headerRev);
        } catch (err) {
          this.logger.error('watch progress listener threw', { err });
        }
      }
    }
  }

  private onCanceled(w: MuxWatcher, res: IWatchResponse): void {
    const compactRev = Number(res.compact_revision ?? 0);
    if (compactRev > 0) {
      this.fail(
        w,
        new StorageError(
          'Compacted',
          `etcd watch: required revision ${w.nextRev} has been compacted (compacted revision ${compactRev})`,
          undefined,
          compactRev,
        ),
      );
      return;
    }
    const reason = res.cancel_reason || 'watch canceled by the server';
    if (/permission denied|invalid auth/i.test(reason)) {
      this.fail(w, new StorageError('Unavailable', `etcd watch: ${reason}`));
      return;
    }
    // e.g. "no leader" on a member cut off from the quorum: create it again (possibly elsewhere).
    this.logger.debug('watch canceled by etcd; re-creating', { reason });
    w.created = false;
    w.retryTimer?.cancel();
    w.retryTimer = this.clock.setTimeout(() => {
      w.retryTimer = undefined;
      if (this.watchers.get(w.id) === w) this.sendCreate(w);
    }, this.backoff.next());
  }

  private convert(w: MuxWatcher, type: string, kv: IKeyValue, prev: IKeyValue | null | undefined): WatchEvent {
    const strip = w.strip;
    const key = kv.key.toString('utf8').slice(strip);
    const modRevision = Number(kv.mod_revision);
    const prevKv: KeyValue | undefined = prev
      ? {
          key,
          value: prev.value ?? EMPTY,
          createRevision: Number(prev.create_revision),
          modRevision: Number(prev.mod_revision),
        }
      : undefined;
    const isDelete = String(type).toUpperCase() === 'DELETE';
    const cur: KeyValue = isDelete
      ? { key, value: EMPTY, createRevision: 0, modRevision }
      : { key, value: kv.value ?? EMPTY, createRevision: Number(kv.create_revision), modRevision };
    const ev: WatchEvent = { type: isDelete ? 'DELETE' : 'PUT', kv: cur, revision: modRevision };
    if (prevKv) ev.prevKv = prevKv;
    return ev;
  }

  private fail(w: MuxWatcher, err: StorageError): void {
    const subs = [...w.subs];
    if (!this.remove(w, true)) return;
    for (const sub of subs) {
      untrack(sub);
      try {
        sub.listener.onError(err);
      } catch (e) {
        this.logger.error('watch error listener threw', { err: e });
      }
    }
  }

  /** Forgets `w` (cancelling it on the server); returns false if it was already gone. */
  private remove(w: MuxWatcher, cancelOnServer: boolean): boolean {
    if (this.watchers.get(w.id) !== w) return false;
    this.watchers.delete(w.id);
    w.subs.clear();
    w.retryTimer?.cancel();
    if (cancelOnServer && w.created && this.stream) {
      this.stream.write({ cancel_request: { watch_id: w.id } });
    }
    if (this.watchers.size === 0) {
      this.reconnectTimer?.cancel();
      this.reconnectTimer = undefined;
      this.dropStream();
    }
    return true;
  }
}

import type { Clock, Timer } from '../../../lib/clock.js';
import type { Disposable } from '../../../lib/disposable.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import { isStorageError } from '../interface.js';
import type { ExpiredRow } from './statements.js';

export interface TtlSweeperDeps {
  clock: Clock;
  /** Newest rows whose TTL deadline is at or before `now`. */
  expired(now: number, limit: number): ExpiredRow[];
  /** Deletes `key` only if it is still at `modRevision` (a newer write keeps its own TTL). */
  delete(key: string, modRevision: number): Promise<unknown>;
  logger?: Logger;
}

/**
 * Deletes keys written with `ttlSeconds` once their deadline passes (short-lived
 * objects such as Events). Deletion is an ordinary CAS delete, so it produces a
 * DELETE watch event and never removes a value rewritten after it expired.
 * Expiry is checked every `intervalMs` on the injected clock, so a key lives
 * between its TTL and TTL + interval (etcd leases are similarly coarse).
 */
export class TtlSweeper implements Disposable {
  private timer: Timer | undefined;
  private running: Promise<number> | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly deps: TtlSweeperDeps,
    private readonly intervalMs = 1000,
    private readonly batch = 1000,
  ) {
    this.logger = deps.logger ?? nullLogger;
  }

  start(): this {
    // A tick while a pass is still running (deletes not yet committed) is skipped.
    this.timer ??= this.deps.clock.setInterval(() => void (this.running ?? this.sweep()), this.intervalMs);
    return this;
  }

  /**
   * One full pass that starts after any pass in progress; resolves when the
   * deletions it issued have committed. Returns how many keys it removed.
   */
  sweep(): Promise<number> {
    const prev = this.running;
    const next = (prev ? prev.then(() => this.pass()) : this.pass()).finally(() => {
      if (this.running === next) this.running = undefined;
    });
    this.running = next;
    return next;
  }

  private async pass(): Promise<number> {
    let removed = 0;
    try {
      for (;;) {
        const rows = this.deps.expired(this.deps.clock.now(), this.batch);
        if (rows.length === 0) break;
        const results = await Promise.allSettled(rows.map((r) => this.deps.delete(r.name, r.id)));
        for (const r of results) {
          if (r.status === 'fulfilled') removed++;
          else if (!isStorageError(r.reason, 'Conflict') && !isStorageError(r.reason, 'KeyNotFound')) {
            this.logger.warn('ttl delete failed', { err: r.reason });
            return removed;
          }
        }
        if (rows.length < this.batch) break;
      }
    } catch (err) {
      this.logger.warn('ttl sweep failed', { err });
    }
    return removed;
  }

  dispose(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

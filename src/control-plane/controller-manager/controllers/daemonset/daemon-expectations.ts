import type { Clock } from '../../../../lib/clock.js';
import { expectationsTimeoutMs } from '../replicaset/expectations.js';

interface Expectee {
  add: number;
  del: number;
  timestamp: number;
}

/**
 * Counted creates and deletes a DaemonSet waits to see in its pod informer
 * (upstream controller.ControllerExpectations, as the daemon controller uses
 * it: both counts set at once, deletions counted per event — a graceful
 * delete may count twice, which only ends the wait early, as upstream).
 * Unmet expectations expire after five minutes in case an event was lost.
 */
export class DaemonExpectations {
  private readonly store = new Map<string, Expectee>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs = expectationsTimeoutMs,
  ) {}

  satisfied(key: string): boolean {
    const e = this.store.get(key);
    if (!e || (e.add <= 0 && e.del <= 0)) return true;
    return this.clock.now() - e.timestamp > this.timeoutMs;
  }

  set(key: string, add: number, del: number): void {
    this.store.set(key, { add, del, timestamp: this.clock.now() });
  }

  /** Pending counts, for tests and logs. */
  get(key: string): { add: number; del: number } | undefined {
    const e = this.store.get(key);
    return e && { add: e.add, del: e.del };
  }

  creationObserved(key: string): void {
    this.lower(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lower(key, 0, 1);
  }

  lower(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  delete(key: string): void {
    this.store.delete(key);
  }
}

/**
 * Per-key exponential backoff for deleting failed daemon pods, so the
 * controller does not hot-loop against a kubelet that keeps rejecting a pod
 * (client-go flowcontrol.Backoff, 1 s doubling to 15 min; an entry quiet for
 * twice the maximum starts over).
 */
export class FailedPodsBackoff {
  private readonly entries = new Map<string, { backoff: number; lastUpdate: number }>();

  constructor(
    private readonly initialMs = 1000,
    private readonly maxMs = 15 * 60_000,
  ) {}

  private expired(now: number, lastUpdate: number): boolean {
    return now - lastUpdate > 2 * this.maxMs;
  }

  isInBackOffSinceUpdate(key: string, now: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(now, e.lastUpdate)) return false;
    return now - e.lastUpdate < e.backoff;
  }

  /** The current delay for `key` (0 when unknown). */
  get(key: string): number {
    return this.entries.get(key)?.backoff ?? 0;
  }

  next(key: string, now: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(now, e.lastUpdate)) this.entries.set(key, { backoff: this.initialMs, lastUpdate: now });
    else {
      e.backoff = Math.min(e.backoff * 2, this.maxMs);
      e.lastUpdate = now;
    }
    if (this.entries.size > 1024) this.gc(now);
  }

  /** Forgets entries quiet for twice the maximum. */
  gc(now: number): void {
    for (const [k, e] of this.entries) if (this.expired(now, e.lastUpdate)) this.entries.delete(k);
  }
}

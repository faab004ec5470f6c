/**
 * Per-container restart back-off with the semantics of client-go's
 * flowcontrol.Backoff as the kubelet uses it (kuberuntime doBackOff): the first
 * restart after an exit is immediate and arms a 10 s delay; each restart after
 * that doubles it up to 5 min; a container that ran longer than twice the cap
 * (10 min) since its last restart starts over. "In back-off" means less than
 * the current delay has passed since the container finished. Also used for
 * image pulls (ImagePullBackOff).
 */
export interface RestartBackoffOptions {
  initialMs: number;
  maxMs: number;
}

interface Entry {
  delayMs: number;
  /** When the last restart was allowed (wall clock ms). */
  lastUpdate: number;
}

export class RestartBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly o: RestartBackoffOptions) {}

  private expired(e: Entry, eventTime: number): boolean {
    return eventTime - e.lastUpdate > 2 * this.o.maxMs;
  }

  /** The delay that currently applies to `key` (0 when none). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Whether a restart must still wait: less than the delay has passed since `eventTime` (when it exited). */
  inBackoff(key: string, eventTime: number, now: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) return false;
    return now - eventTime < e.delayMs;
  }

  /** Whether less than the delay has passed since the last `next` (image pulls: IsInBackOffSinceUpdate). */
  inBackoffSinceUpdate(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return !!e && now - e.lastUpdate < e.delayMs;
  }

  /** When the back-off that started at `eventTime` ends (ms since the epoch). */
  until(key: string, eventTime: number): number {
    return eventTime + this.delay(key);
  }

  /** Records a restart now: arms the initial delay or doubles it. */
  next(key: string, eventTime: number, now: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) this.entries.set(key, { delayMs: this.o.initialMs, lastUpdate: now });
    else this.entries.set(key, { delayMs: Math.min(e.delayMs * 2, this.o.maxMs), lastUpdate: now });
  }

  /** Forgets every key starting with `prefix` (a pod that left the node). */
  forgetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Drops entries idle for longer than twice the cap (bounded memory). */
  gc(now: number): void {
    for (const [k, e] of this.entries) if (now - e.lastUpdate > 2 * this.o.maxMs) this.entries.delete(k);
  }
}

/**
 * Injected time (DESIGN.md convention 8). Everything that waits, expires or
 * measures takes a Clock, so leases, backoffs and probes are tested with
 * FakeClock instead of sleeps.
 */
export interface Timer {
  /** Stops the timer; safe to call more than once and after it fired. */
  cancel(): void;
}

export interface Clock {
  /** Wall-clock time in milliseconds since the epoch (for timestamps). */
  now(): number;
  /** Monotonic milliseconds, for measuring intervals; never jumps back. */
  monotonic(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Runs `fn` every `ms` milliseconds until cancelled. */
  setInterval(fn: () => void, ms: number): Timer;
  /** Resolves after `ms`; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function sleepWith(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timer.cancel();
      reject(abortReason(signal!));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The process clock. Timers are unref'd so a pending timer never keeps a process alive by itself. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now();
  }
  setTimeout(fn: () => void, ms: number): Timer {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  }
  setInterval(fn: () => void, ms: number): Timer {
    const t = setInterval(fn, Math.max(1, ms));
    t.unref();
    return { cancel: () => clearInterval(t) };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
}

export const realClock: Clock = new RealClock();

interface FakeTimer {
  id: number;
  at: number;
  every: number | undefined;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in time
 * order (timers scheduled by fired callbacks run too if they fall inside the
 * window) and lets promise continuations run between them.
 */
export class FakeClock implements Clock {
  private current: number;
  private mono = 0;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }
  monotonic(): number {
    return this.mono;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    return this.add(fn, Math.max(0, ms), undefined);
  }
  setInterval(fn: () => void, ms: number): Timer {
    return this.add(fn, Math.max(1, ms), Math.max(1, ms));
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** Number of timers waiting to fire. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.mono + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.moveTo(next.at);
      if (next.every !== undefined) next.at += next.every;
      else this.remove(next);
      next.fn();
      await flushMicrotasks();
    }
    this.moveTo(target);
    await flushMicrotasks();
  }

  /** Jumps wall-clock time (not monotonic time), like an NTP step or DST-free clock change. */
  setWallTime(epochMs: number): void {
    this.current = epochMs;
  }

  private moveTo(mono: number) {
    this.current += mono - this.mono;
    this.mono = mono;
  }
  private nextDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.cancelled || t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    return best;
  }
  private add(fn: () => void, ms: number, every: number | undefined): Timer {
    const timer: FakeTimer = { id: ++this.seq, at: this.mono + ms, every, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.remove(timer);
      },
    };
  }
  private remove(t: FakeTimer) {
    const i = this.timers.indexOf(t);
    if (i >= 0) this.timers.splice(i, 1);
  }
}

/** Lets already-queued promise continuations (and their follow-ups) run. */
export async function flushMicrotasks(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

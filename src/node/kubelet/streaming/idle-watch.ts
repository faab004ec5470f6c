/**
 * Idle detection for long-lived streaming connections (the kubelet's
 * streamingConnectionIdleTimeout): activity is a timestamp bump, checked
 * periodically, so the hot path never re-arms a timer per frame.
 */
import type { Clock, Timer } from '../../../lib/clock.js';

export interface IdleWatch {
  /** Records activity now. */
  touch(): void;
  cancel(): void;
}

/** Calls `onIdle` once no `touch()` happened for `timeoutMs`; a timeout of 0 disables it. */
export function watchIdle(clock: Clock, timeoutMs: number, onIdle: () => void): IdleWatch {
  let last = clock.monotonic();
  let timer: Timer | undefined;
  if (timeoutMs > 0) {
    const every = Math.max(10, Math.min(timeoutMs / 4, 60_000));
    timer = clock.setInterval(() => {
      if (clock.monotonic() - last < timeoutMs) return;
      timer?.cancel();
      onIdle();
    }, every);
  }
  return {
    touch: () => {
      last = clock.monotonic();
    },
    cancel: () => timer?.cancel(),
  };
}

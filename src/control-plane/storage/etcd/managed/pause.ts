/**
 * Waits `ms` on a referenced timer. Startup waits (for etcd to exit, become
 * healthy or accept a membership change) must keep the process alive by
 * themselves: the injected clock's timers are unref'd, and at that point no
 * server or child process may be holding the event loop open yet.
 */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

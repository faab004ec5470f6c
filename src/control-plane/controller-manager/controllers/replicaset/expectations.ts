import type { Clock } from '../../../../lib/clock.js';

/** How long unmet expectations block a sync before they are considered stale (upstream ExpectationsTimeout). */
export const expectationsTimeoutMs = 5 * 60_000;

interface Expectee {
  add: number;
  del: number;
  timestamp: number;
}

/**
 * What a replica controller is waiting to see in its pod informer after it
 * wrote to the API (upstream `controller.UIDTrackingControllerExpectations`).
 * A sync that finds unmet expectations does not create or delete pods, so a
 * slow cache never causes duplicate creates; expectations expire after five
 * minutes in case an event was lost. Deletions are tracked per pod key so a
 * pod is counted once whether its deletion is seen as an update (deletion
 * timestamp) or as the final delete.
 */
export class ControllerExpectations {
  private readonly store = new Map<string, Expectee>();
  private readonly deleteKeys = new Map<string, Set<string>>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs = expectationsTimeoutMs,
  ) {}

  /** True when the controller may act: nothing pending, all observed, or expired. */
  satisfiedExpectations(controllerKey: string): boolean {
    const e = this.store.get(controllerKey);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.timestamp > this.timeoutMs;
  }

  /** Pending counts, for tests and logs. */
  get(controllerKey: string): { add: number; del: number } | undefined {
    const e = this.store.get(controllerKey);
    return e && { add: e.add, del: e.del };
  }

  expectCreations(controllerKey: string, adds: number): void {
    this.store.set(controllerKey, { add: adds, del: 0, timestamp: this.clock.now() });
  }

  /** Expects the deletion of exactly these pods (`namespace/name` keys). */
  expectDeletions(controllerKey: string, podKeys: string[]): void {
    this.deleteKeys.set(controllerKey, new Set(podKeys));
    this.store.set(controllerKey, { add: 0, del: podKeys.length, timestamp: this.clock.now() });
  }

  creationObserved(controllerKey: string): void {
    this.lower(controllerKey, 1, 0);
  }

  /** Counts a deletion once per expected pod key; unknown keys are ignored. */
  deletionObserved(controllerKey: string, podKey: string): void {
    const keys = this.deleteKeys.get(controllerKey);
    if (!keys?.delete(podKey)) return;
    this.lower(controllerKey, 0, 1);
  }

  /** Forgets the controller (it was deleted). */
  deleteExpectations(controllerKey: string): void {
    this.store.delete(controllerKey);
    this.deleteKeys.delete(controllerKey);
  }

  private lower(controllerKey: string, add: number, del: number): void {
    const e = this.store.get(controllerKey);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }
}

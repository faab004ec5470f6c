import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Clock, Timer } from '../../../lib/clock.js';
import type { WaitingPod } from './interfaces.js';
import { Code, Status } from './status.js';

/** Upstream caps a Permit wait at 15 minutes. */
export const MaxPermitWaitMs = 15 * 60 * 1000;

/** Go's time.Duration String() for a whole number of milliseconds (e.g. 1m30s, 1.5s, 500ms). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let s = '';
  let rest = ms;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = rest / 1000;
  if (h > 0) s += `${h}h`;
  if (h > 0 || m > 0) s += `${m}m`;
  s += `${Number.isInteger(sec) ? sec : String(Number(sec.toFixed(3)))}s`;
  return s;
}

class WaitingPodImpl implements WaitingPod {
  readonly uid: string;
  private readonly pending = new Map<string, Timer>();
  private settle!: (s: Status | null) => void;
  private settled = false;
  readonly result: Promise<Status | null>;

  constructor(
    readonly pod: Pod,
    waits: ReadonlyMap<string, number>,
    clock: Clock,
  ) {
    this.uid = pod.metadata?.uid ?? '';
    this.result = new Promise((resolve) => (this.settle = resolve));
    for (const [plugin, ms] of waits) {
      const timer = clock.setTimeout(
        () => this.reject(plugin, `rejected due to timeout after waiting ${goDuration(ms)} at plugin ${plugin}`),
        ms,
      );
      this.pending.set(plugin, timer);
    }
  }

  pendingPlugins(): string[] {
    return [...this.pending.keys()];
  }

  allow(plugin: string): void {
    const t = this.pending.get(plugin);
    if (!t || this.settled) return;
    t.cancel();
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.finish(null);
  }

  reject(plugin: string, message: string): void {
    if (this.settled) return;
    this.finish(new Status(Code.Unschedulable, [message], plugin));
  }

  private finish(s: Status | null): void {
    this.settled = true;
    for (const t of this.pending.values()) t.cancel();
    this.pending.clear();
    this.settle(s);
  }
}

/** Pods held at Permit, shared by all profiles (upstream waitingPodsMap). */
export class WaitingPods {
  private readonly byUid = new Map<string, WaitingPodImpl>();

  constructor(private readonly clock: Clock) {}

  add(pod: Pod, waits: ReadonlyMap<string, number>): void {
    const wp = new WaitingPodImpl(pod, waits, this.clock);
    this.byUid.set(wp.uid, wp);
  }

  get(uid: string): WaitingPod | undefined {
    return this.byUid.get(uid);
  }

  /** Resolves when the pod is allowed (null) or rejected; null at once for a pod that is not waiting. */
  async wait(uid: string): Promise<Status | null> {
    const wp = this.byUid.get(uid);
    if (!wp) return null;
    try {
      return await wp.result;
    } finally {
      if (this.byUid.get(uid) === wp) this.byUid.delete(uid);
    }
  }

  forEach(fn: (wp: WaitingPod) => void): void {
    for (const wp of [...this.byUid.values()]) fn(wp);
  }

  get size(): number {
    return this.byUid.size;
  }
}

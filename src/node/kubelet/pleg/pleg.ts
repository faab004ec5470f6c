/**
 * The pod lifecycle event generator (pkg/kubelet/pleg/generic.go): every
 * relist period it lists all sandboxes and containers, compares each pod's
 * (id, state) pairs with the previous relist and reports the pods that
 * changed, so their workers sync (a container died, a sandbox went away). It
 * also remembers which pods the runtime has at all, for orphan cleanup, and
 * whether relisting keeps working (node Ready depends on it).
 */
import type { Clock, Timer } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import { runtimeLabels } from '../../runtime/index.js';
import type { KubeletRuntime } from './runtime-state.js';

export interface RuntimePodRef {
  uid: string;
  name: string;
  namespace: string;
}

/** PLEG is unhealthy when a relist has not succeeded for this long (relistThreshold). */
export const plegHealthThresholdMs = 3 * 60_000;

export class Pleg {
  private fingerprints = new Map<string, string>();
  private pods = new Map<string, RuntimePodRef>();
  private timer: Timer | undefined;
  private lastOk: number;
  private relisting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly runtime: Pick<KubeletRuntime, 'listSandboxes' | 'listContainers'>,
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly onChange: (uids: string[]) => void,
    private readonly log: Logger,
  ) {
    this.lastOk = clock.monotonic();
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      void this.relist().finally(() => {
        if (!this.stopped) this.timer = this.clock.setTimeout(tick, this.periodMs);
      });
    };
    this.timer = this.clock.setTimeout(tick, 0);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Healthy while relists succeed (or it just started). */
  healthy(): { ok: boolean; message: string } {
    const since = this.clock.monotonic() - this.lastOk;
    if (since <= plegHealthThresholdMs) return { ok: true, message: '' };
    const fmt = (ms: number) => `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s`;
    return {
      ok: false,
      message: `PLEG is not healthy: pleg was last seen active ${fmt(since)} ago; threshold is ${fmt(plegHealthThresholdMs)}`,
    };
  }

  /** Pods the runtime has sandboxes or containers of, as of the last relist. */
  runtimePods(): RuntimePodRef[] {
    return [...this.pods.values()];
  }

  /** Lists the runtime once and reports changed pods (concurrent calls share one relist). */
  relist(): Promise<void> {
    this.relisting ??= this.doRelist().finally(() => (this.relisting = undefined));
    return this.relisting;
  }

  private async doRelist(): Promise<void> {
    let sandboxes, containers;
    try {
      [sandboxes, containers] = await Promise.all([this.runtime.listSandboxes(), this.runtime.listContainers()]);
    } catch (err) {
      this.log.warn('PLEG relist failed', { err });
      return;
    }
    this.lastOk = this.clock.monotonic();
    const parts = new Map<string, string[]>();
    const pods = new Map<string, RuntimePodRef>();
    for (const s of sandboxes) {
      if (!s.uid) continue;
      pods.set(s.uid, { uid: s.uid, name: s.name, namespace: s.namespace });
      (parts.get(s.uid) ?? parts.set(s.uid, []).get(s.uid)!).push(`s:${s.id}:${s.state}`);
    }
    for (const c of containers) {
      const uid = c.labels[runtimeLabels.podUid];
      if (!uid) continue;
      if (!pods.has(uid)) {
        pods.set(uid, {
          uid,
          name: c.labels[runtimeLabels.podName] ?? '',
          namespace: c.labels[runtimeLabels.podNamespace] ?? '',
        });
      }
      (parts.get(uid) ?? parts.set(uid, []).get(uid)!).push(`c:${c.id}:${c.state}`);
    }
    const next = new Map<string, string>();
    for (const [uid, p] of parts) next.set(uid, p.sort().join(','));
    const changed: string[] = [];
    for (const [uid, fp] of next) if (this.fingerprints.get(uid) !== fp) changed.push(uid);
    for (const uid of this.fingerprints.keys()) if (!next.has(uid)) changed.push(uid);
    this.fingerprints = next;
    this.pods = pods;
    if (changed.length > 0) this.onChange(changed);
  }
}

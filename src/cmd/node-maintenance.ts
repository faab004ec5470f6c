/**
 * The kubelet's periodic node-level chores, which the kubelet core leaves to
 * its composer: container garbage collection every minute and image garbage
 * collection every five minutes (upstream's ContainerGCPeriod and
 * ImageGCPeriod), and the eviction manager's observation every ten seconds
 * (its monitoring interval) — which keeps the pressure conditions the node
 * reports current and, while a disk signal is crossed, reclaims node-level
 * resources first as upstream does (dead containers of terminated pods, then
 * every unused image). Runs never overlap; a failed run is logged and retried
 * at the next period.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { realClock, type Clock, type Timer } from '../lib/clock.js';
import { nullLogger, type Logger } from '../lib/log.js';
import type { ContainerRuntime } from '../node/runtime/index.js';
import { ContainerGC, ImageGC, type ContainerGCPolicy, type ImageGCPolicy } from '../node/kubelet/gc/index.js';
import type { EvictionManager } from '../node/kubelet/eviction/index.js';

export const containerGCPeriodMs = 60_000;
export const imageGCPeriodMs = 5 * 60_000;
export const evictionMonitoringPeriodMs = 10_000;

/** What the kubelet knows about its pods, for deciding what GC may remove. */
export interface KnownPods {
  /** Pods bound to this node as the kubelet's informer has them. */
  pods(): Pod[];
  /** The kubelet still runs (or tears down) a worker for this pod. */
  hasWorker(uid: string): boolean;
}

export interface NodeMaintenanceOptions {
  runtime: ContainerRuntime;
  known: KnownPods;
  eviction: EvictionManager;
  sandboxImage: string;
  podLogsRoot: string;
  containerGC?: Partial<ContainerGCPolicy>;
  imageGC?: Partial<ImageGCPolicy>;
  clock?: Clock;
  log?: Logger;
  /** Periods (tests shorten them). */
  periods?: { containerGCMs?: number; imageGCMs?: number; evictionMs?: number };
}

export class NodeMaintenance {
  readonly containerGC: ContainerGC;
  readonly imageGC: ImageGC;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly timers: Timer[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly o: NodeMaintenanceOptions) {
    this.clock = o.clock ?? realClock;
    this.log = (o.log ?? nullLogger).child('node-maintenance');
    const byUid = () => new Map(o.known.pods().map((p) => [p.metadata?.uid ?? '', p]));
    this.containerGC = new ContainerGC({
      runtime: o.runtime,
      pods: {
        shouldPodContentBeRemoved: (uid) => !byUid().has(uid) && !o.known.hasWorker(uid),
        shouldPodRuntimeBeRemoved: (uid) => {
          const pod = byUid().get(uid);
          const phase = pod?.status?.phase;
          return !pod || phase === 'Succeeded' || phase === 'Failed';
        },
      },
      policy: o.containerGC,
      podLogsRoot: o.podLogsRoot,
      clock: this.clock,
      log: this.log,
    });
    this.imageGC = new ImageGC({
      runtime: o.runtime,
      sandboxImage: o.sandboxImage,
      policy: o.imageGC,
      clock: this.clock,
      log: this.log,
    });
  }

  start(): void {
    const p = this.o.periods ?? {};
    this.every('container GC', p.containerGCMs ?? containerGCPeriodMs, () => this.collectContainers());
    this.every('image GC', p.imageGCMs ?? imageGCPeriodMs, () => this.collectImages());
    this.every('eviction', p.evictionMs ?? evictionMonitoringPeriodMs, () => this.observe());
  }

  async collectContainers(): Promise<void> {
    const r = await this.containerGC.garbageCollect(true);
    const n = r.removedContainers.length + r.removedSandboxes.length + r.removedLogDirs.length;
    if (n > 0) this.log.info('container GC', { ...r });
  }

  async collectImages(): Promise<void> {
    const r = await this.imageGC.garbageCollect();
    if (r.removed.length > 0) this.log.info('image GC', { ...r });
  }

  /** One eviction-manager cycle: observe; under disk pressure reclaim node-level resources. */
  async observe(): Promise<void> {
    this.o.eviction.observe();
    const signal = this.o.eviction.diskSignalToReclaim();
    if (!signal) return;
    this.log.warn('disk pressure: reclaiming node-level resources', { signal });
    await this.containerGC.garbageCollect(true, true);
    await this.imageGC.deleteUnusedImages();
  }

  private every(name: string, periodMs: number, fn: () => Promise<void>): void {
    this.timers.push(
      this.clock.setInterval(() => {
        if (this.stopped || this.running.has(name)) return;
        const run = fn()
          .catch((err: unknown) => this.log.warn(`${name} failed`, { err }))
          .finally(() => this.running.delete(name));
        this.running.set(name, run);
      }, periodMs),
    );
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Stops the timers and waits for runs in progress. */
  async dispose(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    await this.idle();
  }
}

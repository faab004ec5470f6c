/**
 * The kubelet's periodic garbage collection: containers every minute and
 * images every five minutes (upstream ContainerGCPeriod and ImageGCPeriod),
 * plus the node-level reclaim the eviction manager asks for under disk
 * pressure (dead containers of terminated pods too, then every unused image).
 * Runs of one kind never overlap; a failed run is logged and retried at the
 * next period. The sandbox image is never collected (ImageGC pins it).
 */
import { realClock, type Clock, type Timer } from '../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../lib/log.js';
import type { ContainerRuntime } from '../../runtime/index.js';
import { ContainerGC, type ContainerGCPolicy, type PodStateProvider } from './container-gc.js';
import { ImageGC, type ImageGCPolicy } from './image-gc.js';

export const containerGCPeriodMs = 60_000;
export const imageGCPeriodMs = 5 * 60_000;

export interface GarbageCollectorOptions {
  runtime: ContainerRuntime;
  pods: PodStateProvider;
  /** The sandbox image (`--pod-infra-container-image`), never removed. */
  sandboxImage: string;
  podLogsRoot: string;
  containerGC?: Partial<ContainerGCPolicy>;
  imageGC?: Partial<ImageGCPolicy>;
  /** Periods (tests shorten them). */
  periods?: { containerGCMs?: number; imageGCMs?: number };
  clock?: Clock;
  log?: Logger;
}

export class GarbageCollector {
  readonly containerGC: ContainerGC;
  readonly imageGC: ImageGC;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly timers: Timer[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly o: GarbageCollectorOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? nullLogger;
    this.containerGC = new ContainerGC({
      runtime: o.runtime,
      pods: o.pods,
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

  /** Node-level reclaim under disk pressure (upstream DeleteAllUnusedContainers, DeleteUnusedImages). */
  async reclaimDisk(): Promise<void> {
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

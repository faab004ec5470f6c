import type { Clock, Timer } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import type { Storage } from './interface.js';

export interface AutoCompactorOptions {
  /** How often to compact; each run compacts to the revision seen one interval earlier. */
  intervalMs: number;
  clock: Clock;
  logger?: Logger;
}

/** Default retention, as kube-apiserver's `--etcd-compaction-interval`. */
export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60 * 1000;

/**
 * Periodic compaction in the style of kube-apiserver: every interval it
 * compacts to the revision it observed at the previous tick, so at least one
 * interval of history (watch resume window) is always kept.
 */
export class AutoCompactor implements Disposable {
  private timer: Timer | undefined;
  private lastSeen = 0;
  private running: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly storage: Pick<Storage, 'currentRevision' | 'compact' | 'compactedRevision'>,
    private readonly opts: AutoCompactorOptions,
  ) {
    this.logger = opts.logger ?? nullLogger;
  }

  start(): this {
    if (this.opts.intervalMs > 0 && !this.timer) {
      this.timer = this.opts.clock.setInterval(() => void this.tick(), this.opts.intervalMs);
    }
    return this;
  }

  /** One compaction round (exposed for tests and for the apiserver's manual trigger). */
  tick(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    try {
      const target = this.lastSeen;
      this.lastSeen = await this.storage.currentRevision();
      if (target > 0 && target > (await this.storage.compactedRevision())) {
        await this.storage.compact(target);
        this.logger.info('compacted', { revision: target });
      }
    } catch (err) {
      this.logger.warn('compaction failed', { err });
    }
  }

  async dispose(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    await this.running;
  }
}

/**
 * Image garbage collection (upstream `images/image_gc_manager.go`). Every
 * detection records each image's first sighting and, for images a container
 * (of any state) uses, "last used = now". When the image filesystem is at
 * least `highThresholdPercent` full, unused images are removed — least
 * recently used first, none younger than `minAgeMs` — until usage is down to
 * `lowThresholdPercent`. The sandbox (pause) image and images the runtime
 * pins are never removed. Time comes from the injected clock.
 */
import { statfs } from 'node:fs/promises';
import { realClock, type Clock } from '../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../lib/log.js';
import type { ContainerRuntime } from '../../runtime/index.js';

export interface ImageGCPolicy {
  /** `--image-gc-high-threshold`; default 85. */
  highThresholdPercent: number;
  /** `--image-gc-low-threshold`; default 80. */
  lowThresholdPercent: number;
  /** `--minimum-image-ttl-duration`; default 2 minutes. */
  minAgeMs: number;
  /** `--image-maximum-gc-age`: unused this long, removed whatever the disk usage; 0 (default) disables. */
  maxAgeMs: number;
}

export const defaultImageGCPolicy: ImageGCPolicy = {
  highThresholdPercent: 85,
  lowThresholdPercent: 80,
  minAgeMs: 2 * 60_000,
  maxAgeMs: 0,
};

export interface ImageFsUsage {
  capacityBytes: number;
  availableBytes: number;
}

export interface ImageGCOptions {
  runtime: ContainerRuntime;
  /** The sandbox image (`--pod-infra-container-image`), never removed. */
  sandboxImage: string;
  policy?: Partial<ImageGCPolicy>;
  /** Capacity and free space of the image filesystem; default statfs of the runtime's image store. */
  imageFsUsage?: () => Promise<ImageFsUsage>;
  clock?: Clock;
  log?: Logger;
}

interface ImageRecord {
  firstDetected: number;
  lastUsed: number;
  size: number;
  tags: string[];
}

export interface ImageGCResult {
  removed: string[];
  freedBytes: number;
}

export class ImageGC {
  readonly policy: ImageGCPolicy;
  private readonly records = new Map<string, ImageRecord>();
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly opts: ImageGCOptions) {
    this.policy = { ...defaultImageGCPolicy, ...opts.policy };
    if (this.policy.lowThresholdPercent > this.policy.highThresholdPercent) {
      throw new Error(
        `LowThresholdPercent ${this.policy.lowThresholdPercent} can not be higher than HighThresholdPercent ${this.policy.highThresholdPercent}`,
      );
    }
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
  }

  /** What detection knows of an image (for tests and metrics). */
  record(id: string): Readonly<ImageRecord> | undefined {
    return this.records.get(id);
  }

  /** Refreshes the records; returns the IDs of images in use (including pinned and the sandbox image). */
  async detectImages(now = this.clock.now()): Promise<Set<string>> {
    const rt = this.opts.runtime;
    const [images, containers, sandbox] = await Promise.all([
      rt.listImages(),
      rt.listContainers(),
      rt.imageStatus(this.opts.sandboxImage).catch(() => null),
    ]);
    const inUse = new Set<string>();
    for (const c of containers) inUse.add(c.imageRef || c.image);
    if (sandbox) inUse.add(sandbox.id);
    const present = new Set<string>();
    for (const img of images) {
      present.add(img.id);
      if (img.pinned || img.repoTags.includes(this.opts.sandboxImage)) inUse.add(img.id);
      const rec = this.records.get(img.id) ?? { firstDetected: now, lastUsed: 0, size: 0, tags: [] };
      rec.size = img.size;
      rec.tags = img.repoTags;
      // Containers may name an image by tag rather than ID.
      if (inUse.has(img.id) || img.repoTags.some((t) => inUse.has(t))) {
        inUse.add(img.id);
        rec.lastUsed = now;
      }
      this.records.set(img.id, rec);
    }
    for (const id of this.records.keys()) if (!present.has(id)) this.records.delete(id);
    return inUse;
  }

  private async usage(): Promise<ImageFsUsage> {
    if (this.opts.imageFsUsage) return this.opts.imageFsUsage();
    const info = await this.opts.runtime.cri.imageFsInfo();
    const mount = info.imageFilesystems[0]?.fsId?.mountpoint;
    if (!mount) throw new Error('the runtime reported no image filesystem');
    const s = await statfs(mount);
    return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
  }

  /** Unused images in removal order: least recently used first, then first detected. */
  private candidates(freeTime: number, inUse: Set<string>): [string, ImageRecord][] {
    return [...this.records]
      .filter(([id, r]) => !inUse.has(id) && r.lastUsed < freeTime)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected);
  }

  /** Removes unused images old enough until `bytesToFree` are freed (Infinity: all of them). */
  private async freeSpace(bytesToFree: number, freeTime: number, inUse: Set<string>): Promise<ImageGCResult> {
    const result: ImageGCResult = { removed: [], freedBytes: 0 };
    const errors: string[] = [];
    for (const [id, r] of this.candidates(freeTime, inUse)) {
      if (freeTime - r.firstDetected < this.policy.minAgeMs) continue;
      try {
        await this.opts.runtime.removeImage(id);
      } catch (err) {
        errors.push(String((err as Error).message ?? err));
        continue;
      }
      this.records.delete(id);
      result.removed.push(id);
      result.freedBytes += r.size;
      if (result.freedBytes >= bytesToFree) break;
    }
    if (errors.length > 0) {
      throw new Error(
        `wanted to free ${bytesToFree} bytes, but freed ${result.freedBytes} bytes space with errors in image deletion: ${errors.join(', ')}`,
      );
    }
    return result;
  }

  /** One collection (the kubelet runs it every 5 minutes). */
  async garbageCollect(): Promise<ImageGCResult> {
    const freeTime = this.clock.now();
    const inUse = await this.detectImages(freeTime);
    const result: ImageGCResult = { removed: [], freedBytes: 0 };
    if (this.policy.maxAgeMs > 0) {
      for (const [id, r] of this.candidates(freeTime, inUse)) {
        if (freeTime - Math.max(r.lastUsed, r.firstDetected) < this.policy.maxAgeMs) continue;
        await this.opts.runtime.removeImage(id);
        this.records.delete(id);
        result.removed.push(id);
        result.freedBytes += r.size;
      }
    }
    const { capacityBytes: capacity, availableBytes } = await this.usage();
    const available = Math.min(availableBytes, capacity);
    if (capacity <= 0) throw new Error('invalid capacity 0 on image filesystem');
    const usagePercent = 100 - Math.floor((available * 100) / capacity);
    if (usagePercent < this.policy.highThresholdPercent) return result;
    const amountToFree = Math.floor((capacity * (100 - this.policy.lowThresholdPercent)) / 100) - available;
    this.log.info('image filesystem over the high threshold; freeing images', {
      usagePercent,
      amountToFree,
    });
    const freed = await this.freeSpace(amountToFree, freeTime, inUse);
    result.removed.push(...freed.removed);
    result.freedBytes += freed.freedBytes;
    if (freed.freedBytes < amountToFree) {
      throw new Error(
        `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed.freedBytes} bytes eligible to free.`,
      );
    }
    return result;
  }

  /** Removes every unused image old enough (node-level reclaim under disk pressure). */
  async deleteUnusedImages(): Promise<ImageGCResult> {
    const freeTime = this.clock.now();
    const inUse = await this.detectImages(freeTime);
    return this.freeSpace(Infinity, freeTime, inUse);
  }
}

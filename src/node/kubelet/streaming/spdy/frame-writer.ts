/**
 * The outgoing side of a SPDY session: frames leave in the order they are
 * queued. Header-bearing frames are produced asynchronously (they wait for
 * the session's shared compressor), so anything queued behind one waits too;
 * while nothing is pending, frames are written straight through.
 */
import type { Duplex } from 'node:stream';

export type FrameSource = Buffer | (() => Promise<Buffer>);

export class FrameWriter {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly transport: Duplex,
    /** Called when producing a frame failed (the session cannot continue). */
    private readonly onError: (err: Error) => void,
    /** Called for every frame written. */
    private readonly onWrite: () => void = () => {},
  ) {}

  enqueue(frame: FrameSource): void {
    if (this.pending === 0 && Buffer.isBuffer(frame)) {
      this.write(frame);
      return;
    }
    this.pending++;
    this.chain = this.chain.then(async () => {
      try {
        this.write(Buffer.isBuffer(frame) ? frame : await frame());
      } catch (err) {
        this.onError(err instanceof Error ? err : new Error(String(err)));
      } finally {
        this.pending--;
      }
    });
  }

  /** Whether frames are waiting to be produced, or the transport is above its high-water mark. */
  get backedUp(): boolean {
    return this.pending > 0 || this.transport.writableNeedDrain;
  }

  /** Resolves once queued frames are written and the transport is below its high-water mark (or gone). */
  async flushed(): Promise<void> {
    await this.chain;
    if (!this.transport.writableNeedDrain || this.transport.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.transport.off('drain', done);
        this.transport.off('close', done);
        resolve();
      };
      this.transport.on('drain', done);
      this.transport.on('close', done);
    });
  }

  private write(buf: Buffer): void {
    if (this.transport.destroyed || !this.transport.writable) return;
    this.onWrite();
    this.transport.write(buf);
  }
}

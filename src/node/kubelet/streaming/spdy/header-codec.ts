/**
 * SPDY/3 header compression: each direction of a session is one zlib stream
 * (seeded with the SPDY/3 dictionary) in which every header block is a
 * sync-flushed segment. The contexts therefore live as long as the session
 * and blocks must be processed strictly in frame order; calls are serialized
 * here so callers may overlap them safely.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';

/**
 * One zlib transform with a permanent output sink, so nothing it emits can be
 * lost between calls; `run` resolves with the output of one sync-flushed input.
 */
class FlushedZlib {
  private out: Buffer[] = [];
  private failure: Error | undefined;

  constructor(private readonly z: Deflate | Inflate) {
    z.on('data', (c: Buffer) => this.out.push(c));
    z.on('error', (err: Error) => (this.failure ??= err));
  }

  run(input: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      // A corrupt stream errors (and destroys) the transform; the flush callback may then never run.
      const onError = (err: Error) => reject(err);
      this.z.once('error', onError);
      this.z.write(input);
      this.z.flush(constants.Z_SYNC_FLUSH, () => {
        // The flush callback runs once the flushed output has been pushed; a
        // turn of the event loop lets any 'data' still queued be delivered first.
        setImmediate(() => {
          this.z.off('error', onError);
          const out = Buffer.concat(this.out);
          this.out = [];
          if (this.failure) reject(this.failure);
          else resolve(out);
        });
      });
    });
  }

  close(): void {
    this.z.close();
  }
}

export class HeaderCodec {
  private readonly deflater: FlushedZlib;
  private readonly inflater: FlushedZlib;
  private compressChain: Promise<unknown> = Promise.resolve();
  private decompressChain: Promise<unknown> = Promise.resolve();
  private readonly maxBlock: number;

  /** `maxHeaderBlock` bounds a decompressed header block (a zip bomb ends the session instead of memory). */
  constructor(opts: { level?: number; maxHeaderBlock?: number } = {}) {
    const level = opts.level ?? constants.Z_DEFAULT_COMPRESSION;
    this.deflater = new FlushedZlib(createDeflate({ dictionary: SPDY3_DICTIONARY, level }));
    this.inflater = new FlushedZlib(createInflate({ dictionary: SPDY3_DICTIONARY }));
    this.maxBlock = opts.maxHeaderBlock ?? 1024 * 1024;
  }

  compress(block: Buffer): Promise<Buffer> {
    const p = this.compressChain.then(() => this.deflater.run(block));
    this.compressChain = p.catch(() => {});
    return p;
  }

  decompress(data: Buffer): Promise<Buffer> {
    const p = this.decompressChain.then(async () => {
      const out = await this.inflater.run(data);
      if (out.length > this.maxBlock) throw new Error(`header block of ${out.length} bytes exceeds the limit`);
      return out;
    });
    this.decompressChain = p.catch(() => {});
    return p;
  }

  close(): void {
    this.deflater.close();
    this.inflater.close();
  }
}

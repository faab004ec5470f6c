import { StorageError } from '../interface.js';

/**
 * A read-only reader for bbolt files (etcd's backend database, which is what
 * an etcd snapshot contains). Only what restoring needs: find the newest valid
 * meta page, and walk a top-level bucket's B+tree in key order.
 *
 * Format (go.etcd.io/bbolt, little-endian): every page starts with a 16-byte
 * header {id u64, flags u16, count u16, overflow u32}. Pages 0 and 1 are meta
 * pages {magic, version, pageSize, flags, root bucket {root pgid, sequence},
 * freelist, pgid, txid, checksum (FNV-1a 64 of the preceding 56 bytes)}.
 * Branch elements are {pos u32, ksize u32, pgid u64}; leaf elements are
 * {flags u32, pos u32, ksize u32, vsize u32}, with `pos` relative to the
 * element. A leaf element with flag 1 is a nested bucket whose value is a
 * bucket header {root pgid u64, sequence u64}; root 0 means the bucket's page
 * is stored inline right after that header.
 */

const MAGIC = 0xed0cdaed;
const BRANCH = 0x01;
const LEAF = 0x02;
const BUCKET_LEAF = 0x01;
const HEADER = 16;
const ELEMENT = 16;

function fnv1a64(buf: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of buf) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

export interface BoltEntry {
  key: Buffer;
  value: Buffer;
}

export class BoltReader {
  readonly pageSize: number;
  private readonly rootPage: number;

  constructor(
    private readonly buf: Buffer,
    private readonly name = 'bolt file',
  ) {
    const metas = [0, 1]
      .map((i) => this.readMeta(i))
      .filter((m): m is NonNullable<typeof m> => m !== undefined)
      .sort((a, b) => (b.txid > a.txid ? 1 : b.txid < a.txid ? -1 : 0));
    if (metas.length === 0) throw this.corrupt('no valid meta page (not a bbolt database)');
    this.pageSize = metas[0].pageSize;
    this.rootPage = metas[0].root;
  }

  private corrupt(detail: string): StorageError {
    return new StorageError('Corrupt', `${this.name}: ${detail}`);
  }

  private readMeta(index: number): { pageSize: number; root: number; txid: bigint } | undefined {
    // Meta page 1 sits at pageSize; pageSize is read from meta 0 (or assumed 4096 if it is damaged).
    const size0 = this.buf.length >= 32 ? this.buf.readUInt32LE(HEADER + 8) : 4096;
    const off = index === 0 ? 0 : size0 > 0 && size0 <= 65536 ? size0 : 4096;
    if (off + HEADER + 64 > this.buf.length) return undefined;
    const m = off + HEADER;
    if (this.buf.readUInt32LE(m) !== MAGIC || this.buf.readUInt32LE(m + 4) !== 2) return undefined;
    if (fnv1a64(this.buf.subarray(m, m + 56)) !== this.buf.readBigUInt64LE(m + 56)) return undefined;
    return {
      pageSize: this.buf.readUInt32LE(m + 8),
      root: Number(this.buf.readBigUInt64LE(m + 16)),
      txid: this.buf.readBigUInt64LE(m + 48),
    };
  }

  /** Names of the top-level buckets. */
  buckets(): string[] {
    const out: string[] = [];
    this.walk(this.pageOffset(this.rootPage), (key, _v, flags) => {
      if (flags & BUCKET_LEAF) out.push(key.toString('latin1'));
    });
    return out;
  }

  /** Calls `fn` for every key/value of top-level bucket `name` in key order (nested buckets skipped). */
  forEach(name: string, fn: (key: Buffer, value: Buffer) => void): boolean {
    let found = false;
    this.walk(this.pageOffset(this.rootPage), (key, value, flags) => {
      if (!(flags & BUCKET_LEAF) || key.toString('latin1') !== name) return;
      found = true;
      const root = Number(value.readBigUInt64LE(0));
      const start = root === 0 ? value.byteOffset - this.buf.byteOffset + 16 : this.pageOffset(root);
      this.walk(start, (k, v, f) => {
        if (!(f & BUCKET_LEAF)) fn(k, v);
      });
    });
    return found;
  }

  private pageOffset(pgid: number): number {
    const off = pgid * this.pageSize;
    if (off + HEADER > this.buf.length) throw this.corrupt(`page ${pgid} is beyond the end of the file`);
    return off;
  }

  private walk(off: number, fn: (key: Buffer, value: Buffer, flags: number) => void, depth = 0): void {
    if (depth > 64) throw this.corrupt('B+tree too deep (cycle?)');
    const flags = this.buf.readUInt16LE(off + 8);
    const count = this.buf.readUInt16LE(off + 10);
    for (let i = 0; i < count; i++) {
      const e = off + HEADER + i * ELEMENT;
      if (flags & BRANCH) {
        this.walk(this.pageOffset(Number(this.buf.readBigUInt64LE(e + 8))), fn, depth + 1);
      } else if (flags & LEAF) {
        const eflags = this.buf.readUInt32LE(e);
        const pos = e + this.buf.readUInt32LE(e + 4);
        const ksize = this.buf.readUInt32LE(e + 8);
        const vsize = this.buf.readUInt32LE(e + 12);
        if (pos + ksize + vsize > this.buf.length) throw this.corrupt(`leaf element out of bounds at ${e}`);
        fn(this.buf.subarray(pos, pos + ksize), this.buf.subarray(pos + ksize, pos + ksize + vsize), eflags);
      } else {
        throw this.corrupt(`unexpected page type 0x${flags.toString(16)} at offset ${off}`);
      }
    }
  }
}

import { badRequest } from '../../errors/status-error.js';

/**
 * Protocol buffers wire format (https://protobuf.dev/programming-guides/encoding/):
 * the subset Kubernetes' generated.proto messages use — varints, 64-bit fixed
 * (double), length-delimited fields, and groups only to skip them. Readers throw
 * StatusError BadRequest with the messages gogo-protobuf's generated unmarshalers
 * produce (`unexpected EOF`, `proto: integer overflow`, ...), so a truncated or
 * hostile body never surfaces as a RangeError.
 */
export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export const unexpectedEOF = () => badRequest('unexpected EOF');

export class ProtoReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    public end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** An unsigned varint as a float64 (exact up to 2^53). */
  uint64(): number {
    const { lo, hi } = this.varint();
    return hi * TWO_32 + lo;
  }

  /** A two's-complement int64 varint (exact up to ±2^53). */
  int64(): number {
    const { lo, hi } = this.varint();
    return (hi | 0) * TWO_32 + lo;
  }

  /** Go truncates an int64 varint to its low 32 bits for int32 fields. */
  int32(): number {
    return this.varint().lo | 0;
  }

  bool(): boolean {
    const { lo, hi } = this.varint();
    return lo !== 0 || hi !== 0;
  }

  /** A field key: [field number, wire type]. */
  tag(): [number, number] {
    const { lo, hi } = this.varint();
    // Field numbers are at most 2^29-1, so a key fits in 32 bits.
    if (hi !== 0) throw badRequest('proto: integer overflow');
    return [lo >>> 3, lo & 7];
  }

  double(): number {
    if (this.pos + 8 > this.end) throw unexpectedEOF();
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  /** The bounds of a length-delimited payload, leaving pos after it. */
  span(): [number, number] {
    const len = this.uint64();
    if (len > Number.MAX_SAFE_INTEGER) throw badRequest('proto: negative length found during unmarshaling');
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw unexpectedEOF();
    this.pos = end;
    return [start, end];
  }

  bytes(): Uint8Array {
    const [start, end] = this.span();
    return this.buf.subarray(start, end);
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  /** Skips one field value of the given wire type (groups included, iteratively). */
  skip(wireType: number): void {
    let depth = 0;
    for (;;) {
      switch (wireType) {
        case WireType.Varint:
          this.varint();
          break;
        case WireType.Fixed64:
          this.advance(8);
          break;
        case WireType.Bytes:
          this.span();
          break;
        case WireType.Fixed32:
          this.advance(4);
          break;
        case WireType.StartGroup:
          depth++;
          break;
        case WireType.EndGroup:
          if (depth === 0) throw badRequest('proto: unexpected end group');
          depth--;
          break;
        default:
          throw badRequest(`proto: illegal wireType ${wireType}`);
      }
      if (depth === 0) return;
      if (this.done) throw unexpectedEOF();
      wireType = this.tag()[1];
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw unexpectedEOF();
    this.pos += n;
  }

  private varint(): { lo: number; hi: number } {
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (i >= 10) throw badRequest('proto: integer overflow');
      if (this.pos >= this.end) throw unexpectedEOF();
      const b = this.buf[this.pos++];
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) return { lo: lo >>> 0, hi: hi >>> 0 };
    }
  }
}

/** A growable buffer that writes fields in the order they are given. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  tag(field: number, wireType: WireType): this {
    return this.uint32(((field << 3) | wireType) >>> 0);
  }

  uint32(n: number): this {
    this.ensure(5);
    while (n > 0x7f) {
      this.buf[this.len++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.len++] = n;
    return this;
  }

  /** Any integer as a two's-complement 64-bit varint (negative → 10 bytes, as Go writes). */
  int64(n: number): this {
    if (n >= 0 && n <= 0xffffffff) return this.uint32(n);
    let v = BigInt.asUintN(64, BigInt(n));
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  bool(b: boolean): this {
    return this.uint32(b ? 1 : 0);
  }

  double(n: number): this {
    this.ensure(8);
    new DataView(this.buf.buffer, this.len, 8).setFloat64(0, n, true);
    this.len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.uint32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  string(s: string): this {
    return this.bytes(utf8Encoder.encode(s));
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/**
 * SPDY/3.1 framing (draft-mbelshe-httpbis-spdy §2.2, §2.6 and the 3.1 flow
 * control changes): the frame layouts, an incremental reader that cuts a byte
 * stream into frames, and the (uncompressed) name/value header block. Header
 * compression is header-codec.ts; stream and session semantics session.ts.
 */

export const SPDY_VERSION = 3;

export const FrameType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

export const Flag = { fin: 0x01, unidirectional: 0x02, clearSettings: 0x01 } as const;

/** RST_STREAM status codes. */
export const RstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { ok: 0, protocolError: 1, internalError: 2 } as const;

/** SETTINGS ids (SPDY/3 §2.6.4). */
export const SettingsId = {
  maxConcurrentStreams: 4,
  initialWindowSize: 7,
} as const;

export const MAX_DATA_LENGTH = 0xffffff;

/** Headers as received: lower-case names, values split at NUL into lists. */
export type HeaderBlock = Map<string, string[]>;

export type SpdyFrame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'synStream'; flags: number; streamId: number; associatedTo: number; priority: number; block: Buffer }
  | { type: 'synReply'; flags: number; streamId: number; block: Buffer }
  | { type: 'headers'; flags: number; streamId: number; block: Buffer }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number };

/** A session-level framing violation (answered with GOAWAY PROTOCOL_ERROR). */
export class SpdyProtocolError extends Error {
  override name = 'SpdyProtocolError';
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.allocUnsafe(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([head, body]);
}

const u32 = (...values: number[]): Buffer => {
  const b = Buffer.allocUnsafe(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
};

export function encodeData(streamId: number, data: Buffer, fin: boolean): Buffer {
  if (data.length > MAX_DATA_LENGTH) throw new RangeError('data frame over 16 MiB');
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((fin ? Flag.fin : 0) << 24) | data.length, 4);
  return Buffer.concat([head, data]);
}

/** `block` is the already-compressed header block. */
export function encodeSynStream(
  streamId: number,
  block: Buffer,
  opts: { fin?: boolean; unidirectional?: boolean; associatedTo?: number; priority?: number } = {},
): Buffer {
  const flags = (opts.fin ? Flag.fin : 0) | (opts.unidirectional ? Flag.unidirectional : 0);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt32BE(streamId & 0x7fffffff, 0);
  fixed.writeUInt32BE((opts.associatedTo ?? 0) & 0x7fffffff, 4);
  fixed[8] = ((opts.priority ?? 0) & 0x7) << 5;
  return controlFrame(FrameType.synStream, flags, Buffer.concat([fixed, block]));
}

export function encodeSynReply(streamId: number, block: Buffer, fin = false): Buffer {
  return controlFrame(FrameType.synReply, fin ? Flag.fin : 0, Buffer.concat([u32(streamId & 0x7fffffff), block]));
}

export function encodeHeaders(streamId: number, block: Buffer, fin = false): Buffer {
  return controlFrame(FrameType.headers, fin ? Flag.fin : 0, Buffer.concat([u32(streamId & 0x7fffffff), block]));
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  return controlFrame(FrameType.rstStream, 0, u32(streamId & 0x7fffffff, status));
}

export function encodeSettings(entries: { id: number; value: number; flags?: number }[], clear = false): Buffer {
  const body = Buffer.allocUnsafe(4 + 8 * entries.length);
  body.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    body.writeUInt32BE((((e.flags ?? 0) & 0xff) << 24) | (e.id & 0xffffff), 4 + 8 * i);
    body.writeUInt32BE(e.value >>> 0, 8 + 8 * i);
  });
  return controlFrame(FrameType.settings, clear ? Flag.clearSettings : 0, body);
}

export function encodePing(id: number): Buffer {
  return controlFrame(FrameType.ping, 0, u32(id));
}

export function encodeGoAway(lastGoodStreamId: number, status: number): Buffer {
  return controlFrame(FrameType.goAway, 0, u32(lastGoodStreamId & 0x7fffffff, status));
}

export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  return controlFrame(FrameType.windowUpdate, 0, u32(streamId & 0x7fffffff, delta & 0x7fffffff));
}

/** The uncompressed name/value block: a count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: Record<string, string | readonly string[]> | HeaderBlock): Buffer {
  const entries = headers instanceof Map ? [...headers.entries()] : Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(typeof value === 'string' ? value : value.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses an uncompressed header block; names are lower-cased, repeated names merge. */
export function decodeHeaderBlock(block: Buffer): HeaderBlock {
  const fail = () => {
    throw new SpdyProtocolError('malformed header block');
  };
  if (block.length < 4) fail();
  const count = block.readUInt32BE(0);
  let off = 4;
  const out: HeaderBlock = new Map();
  const take = (): string => {
    if (off + 4 > block.length) fail();
    const len = block.readUInt32BE(off);
    off += 4;
    if (off + len > block.length) fail();
    const s = block.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    const values = take().split('\0');
    out.set(name, [...(out.get(name) ?? []), ...values]);
  }
  return out;
}

/**
 * Cuts a byte stream into frames. Control frames of unknown type are returned
 * as `unknown` (SPDY says ignore them); malformed known frames throw.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameSize = MAX_DATA_LENGTH) {}

  push(chunk: Buffer): SpdyFrame[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: SpdyFrame[] = [];
    while (this.buffered >= 8) {
      if (this.chunks[0].length < 8) this.chunks = [Buffer.concat(this.chunks)];
      const head = this.chunks[0];
      const length = head.readUInt32BE(4) & 0xffffff;
      if (length > this.maxFrameSize) throw new SpdyProtocolError(`frame of ${length} bytes exceeds the limit`);
      if (this.buffered < 8 + length) break;
      if (head.length < 8 + length) this.chunks = [Buffer.concat(this.chunks)];
      const all = this.chunks[0];
      const frame = all.subarray(0, 8 + length);
      if (all.length === frame.length) this.chunks.shift();
      else this.chunks[0] = all.subarray(frame.length);
      this.buffered -= frame.length;
      out.push(parseFrame(frame));
    }
    return out;
  }
}

function parseFrame(f: Buffer): SpdyFrame {
  const flags = f[4];
  const body = f.subarray(8);
  if ((f[0] & 0x80) === 0) {
    const streamId = f.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) throw new SpdyProtocolError('data frame on stream 0');
    return { type: 'data', streamId, flags, data: Buffer.from(body) };
  }
  const version = f.readUInt16BE(0) & 0x7fff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const type = f.readUInt16BE(2);
  const need = (n: number) => {
    if (body.length < n) throw new SpdyProtocolError(`control frame type ${type} too short`);
  };
  const sid = (off: number) => body.readUInt32BE(off) & 0x7fffffff;
  switch (type) {
    case FrameType.synStream:
      need(10);
      return {
        type: 'synStream',
        flags,
        streamId: sid(0),
        associatedTo: sid(4),
        priority: body[8] >> 5,
        block: Buffer.from(body.subarray(10)),
      };
    case FrameType.synReply:
      need(4);
      return { type: 'synReply', flags, streamId: sid(0), block: Buffer.from(body.subarray(4)) };
    case FrameType.headers:
      need(4);
      return { type: 'headers', flags, streamId: sid(0), block: Buffer.from(body.subarray(4)) };
    case FrameType.rstStream:
      need(8);
      return { type: 'rstStream', streamId: sid(0), status: body.readUInt32BE(4) };
    case FrameType.settings: {
      need(4);
      const n = body.readUInt32BE(0);
      need(4 + 8 * n);
      const entries = [];
      for (let i = 0; i < n; i++) {
        const w = body.readUInt32BE(4 + 8 * i);
        entries.push({ flags: w >>> 24, id: w & 0xffffff, value: body.readUInt32BE(8 + 8 * i) });
      }
      return { type: 'settings', flags, entries };
    }
    case FrameType.ping:
      need(4);
      return { type: 'ping', id: body.readUInt32BE(0) };
    case FrameType.goAway:
      need(8);
      return { type: 'goAway', lastGoodStreamId: sid(0), status: body.readUInt32BE(4) };
    case FrameType.windowUpdate:
      need(8);
      return { type: 'windowUpdate', streamId: sid(0), delta: body.readUInt32BE(4) & 0x7fffffff };
    default:
      return { type: 'unknown', frameType: type };
  }
}

/**
 * RFC 6455 §5 framing: encoding frames and an incremental parser that turns a
 * byte stream into frames. Message assembly (fragmentation), control-frame
 * semantics and the close handshake live in connection.ts; this file only
 * knows the wire layout and the per-frame rules a receiver must enforce.
 */
import { randomFillSync } from 'node:crypto';

export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

/** Close status codes used by this implementation (RFC 6455 §7.4.1). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  noStatus: 1005,
  abnormal: 1006,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
} as const;

export interface Frame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** A violation of the framing rules; `code` is the close code to fail the connection with. */
export class WebSocketProtocolError extends Error {
  override name = 'WebSocketProtocolError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const isControlOpcode = (op: number): boolean => (op & 0x8) !== 0;

/** Whether a code may appear in a received close frame (RFC 6455 §7.4.1, §7.4.2). */
export function isValidCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

function applyMask(data: Buffer, mask: Buffer): void {
  for (let i = 0; i < data.length; i++) data[i] ^= mask[i & 3];
}

/**
 * One frame on the wire. Clients must mask (a fresh random key per frame);
 * servers must not. The payload is copied when masked, never mutated.
 */
export function encodeFrame(opcode: number, payload: Buffer, opts: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const fin = opts.fin ?? true;
  const len = payload.length;
  const extra = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const maskLen = opts.mask ? 4 : 0;
  const header = Buffer.allocUnsafe(2 + extra + maskLen);
  header[0] = (fin ? 0x80 : 0) | opcode;
  const maskBit = opts.mask ? 0x80 : 0;
  if (extra === 0) header[1] = maskBit | len;
  else if (extra === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(len, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!opts.mask) return Buffer.concat([header, payload]);
  const key = header.subarray(2 + extra);
  randomFillSync(key);
  const body = Buffer.from(payload);
  applyMask(body, key);
  return Buffer.concat([header, body]);
}

/** The payload of a close frame: status code then UTF-8 reason (≤ 123 bytes so the frame stays a control frame). */
export function encodeClosePayload(code: number | undefined, reason = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const r = Buffer.from(reason, 'utf8').subarray(0, 123);
  const out = Buffer.allocUnsafe(2 + r.length);
  out.writeUInt16BE(code, 0);
  r.copy(out, 2);
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding (RFC 6455 §8.1: invalid text fails the connection with 1007). */
export function decodeUtf8(data: Buffer): string {
  try {
    return utf8.decode(data);
  } catch {
    throw new WebSocketProtocolError(CloseCode.invalidPayload, 'invalid UTF-8 in text message or close reason');
  }
}

/** Parses a received close payload, enforcing the code/reason rules. */
export function decodeClosePayload(payload: Buffer): { code: number; reason: string } {
  if (payload.length === 0) return { code: CloseCode.noStatus, reason: '' };
  if (payload.length === 1) throw new WebSocketProtocolError(CloseCode.protocolError, 'close frame payload of 1 byte');
  const code = payload.readUInt16BE(0);
  if (!isValidCloseCode(code)) throw new WebSocketProtocolError(CloseCode.protocolError, `invalid close code ${code}`);
  return { code, reason: decodeUtf8(payload.subarray(2)) };
}

export interface FrameParserOptions {
  /** Whether incoming frames must be masked (a server receiving from clients) or must not be (a client). */
  expectMasked: boolean;
  /** Largest single frame payload accepted; larger fails with 1009 before it is buffered. */
  maxPayload: number;
}

/**
 * Incremental frame parser. `push` buffers bytes and returns every complete
 * frame; a framing violation throws WebSocketProtocolError. Unmasking happens
 * here, so consumers see plain payloads.
 */
export class FrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly opts: FrameParserOptions) {}

  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      const f = this.next();
      if (!f) return frames;
      frames.push(f);
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) {
      const all = Buffer.concat(this.chunks);
      this.chunks = [all];
    }
    return this.chunks[0];
  }

  private consume(n: number): Buffer {
    const head = this.peek(n);
    const out = head.subarray(0, n);
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    return out;
  }

  private next(): Frame | undefined {
    if (this.buffered < 2) return undefined;
    const h = this.peek(Math.min(this.buffered, 14));
    const b0 = h[0];
    const b1 = h[1];
    if (b0 & 0x70)
      throw new WebSocketProtocolError(CloseCode.protocolError, 'reserved bits set without a negotiated extension');
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    const masked = (b1 & 0x80) !== 0;
    if (![0, 1, 2, 8, 9, 10].includes(opcode)) {
      throw new WebSocketProtocolError(CloseCode.protocolError, `unknown opcode ${opcode}`);
    }
    if (masked !== this.opts.expectMasked) {
      throw new WebSocketProtocolError(
        CloseCode.protocolError,
        this.opts.expectMasked ? 'client frames must be masked' : 'server frames must not be masked',
      );
    }
    let len = b1 & 0x7f;
    let off = 2;
    if (len === 126) {
      if (this.buffered < 4) return undefined;
      len = h.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (this.buffered < 10) return undefined;
      const big = h.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new WebSocketProtocolError(CloseCode.messageTooBig, 'frame length exceeds the supported size');
      }
      len = Number(big);
      off = 10;
    }
    if (isControlOpcode(opcode)) {
      if (!fin) throw new WebSocketProtocolError(CloseCode.protocolError, 'fragmented control frame');
      if (len > 125) throw new WebSocketProtocolError(CloseCode.protocolError, 'control frame payload over 125 bytes');
    }
    if (len > this.opts.maxPayload) {
      throw new WebSocketProtocolError(CloseCode.messageTooBig, `frame of ${len} bytes exceeds the limit`);
    }
    const total = off + (masked ? 4 : 0) + len;
    if (this.buffered < total) return undefined;
    const raw = this.consume(total);
    const payload = Buffer.from(raw.subarray(off + (masked ? 4 : 0)));
    if (masked) applyMask(payload, raw.subarray(off, off + 4));
    return { fin, opcode, masked, payload };
  }
}

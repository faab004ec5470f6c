/**
 * An open WebSocket (RFC 6455) over a raw Duplex — the socket that an
 * http(s).Server `upgrade` event, or a client upgrade response, hands over.
 * It assembles fragmented messages, answers pings, enforces masking and the
 * message size limit, and runs the close handshake: the server closes TCP
 * after the close frames have crossed, the client waits for that (RFC 6455
 * §7.1.1), and either side gives up after `closeTimeoutMs`.
 *
 * Errors never surface as 'error' events: a protocol violation closes the
 * connection with the matching status code, a transport error closes it with
 * 1006, and `closeInfo` / the 'close' event report what happened.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { realClock, type Clock, type Timer } from '../../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../../lib/log.js';
import { watchIdle, type IdleWatch } from '../idle-watch.js';
import {
  CloseCode,
  FrameParser,
  Opcode,
  WebSocketProtocolError,
  decodeClosePayload,
  decodeUtf8,
  encodeClosePayload,
  encodeFrame,
  isControlOpcode,
  type Frame,
} from './frame.js';

export interface WebSocketConnectionOptions {
  role: 'server' | 'client';
  /** The negotiated subprotocol ('' when none). */
  protocol?: string;
  /** Largest message (all fragments together) accepted; default 32 MiB. Larger closes with 1009. */
  maxMessageSize?: number;
  /** Outgoing messages larger than this are sent as several frames; 0 (default) never fragments. */
  fragmentSize?: number;
  /** How long to wait for the peer to finish the close handshake before dropping TCP; default 5 s. */
  closeTimeoutMs?: number;
  /** Close (1001) after this long without a frame in either direction; 0 (default) never. */
  idleTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export type ReadyState = 'open' | 'closing' | 'closed';

export interface CloseInfo {
  /** The code the peer sent (1005 when its close frame had none, 1006 when no close frame arrived). */
  code: number;
  reason: string;
  /** Whether both close frames crossed before TCP went away. */
  wasClean: boolean;
  /** The protocol or transport error that ended the connection, if any. */
  error?: Error;
}

export interface WebSocketEvents {
  /** A complete data message; `isBinary` is false for (validated UTF-8) text. */
  message: [data: Buffer, isBinary: boolean];
  ping: [data: Buffer];
  pong: [data: Buffer];
  /** The peer started the close handshake (before TCP is gone). */
  closing: [code: number, reason: string];
  /** Emitted once, when the transport is gone. */
  close: [info: CloseInfo];
  /** The transport can take more data after `send` returned false. */
  drain: [];
}

const DEFAULT_MAX_MESSAGE = 32 * 1024 * 1024;

export class WebSocketConnection extends EventEmitter<WebSocketEvents> {
  readonly protocol: string;
  private readonly role: 'server' | 'client';
  private readonly parser: FrameParser;
  private readonly maxMessageSize: number;
  private readonly fragmentSize: number;
  private readonly closeTimeoutMs: number;
  private readonly clock: Clock;
  private readonly log: Logger;

  private state: ReadyState = 'open';
  private closeSent = false;
  private closeReceived: { code: number; reason: string } | undefined;
  private failure: Error | undefined;
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentOpcode = -1;
  private closeTimer: Timer | undefined;
  private readonly idle: IdleWatch;
  private info: CloseInfo | undefined;
  private readonly closed: Promise<CloseInfo>;
  private resolveClosed!: (info: CloseInfo) => void;

  constructor(
    private readonly socket: Duplex,
    head: Buffer | undefined,
    opts: WebSocketConnectionOptions,
  ) {
    super();
    this.role = opts.role;
    this.protocol = opts.protocol ?? '';
    this.maxMessageSize = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE;
    this.fragmentSize = opts.fragmentSize ?? 0;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 5000;
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? nullLogger;
    this.parser = new FrameParser({ expectMasked: this.role === 'server', maxPayload: this.maxMessageSize });
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.idle = watchIdle(this.clock, opts.idleTimeoutMs ?? 0, () => {
      this.log.debug('websocket idle; closing');
      void this.close(CloseCode.goingAway, 'idle timeout');
    });

    const s = socket as Duplex & { setNoDelay?: (v: boolean) => void };
    s.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err: Error) => {
      this.failure ??= err;
      this.log.debug('websocket transport error', { err });
    });
    socket.on('close', () => this.onSocketClose());
    socket.on('drain', () => this.emit('drain'));
    // Bytes that arrived with the upgrade are parsed after the caller has attached listeners.
    if (head && head.length > 0) process.nextTick(() => this.onData(head));
  }

  get readyState(): ReadyState {
    return this.state;
  }

  /** Bytes queued in the transport, not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /** Set once the transport is gone. */
  get closeInfo(): CloseInfo | undefined {
    return this.info;
  }

  /** Resolves when the transport is gone (after `close()`, a peer close, or a failure). */
  whenClosed(): Promise<CloseInfo> {
    return this.closed;
  }

  /**
   * Sends one message (a string goes as text unless `binary` is set). Returns
   * false when the transport buffer is above its high-water mark — wait for
   * 'drain' — or when the connection no longer accepts data (then the message
   * is dropped).
   */
  send(data: Buffer | string, opts: { binary?: boolean } = {}): boolean {
    if (this.state !== 'open' || this.closeSent) return false;
    const binary = opts.binary ?? typeof data !== 'string';
    const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const opcode = binary ? Opcode.binary : Opcode.text;
    const size = this.fragmentSize;
    if (size <= 0 || payload.length <= size) return this.writeFrame(opcode, payload, true);
    let ok = true;
    for (let off = 0; off < payload.length; off += size) {
      const last = off + size >= payload.length;
      ok = this.writeFrame(off === 0 ? opcode : Opcode.continuation, payload.subarray(off, off + size), last);
    }
    return ok;
  }

  ping(data: Buffer = Buffer.alloc(0)): boolean {
    if (this.state !== 'open' || this.closeSent) return false;
    return this.writeFrame(Opcode.ping, data.subarray(0, 125), true);
  }

  pong(data: Buffer = Buffer.alloc(0)): boolean {
    if (this.state !== 'open' || this.closeSent) return false;
    return this.writeFrame(Opcode.pong, data.subarray(0, 125), true);
  }

  /** Starts (or completes) the close handshake; resolves when the transport is gone. */
  close(code: number = CloseCode.normal, reason = ''): Promise<CloseInfo> {
    if (this.state === 'closed') return this.closed;
    this.sendClose(code, reason);
    if (this.closeReceived) this.finishClosing();
    return this.closed;
  }

  /** Drops the transport without a close handshake. */
  terminate(): void {
    this.socket.destroy();
  }

  /** Stops reading from the transport (inbound backpressure). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private writeFrame(opcode: number, payload: Buffer, fin: boolean): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    this.idle.touch();
    return this.socket.write(encodeFrame(opcode, payload, { fin, mask: this.role === 'client' }));
  }

  private sendClose(code: number | undefined, reason: string): void {
    if (this.closeSent) return;
    this.closeSent = true;
    if (this.state === 'open') this.state = 'closing';
    this.writeFrame(Opcode.close, encodeClosePayload(code, reason), true);
    this.armCloseTimer();
  }

  private armCloseTimer(): void {
    if (this.closeTimer) return;
    this.closeTimer = this.clock.setTimeout(() => {
      this.log.debug('websocket close handshake timed out; dropping transport');
      this.socket.destroy();
    }, this.closeTimeoutMs);
  }

  /** Both close frames have crossed: the server drops TCP now, the client waits for it (bounded by the timer). */
  private finishClosing(): void {
    if (this.role === 'server') this.socket.end();
    this.armCloseTimer();
  }

  private fail(err: WebSocketProtocolError): void {
    this.log.debug('websocket protocol error', { err, code: err.code });
    this.failure ??= err;
    this.fragments = [];
    this.sendClose(err.code, err.message);
    // Failing the connection (RFC 6455 §7.1.7): no further frames are processed.
    this.closeReceived ??= { code: CloseCode.abnormal, reason: '' };
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    if (this.closeReceived) return;
    this.idle.touch();
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      if (err instanceof WebSocketProtocolError) return this.fail(err);
      throw err;
    }
    for (const f of frames) {
      if (this.closeReceived) return;
      try {
        this.onFrame(f);
      } catch (err) {
        if (err instanceof WebSocketProtocolError) return this.fail(err);
        throw err;
      }
    }
  }

  private onFrame(f: Frame): void {
    if (isControlOpcode(f.opcode)) {
      if (f.opcode === Opcode.ping) {
        if (!this.closeSent) this.writeFrame(Opcode.pong, f.payload, true);
        this.emit('ping', f.payload);
      } else if (f.opcode === Opcode.pong) {
        this.emit('pong', f.payload);
      } else {
        this.onCloseFrame(f.payload);
      }
      return;
    }
    if (f.opcode === Opcode.continuation) {
      if (this.fragmentOpcode < 0) {
        throw new WebSocketProtocolError(CloseCode.protocolError, 'continuation frame without a message');
      }
    } else if (this.fragmentOpcode >= 0) {
      throw new WebSocketProtocolError(CloseCode.protocolError, 'new message before the previous one finished');
    } else {
      this.fragmentOpcode = f.opcode;
    }
    this.fragmentBytes += f.payload.length;
    if (this.fragmentBytes > this.maxMessageSize) {
      throw new WebSocketProtocolError(CloseCode.messageTooBig, `message exceeds ${this.maxMessageSize} bytes`);
    }
    this.fragments.push(f.payload);
    if (!f.fin) return;
    const data = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments);
    const isBinary = this.fragmentOpcode === Opcode.binary;
    this.fragments = [];
    this.fragmentBytes = 0;
    this.fragmentOpcode = -1;
    if (!isBinary) decodeUtf8(data);
    this.emit('message', data, isBinary);
  }

  private onCloseFrame(payload: Buffer): void {
    const { code, reason } = decodeClosePayload(payload);
    this.closeReceived = { code, reason };
    if (this.state === 'open') this.state = 'closing';
    this.emit('closing', code, reason);
    // Echo the peer's code (RFC 6455 §5.5.1); a code-less close is answered code-less.
    this.sendClose(code === CloseCode.noStatus ? undefined : code, '');
    this.finishClosing();
  }

  private onEnd(): void {
    // The peer will send nothing more; finish our side too.
    if (!this.closeReceived) this.closeReceived = { code: CloseCode.abnormal, reason: '' };
    if (this.socket.writable) this.socket.end();
    this.armCloseTimer();
  }

  private onSocketClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeTimer?.cancel();
    this.idle.cancel();
    const received = this.closeReceived;
    const clean = this.closeSent && received !== undefined && received.code !== CloseCode.abnormal && !this.failure;
    const info: CloseInfo = {
      code: received?.code ?? CloseCode.abnormal,
      reason: received?.reason ?? '',
      wasClean: clean,
    };
    if (this.failure) info.error = this.failure;
    this.info = info;
    this.resolveClosed(info);
    this.emit('close', info);
  }
}

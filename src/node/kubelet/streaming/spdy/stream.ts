/**
 * One SPDY stream as a Duplex: writes become DATA frames (subject to the
 * peer's flow-control window), `end()` sends FIN, a received FIN ends the
 * readable side, RST_STREAM (either way) destroys the stream without an
 * 'error' event (`resetStatus` tells why). Reading the data is what opens our
 * receive window again: WINDOW_UPDATE frames follow consumption, not arrival.
 *
 * A peer's RST_STREAM, or the transport going away, does not take back the
 * data that arrived before it: the Go runtimes' streaming servers (containerd,
 * CRI-O, the kubelet) reset every stream and close the connection right after
 * writing the exit status, so the status and the tail of the output routinely
 * share a TCP read with the reset. Such a stream ends like a FIN (the reader
 * gets the buffered data, then 'end') and is destroyed once read out; writes
 * from then on are dropped without an error, as for a destroyed stream.
 */
import { Duplex } from 'node:stream';
import type { HeaderBlock } from './frames.js';

/** What a stream needs from its session (implemented by SpdySession). */
export interface StreamHost {
  sendData(stream: SpdyStream, data: Buffer, fin: boolean): Promise<void>;
  sendReply(stream: SpdyStream, headers: Record<string, string | string[]>, fin: boolean): void;
  sendReset(stream: SpdyStream, status: number): void;
  /** `bytes` of received data were consumed by the reader. */
  consumed(stream: SpdyStream, bytes: number): void;
  /** The stream may have reached its end state (both halves closed or reset). */
  settle(stream: SpdyStream): void;
}

export class SpdyStream extends Duplex {
  /** Bytes we may still send before the peer opens the window (negative after a SETTINGS shrink). */
  sendWindow: number;
  /** Set when the stream was reset, by either side (an RST_STREAM status code). */
  resetStatus: number | undefined;
  /** Set when we reset the stream (vs the peer). */
  resetLocally = false;
  /** We sent FIN (or the stream is unidirectional from us). */
  localClosed = false;
  /** The peer sent FIN. */
  remoteClosed = false;
  /** For streams we opened: the peer's SYN_REPLY arrived. For peer streams: we sent SYN_REPLY. */
  replied = false;
  /** Consumed bytes not yet granted back to the peer with WINDOW_UPDATE (session bookkeeping). */
  recvUnacked = 0;
  private received = 0;
  private acked = 0;
  /** Reset by the peer or cut off with the transport: writes are dropped, the readable side drains. */
  private gone = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly host: StreamHost,
    /** The stream id (odd when the client opened it, even for the server). */
    readonly id: number,
    /** The stream's headers from SYN_STREAM, lower-case names. */
    readonly headers: HeaderBlock,
    /** Whether this end opened the stream. */
    readonly local: boolean,
    sendWindow: number,
  ) {
    super({ allowHalfOpen: true, emitClose: true, autoDestroy: true });
    this.sendWindow = sendWindow;
  }

  /** The first value of a header (names are case-insensitive). */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  /** Accepts a stream the peer opened (SYN_REPLY). Writing first replies implicitly. */
  reply(headers: Record<string, string | string[]> = {}, fin = false): void {
    if (this.local || this.replied || this.destroyed) return;
    this.replied = true;
    this.host.sendReply(this, headers, fin);
    if (fin) this.localClosed = true;
  }

  /** Aborts the stream in both directions (RST_STREAM, CANCEL by default). */
  reset(status = 5): void {
    if (this.resetStatus !== undefined) return;
    this.resetStatus = status;
    this.resetLocally = true;
    if (!this.localClosed || !this.remoteClosed) this.host.sendReset(this, status);
    this.destroy();
  }

  /** Session side: the peer reset the stream. */
  onReset(status: number): void {
    if (this.resetStatus !== undefined) return;
    this.resetStatus = status;
    this.emit('reset', status);
    this.onGone();
    this.host.settle(this);
  }

  /**
   * Session side: nothing more will arrive or leave (peer reset, transport
   * gone). What was received stays readable; the stream is destroyed after
   * its 'end', which follows at once when nothing is buffered.
   */
  onGone(): void {
    if (this.destroyed || this.gone) return;
    this.gone = true;
    this.wake();
    if (this.readableEnded) return void this.destroy();
    this.once('end', () => this.destroy());
    if (!this.remoteClosed) {
      this.remoteClosed = true;
      this.push(null);
    }
    // Without a reader 'end' is only emitted on a read; with nothing buffered that read ends the stream.
    if (this.readableLength === 0) this.read(0);
  }

  /** Session side: DATA arrived. Returns false when the reader is falling behind. */
  onData(data: Buffer): boolean {
    if (this.remoteClosed || this.destroyed) return true;
    this.received += data.length;
    const ok = this.push(data);
    this.reportConsumption();
    return ok;
  }

  /** Session side: FIN arrived. */
  onRemoteFin(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    this.host.settle(this);
  }

  /** Session side: the window grew (or enforcement changed); wake writers. */
  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `wake` is called or the stream goes away. */
  waitForWindow(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        this.off('close', done);
        resolve();
      };
      this.waiters.add(done);
      this.once('close', done);
    });
  }

  private reportConsumption(): void {
    const consumed = this.received - this.readableLength - this.acked;
    if (consumed > 0) {
      this.acked += consumed;
      this.host.consumed(this, consumed);
    }
  }

  override _read(): void {
    this.reportConsumption();
  }

  // _read alone would miss consumption: node calls it once per push, so data
  // read after the last push would never open the window again and a sender
  // waiting for it would stall. Every read (flowing mode, async iteration,
  // pipe) goes through read(); accounting there keeps the window honest.
  override read(size?: number): Buffer | null {
    const chunk = super.read(size) as Buffer | null;
    if (chunk !== null) this.reportConsumption();
    return chunk;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.gone) return cb();
    if (this.resetStatus !== undefined) return cb(new Error(`stream ${this.id} was reset`));
    if (this.localClosed) return cb(new Error(`write on half-closed stream ${this.id}`));
    this.host.sendData(this, chunk, false).then(
      () => cb(),
      (err: Error) => cb(this.gone ? null : err),
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.gone || this.resetStatus !== undefined || this.localClosed) return cb();
    this.host.sendData(this, Buffer.alloc(0), true).then(
      () => {
        this.localClosed = true;
        this.host.settle(this);
        cb();
      },
      (err: Error) => cb(this.gone ? null : err),
    );
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.wake();
    this.host.settle(this);
    cb(err);
  }
}

/**
 * A SPDY/3.1 session over a byte stream (a TCP/TLS socket after an
 * `Upgrade: SPDY/3.1`, or a WebSocket tunnel): stream creation and
 * acceptance, DATA with per-stream and session flow-control windows, PING,
 * SETTINGS, GOAWAY and graceful shutdown. Symmetric: `role` only decides
 * stream-id and ping-id parity.
 *
 * Flow control and interop: SPDY/3.1 peers must respect windows, but the Go
 * implementation kubectl and the kubelet use (moby/spdystream) neither sends
 * WINDOW_UPDATE nor enforces windows. With `peerFlowControl: 'auto'`
 * (default) this session therefore only holds DATA back for the peer's
 * windows once the peer has shown it speaks flow control (it sent SETTINGS or
 * WINDOW_UPDATE), and only then grants its own window back as data is
 * consumed (announcing its SETTINGS then if it had not, so two such sessions
 * both grant); it pauses the transport when a reader falls far behind, so a
 * peer that ignores windows is slowed by TCP instead of growing memory.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { realClock, type Clock } from '../../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../../lib/log.js';
import {
  Flag,
  FrameReader,
  GoAwayStatus,
  RstStatus,
  SettingsId,
  SpdyProtocolError,
  decodeHeaderBlock,
  encodeData,
  encodeGoAway,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  type HeaderBlock,
  type SpdyFrame,
} from './frames.js';
import { watchIdle, type IdleWatch } from '../idle-watch.js';
import { FrameWriter } from './frame-writer.js';
import { HeaderCodec } from './header-codec.js';
import { SpdyStream, type StreamHost } from './stream.js';
import { DEFAULT_WINDOW, FlowControl, type PeerFlowControl } from './flow-control.js';

export interface SpdySessionOptions {
  role: 'server' | 'client';
  /** Receive window granted per stream; announced in an initial SETTINGS when `announceSettings`. */
  initialWindowSize?: number;
  /** Send SETTINGS (initial window) first thing; default true for clients, false for servers (spdystream sends none). */
  announceSettings?: boolean;
  /** Honour the peer's windows: 'auto' (default, see file comment), always, or never. */
  peerFlowControl?: PeerFlowControl;
  /** Largest DATA frame sent; default 32 KiB. */
  maxDataFrame?: number;
  /** Buffered unread bytes per stream above which the transport is paused; default 1 MiB. */
  maxStreamBuffer?: number;
  /** Concurrent peer-opened streams; more are refused with RST_STREAM REFUSED_STREAM. Default 1000. */
  maxConcurrentStreams?: number;
  /** How long `close()` waits for open streams, then for the transport, before dropping it; default 10 s. */
  closeTimeoutMs?: number;
  /** Close the session after this long without frames in either direction; 0 (default) never. */
  idleTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface SpdySessionEvents {
  /** The peer opened a stream; call `reply()` to accept it or `reset()` to refuse. */
  stream: [stream: SpdyStream];
  /** The peer sent GOAWAY; no new streams will be accepted. */
  goaway: [lastGoodStreamId: number, status: number];
  /** The transport is gone; `error` is set for protocol or transport failures. */
  close: [error?: Error];
}

export class SpdySession extends EventEmitter<SpdySessionEvents> implements StreamHost {
  readonly role: 'server' | 'client';
  private readonly reader = new FrameReader();
  private readonly codec = new HeaderCodec();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly pings = new Map<number, () => void>();
  private readonly throttled = new Set<SpdyStream>();
  private readonly opts: Required<Omit<SpdySessionOptions, 'clock' | 'logger' | 'announceSettings'>>;
  private readonly clock: Clock;
  private readonly log: Logger;

  private nextStreamId: number;
  private nextPingId: number;
  private lastPeerStreamId = 0;
  private readonly flow: FlowControl;
  private goneAway = false;
  private sentGoAway = false;
  private closed = false;
  /** Our SETTINGS went out. */
  private announced = false;
  /** Set once the session is being torn down: streams then go without RST_STREAM frames. */
  private tearingDown = false;
  private failure: Error | undefined;
  private readonly out: FrameWriter;
  private readonly idle: IdleWatch;
  private inbound: SpdyFrame[] = [];
  private draining = false;
  /** Waiting for the inbound frames read so far to be handled. */
  private drainWaiters: (() => void)[] = [];
  private readonly sessionWaiters = new Set<() => void>();
  private readonly closedPromise: Promise<Error | undefined>;
  private resolveClosed!: (err?: Error) => void;

  constructor(
    private readonly transport: Duplex,
    head: Buffer | undefined,
    options: SpdySessionOptions,
  ) {
    super();
    this.role = options.role;
    this.clock = options.clock ?? realClock;
    this.log = options.logger ?? nullLogger;
    this.opts = {
      role: options.role,
      initialWindowSize: options.initialWindowSize ?? DEFAULT_WINDOW,
      peerFlowControl: options.peerFlowControl ?? 'auto',
      maxDataFrame: options.maxDataFrame ?? 32 * 1024,
      maxStreamBuffer: options.maxStreamBuffer ?? 1024 * 1024,
      maxConcurrentStreams: options.maxConcurrentStreams ?? 1000,
      closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 0,
    };
    this.nextStreamId = this.role === 'client' ? 1 : 2;
    this.nextPingId = this.role === 'client' ? 1 : 2;
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));

    const t = transport as Duplex & { setNoDelay?: (v: boolean) => void };
    t.setNoDelay?.(true);
    transport.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.on('end', () => this.onTransportEnd());
    transport.on('error', (err: Error) => (this.failure ??= err));
    transport.on('close', () => this.onTransportClose());
    transport.on('drain', () => this.wakeAll());
    this.idle = watchIdle(this.clock, this.opts.idleTimeoutMs, () => {
      this.log.debug('spdy session idle; closing');
      this.destroy();
    });
    this.out = new FrameWriter(
      transport,
      (err) => this.destroy(err),
      () => this.idle.touch(),
    );

    this.flow = new FlowControl(this.opts.peerFlowControl, this.opts.initialWindowSize, (f) => this.out.enqueue(f));
    if (options.announceSettings ?? this.role === 'client') this.announceSettings();
    if (head && head.length > 0) process.nextTick(() => this.onBytes(head));
  }

  private announceSettings(): void {
    if (this.announced) return;
    this.announced = true;
    this.out.enqueue(encodeSettings([{ id: SettingsId.initialWindowSize, value: this.opts.initialWindowSize }]));
  }

  /** The peer speaks flow control: from now on so do we, and we say so if we have not yet. */
  private onPeerFlowControl(): void {
    if (this.flow.peerSpeaksFlowControl(this.streams.values())) this.announceSettings();
    this.wakeAll();
  }

  /** Whether the transport is gone. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Number of streams not yet fully closed. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Resolves (with the failure, if any) when the transport is gone. */
  whenClosed(): Promise<Error | undefined> {
    return this.closedPromise;
  }

  /** Opens a stream and resolves once the peer accepts it (SYN_REPLY); rejects if it is reset. */
  openStream(headers: Record<string, string | string[]>, opts: { fin?: boolean } = {}): Promise<SpdyStream> {
    if (this.closed || this.goneAway || this.sentGoAway) return Promise.reject(new Error('spdy session is closing'));
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(
      this,
      id,
      new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v].flat()])),
      true,
      this.flow.peerInitialWindow,
    );
    this.streams.set(id, stream);
    if (opts.fin) stream.localClosed = true;
    const block = encodeHeaderBlock(headers);
    this.out.enqueue(async () => encodeSynStream(id, await this.codec.compress(block), { fin: opts.fin }));
    return new Promise((resolve, reject) => {
      const onReply = () => {
        stream.off('reset', onReset);
        stream.off('close', onClose);
        resolve(stream);
      };
      const onReset = (status: number) => {
        stream.off('replied', onReply);
        reject(new Error(`stream ${id} was reset by the peer (status ${status})`));
      };
      const onClose = () => {
        stream.off('replied', onReply);
        reject(new Error(`stream ${id} closed before it was accepted`));
      };
      stream.once('replied', onReply);
      stream.once('reset', onReset);
      stream.once('close', onClose);
    });
  }

  /** Round-trip time of a PING, in milliseconds. */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(new Error('spdy session is closed'));
    const id = this.nextPingId;
    this.nextPingId += 2;
    if (this.nextPingId > 0x7fffffff) this.nextPingId = this.role === 'client' ? 1 : 2;
    const start = this.clock.monotonic();
    return new Promise((resolve, reject) => {
      this.pings.set(id, () => resolve(this.clock.monotonic() - start));
      void this.closedPromise.then(() => {
        if (this.pings.delete(id)) reject(new Error('spdy session closed'));
      });
      this.out.enqueue(encodePing(id));
    });
  }

  /** Sends GOAWAY: the peer may finish open streams but open no new ones. */
  goAway(status: number = GoAwayStatus.ok): void {
    if (this.sentGoAway || this.closed) return;
    this.sentGoAway = true;
    this.out.enqueue(encodeGoAway(this.lastPeerStreamId, status));
  }

  /**
   * Graceful shutdown: GOAWAY, wait (bounded) for open streams to finish, end
   * the transport, wait (bounded) for the peer to close it.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.goAway();
    await this.waitUntil(() => this.streams.size === 0 || this.closed, this.opts.closeTimeoutMs);
    if (this.closed) return;
    await this.out.flushed();
    this.transport.end();
    const timer = this.clock.setTimeout(() => this.transport.destroy(), this.opts.closeTimeoutMs);
    await this.closedPromise;
    timer.cancel();
  }

  /** Drops the transport and every stream now. */
  destroy(err?: Error): void {
    if (err) this.failure ??= err;
    this.tearingDown = true;
    for (const s of this.streams.values()) s.destroy();
    this.transport.destroy();
  }

  // ---- StreamHost -------------------------------------------------------

  async sendData(stream: SpdyStream, data: Buffer, fin: boolean): Promise<void> {
    if (!stream.local && !stream.replied) stream.reply();
    let off = 0;
    do {
      if (this.closed) throw new Error('spdy session is closed');
      if (stream.resetStatus !== undefined) throw new Error(`stream ${stream.id} was reset`);
      const want = Math.min(this.opts.maxDataFrame, data.length - off);
      const n = this.flow.take(stream, want);
      if (n === 0 && want > 0) {
        await this.waitForWindow(stream);
        continue;
      }
      const last = off + n >= data.length;
      this.out.enqueue(encodeData(stream.id, data.subarray(off, off + n), fin && last));
      off += n;
    } while (off < data.length);
    if (this.out.backedUp) await this.out.flushed();
  }

  sendReply(stream: SpdyStream, headers: Record<string, string | string[]>, fin: boolean): void {
    const block = encodeHeaderBlock(headers);
    this.out.enqueue(async () => encodeSynReply(stream.id, await this.codec.compress(block), fin));
  }

  sendReset(stream: SpdyStream, status: number): void {
    this.out.enqueue(encodeRstStream(stream.id, status));
  }

  consumed(stream: SpdyStream, bytes: number): void {
    if (this.closed) return;
    this.flow.consumed(stream, bytes);
    if (this.throttled.has(stream) && stream.readableLength < this.opts.maxStreamBuffer) {
      this.throttled.delete(stream);
      if (this.throttled.size === 0) this.transport.resume();
    }
  }

  settle(stream: SpdyStream): void {
    const done = stream.destroyed || stream.resetStatus !== undefined || (stream.localClosed && stream.remoteClosed);
    if (!done || this.streams.get(stream.id) !== stream) return;
    if (
      !this.tearingDown &&
      stream.destroyed &&
      stream.resetStatus === undefined &&
      !(stream.localClosed && stream.remoteClosed)
    ) {
      // Destroyed by its user before both halves closed: tell the peer.
      stream.resetStatus = RstStatus.cancel;
      stream.resetLocally = true;
      this.sendReset(stream, RstStatus.cancel);
    }
    this.streams.delete(stream.id);
    if (this.throttled.delete(stream) && this.throttled.size === 0) this.transport.resume();
    this.wakeAll();
    if (this.goneAway && this.streams.size === 0) void this.close();
  }

  // ---- waiting ------------------------------------------------------------

  private waitForWindow(stream: SpdyStream): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.sessionWaiters.delete(done);
        resolve();
      };
      this.sessionWaiters.add(done);
      void stream.waitForWindow().then(done);
    });
  }

  private wakeAll(): void {
    for (const w of [...this.sessionWaiters]) w();
    for (const s of this.streams.values()) s.wake();
  }

  private waitUntil(cond: () => boolean, ms: number): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(finish, ms);
      const check = () => {
        this.sessionWaiters.delete(check);
        if (cond()) finish();
        else this.sessionWaiters.add(check);
      };
      function finish() {
        timer.cancel();
        resolve();
      }
      this.sessionWaiters.add(check);
    });
  }

  // ---- input --------------------------------------------------------------

  private onBytes(chunk: Buffer): void {
    if (this.closed || this.tearingDown) return;
    this.idle.touch();
    try {
      this.inbound.push(...this.reader.push(chunk));
    } catch (err) {
      return this.protocolError(err);
    }
    void this.drainInbound();
  }

  /** Frames are handled strictly in order; header blocks are decompressed on the way. */
  private async drainInbound(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      // Frames read before the transport closed are still handled: a peer's last output, its
      // status and its resets often arrive together with its close, behind an async header frame.
      while (this.inbound.length > 0 && !this.tearingDown) {
        const f = this.inbound.shift()!;
        if (f.type === 'synStream' || f.type === 'synReply' || f.type === 'headers') {
          const headers = decodeHeaderBlock(await this.codec.decompress(f.block));
          this.onHeaderFrame(f, headers);
        } else {
          this.onFrame(f);
        }
      }
    } catch (err) {
      this.protocolError(err);
    } finally {
      this.draining = false;
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  /** Resolves once every frame read so far has been handled (or dropped by a teardown). */
  private inboundDrained(): Promise<void> {
    if (!this.draining && this.inbound.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private protocolError(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.log.debug('spdy protocol error', { err: e });
    this.failure ??= e instanceof SpdyProtocolError ? e : new SpdyProtocolError(e.message);
    if (this.tearingDown) return;
    this.tearingDown = true;
    // Tell the peer why (GOAWAY), let that frame out, then drop the connection.
    this.goAway(GoAwayStatus.protocolError);
    for (const s of this.streams.values()) s.destroy();
    this.inbound = [];
    const timer = this.clock.setTimeout(() => this.transport.destroy(), 1000);
    void this.out.flushed().then(() => this.transport.end());
    void this.closedPromise.then(() => timer.cancel());
  }

  private onHeaderFrame(
    f: Extract<SpdyFrame, { type: 'synStream' | 'synReply' | 'headers' }>,
    headers: HeaderBlock,
  ): void {
    if (f.type === 'synStream') return this.onSynStream(f, headers);
    const stream = this.streams.get(f.streamId);
    if (!stream) return;
    if (f.type === 'synReply') {
      if (!stream.local || stream.replied) return;
      stream.replied = true;
      for (const [k, v] of headers) stream.headers.set(k, v);
      stream.emit('replied', headers);
    } else {
      for (const [k, v] of headers) stream.headers.set(k, [...(stream.headers.get(k) ?? []), ...v]);
      stream.emit('headers', headers);
    }
    if (f.flags & Flag.fin) stream.onRemoteFin();
  }

  private onSynStream(f: Extract<SpdyFrame, { type: 'synStream' }>, headers: HeaderBlock): void {
    const peerParity = this.role === 'server' ? 1 : 0;
    if (f.streamId % 2 !== peerParity || f.streamId <= this.lastPeerStreamId) {
      this.out.enqueue(encodeRstStream(f.streamId, RstStatus.protocolError));
      return;
    }
    this.lastPeerStreamId = f.streamId;
    if (this.sentGoAway || this.goneAway || this.streams.size >= this.opts.maxConcurrentStreams) {
      this.out.enqueue(encodeRstStream(f.streamId, RstStatus.refusedStream));
      return;
    }
    const stream = new SpdyStream(this, f.streamId, headers, false, this.flow.peerInitialWindow);
    this.streams.set(f.streamId, stream);
    if (f.flags & Flag.unidirectional) {
      stream.localClosed = true;
      stream.replied = true;
    }
    if (f.flags & Flag.fin) stream.onRemoteFin();
    this.emit('stream', stream);
  }

  private onFrame(f: Exclude<SpdyFrame, { type: 'synStream' | 'synReply' | 'headers' }>): void {
    switch (f.type) {
      case 'data': {
        const stream = this.streams.get(f.streamId);
        if (!stream) {
          this.flow.consumed(undefined, f.data.length);
          return;
        }
        if (f.data.length > 0 && !stream.onData(f.data)) {
          if (stream.readableLength >= this.opts.maxStreamBuffer && !this.throttled.has(stream)) {
            this.throttled.add(stream);
            this.transport.pause();
          }
        }
        if (f.flags & Flag.fin) stream.onRemoteFin();
        return;
      }
      case 'rstStream':
        this.streams.get(f.streamId)?.onReset(f.status);
        return;
      case 'settings':
        for (const e of f.entries) {
          if (e.id === SettingsId.initialWindowSize) this.flow.onInitialWindow(e.value, this.streams.values());
        }
        this.onPeerFlowControl();
        return;
      case 'windowUpdate':
        this.flow.onWindowUpdate(f.streamId === 0 ? 'session' : this.streams.get(f.streamId), f.delta);
        this.onPeerFlowControl();
        return;
      case 'ping':
        // Our pings come back with our parity; the peer's are echoed.
        if (f.id % 2 === this.nextPingId % 2) {
          const done = this.pings.get(f.id);
          this.pings.delete(f.id);
          done?.();
        } else {
          this.out.enqueue(encodePing(f.id));
        }
        return;
      case 'goAway':
        this.goneAway = true;
        this.emit('goaway', f.lastGoodStreamId, f.status);
        // Streams we opened that the peer never saw are gone.
        for (const s of this.streams.values())
          if (s.local && s.id > f.lastGoodStreamId && !s.replied) s.onReset(RstStatus.refusedStream);
        if (this.streams.size === 0) void this.close();
        return;
      case 'unknown':
        return;
    }
  }

  private onTransportEnd(): void {
    void this.inboundDrained().then(() => {
      // The peer sends nothing more: streams it left open will never finish.
      for (const s of this.streams.values()) s.onRemoteFin();
      if (this.transport.writable) void this.out.flushed().then(() => this.transport.end());
    });
  }

  private onTransportClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.idle.cancel();
    this.wakeAll();
    void this.inboundDrained().then(() => {
      this.codec.close();
      // What already arrived stays readable (see stream.ts); the streams go once read out.
      for (const s of this.streams.values()) s.onGone();
      this.streams.clear();
      this.wakeAll();
      this.resolveClosed(this.failure);
      this.emit('close', this.failure);
    });
  }
}

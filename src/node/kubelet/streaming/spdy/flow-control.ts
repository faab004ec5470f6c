/**
 * SPDY/3.1 flow-control bookkeeping for one session: the peer's windows we
 * send against (per stream, and the session window on stream 0), and the
 * WINDOW_UPDATEs we owe as our readers consume data. See session.ts for why
 * the peer's windows are only enforced once it has shown it speaks flow
 * control.
 *
 * Our window is granted back only to a peer that has shown it speaks flow
 * control (or with 'on'): spdystream ignores WINDOW_UPDATE, and its servers
 * close the connection right after the exit status, often with output still
 * queued in their socket. Any byte we send after that close makes their
 * kernel answer with a TCP reset and drop the queued output, so to such a
 * peer we stay silent, as kubectl is.
 */
import { encodeWindowUpdate } from './frames.js';
import type { SpdyStream } from './stream.js';

export const DEFAULT_WINDOW = 64 * 1024;
const MAX_WINDOW = 0x7fffffff;

export type PeerFlowControl = 'auto' | 'on' | 'off';

export class FlowControl {
  /** The send window new streams start with (the peer's SETTINGS_INITIAL_WINDOW_SIZE). */
  peerInitialWindow = DEFAULT_WINDOW;
  private sessionSendWindow = DEFAULT_WINDOW;
  private sessionUnacked = 0;
  private enforcing: boolean;
  /** The peer sent SETTINGS or WINDOW_UPDATE. */
  private peerShown = false;

  constructor(
    private readonly mode: PeerFlowControl,
    /** The receive window we grant per stream. */
    private readonly recvWindow: number,
    /** Sends a control frame (our WINDOW_UPDATEs). */
    private readonly send: (frame: Buffer) => void,
  ) {
    this.enforcing = mode === 'on';
  }

  /**
   * How many of `want` bytes may go out on `stream` now; they are charged to
   * the windows. 0 for a non-empty `want` means: wait for a WINDOW_UPDATE.
   */
  take(stream: SpdyStream, want: number): number {
    const n =
      this.enforcing && want > 0 ? Math.max(0, Math.min(want, stream.sendWindow, this.sessionSendWindow)) : want;
    stream.sendWindow -= n;
    this.sessionSendWindow -= n;
    return n;
  }

  /** Whether WINDOW_UPDATEs go out (see the file comment). */
  private get granting(): boolean {
    return this.mode === 'on' || this.peerShown;
  }

  /**
   * Our reader consumed `bytes` of `stream` (undefined: data for a stream
   * already gone, which still used session window). Half a window consumed is
   * granted back at once, for fewer and larger WINDOW_UPDATEs.
   */
  consumed(stream: SpdyStream | undefined, bytes: number): void {
    if (stream && !stream.remoteClosed && stream.resetStatus === undefined) {
      stream.recvUnacked += bytes;
      if (stream.recvUnacked >= this.recvWindow / 2) this.grantStream(stream);
    }
    this.sessionUnacked += bytes;
    if (this.sessionUnacked >= DEFAULT_WINDOW / 2) this.grantSession();
  }

  private grantStream(stream: SpdyStream): void {
    if (!this.granting || stream.recvUnacked === 0) return;
    this.send(encodeWindowUpdate(stream.id, stream.recvUnacked));
    stream.recvUnacked = 0;
  }

  private grantSession(): void {
    if (!this.granting || this.sessionUnacked === 0) return;
    this.send(encodeWindowUpdate(0, this.sessionUnacked));
    this.sessionUnacked = 0;
  }

  /** SETTINGS_INITIAL_WINDOW_SIZE from the peer: open streams' windows move by the difference (may go negative). */
  onInitialWindow(value: number, open: Iterable<SpdyStream>): void {
    const delta = value - this.peerInitialWindow;
    this.peerInitialWindow = value;
    for (const s of open) s.sendWindow += delta;
  }

  onWindowUpdate(stream: SpdyStream | 'session' | undefined, delta: number): void {
    if (stream === 'session') this.sessionSendWindow = Math.min(this.sessionSendWindow + delta, MAX_WINDOW);
    else if (stream) stream.sendWindow = Math.min(stream.sendWindow + delta, MAX_WINDOW);
  }

  /**
   * The peer sent SETTINGS or WINDOW_UPDATE: in 'auto' mode its windows are
   * honoured from now on, and what our readers consumed so far is granted.
   * Returns true the first time, when the session should announce its own
   * SETTINGS if it has not (so a peer like us, seeing none, grants us too).
   */
  peerSpeaksFlowControl(open: Iterable<SpdyStream>): boolean {
    if (this.mode === 'auto') this.enforcing = true;
    if (this.peerShown) return false;
    this.peerShown = true;
    for (const s of open) if (!s.remoteClosed && s.resetStatus === undefined) this.grantStream(s);
    this.grantSession();
    return true;
  }
}

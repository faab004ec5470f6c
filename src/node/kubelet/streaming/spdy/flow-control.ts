/**
 * SPDY/3.1 flow-control bookkeeping for one session: the peer's windows we
 * send against (per stream, and the session window on stream 0), and the
 * WINDOW_UPDATEs we owe as our readers consume data. See session.ts for why
 * the peer's windows are only enforced once it has shown it speaks flow
 * control.
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

  /**
   * Our reader consumed `bytes` of `stream` (undefined: data for a stream
   * already gone, which still used session window). Half a window consumed is
   * granted back at once, for fewer and larger WINDOW_UPDATEs.
   */
  consumed(stream: SpdyStream | undefined, bytes: number): void {
    if (stream && !stream.remoteClosed && stream.resetStatus === undefined) {
      stream.recvUnacked += bytes;
      if (stream.recvUnacked >= this.recvWindow / 2) {
        this.send(encodeWindowUpdate(stream.id, stream.recvUnacked));
        stream.recvUnacked = 0;
      }
    }
    this.sessionUnacked += bytes;
    if (this.sessionUnacked >= DEFAULT_WINDOW / 2) {
      this.send(encodeWindowUpdate(0, this.sessionUnacked));
      this.sessionUnacked = 0;
    }
  }

  /** SETTINGS_INITIAL_WINDOW_SIZE from the peer: open streams' windows move by the difference (may go negative). */
  onInitialWindow(value: number, open: Iterable<SpdyStream>): void {
    const delta = value - this.peerInitialWindow;
    this.peerInitialWindow = value;
    for (const s of open) s.sendWindow += delta;
    this.peerSpeaksFlowControl();
  }

  onWindowUpdate(stream: SpdyStream | 'session' | undefined, delta: number): void {
    if (stream === 'session') this.sessionSendWindow = Math.min(this.sessionSendWindow + delta, MAX_WINDOW);
    else if (stream) stream.sendWindow = Math.min(stream.sendWindow + delta, MAX_WINDOW);
    this.peerSpeaksFlowControl();
  }

  /** The peer sent SETTINGS: in 'auto' mode its windows are honoured from now on. */
  peerSpeaksFlowControl(): void {
    if (this.mode === 'auto') this.enforcing = true;
  }
}

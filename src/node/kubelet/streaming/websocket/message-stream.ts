/**
 * A byte-stream Duplex over a WebSocket, as client-go's TunnelingConnection
 * uses one for "SPDY over WebSockets" (KEP-4006): every write becomes one
 * binary message, received binary messages are concatenated into the read
 * side, and a text message is a protocol error ("invalid message type
 * received"). WebSockets have no half-close, so ending the write side runs
 * the close handshake; the peer's close frame ends the read side.
 */
import { Duplex } from 'node:stream';
import { CloseCode } from './frame.js';
import type { WebSocketConnection } from './connection.js';

export class WebSocketByteStream extends Duplex {
  constructor(private readonly conn: WebSocketConnection) {
    super({ allowHalfOpen: true });
    conn.on('message', (data, isBinary) => {
      if (!isBinary) {
        void conn.close(CloseCode.unsupportedData, 'invalid message type received');
        this.destroy(new Error('invalid message type received'));
        return;
      }
      if (!this.push(data)) conn.pause();
    });
    conn.on('closing', () => this.push(null));
    conn.on('close', (info) => {
      // Later writes fail in _write; unread data stays readable.
      this.push(null);
      if (info.error && !this.destroyed) this.destroy(info.error);
    });
  }

  override _read(): void {
    this.conn.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.conn.readyState !== 'open') return cb(new Error('websocket connection is closed'));
    if (this.conn.send(chunk, { binary: true })) return cb();
    const done = () => {
      this.conn.off('drain', done);
      this.conn.off('close', done);
      cb();
    };
    this.conn.on('drain', done);
    this.conn.on('close', done);
  }

  override _final(cb: (err?: Error | null) => void): void {
    void this.conn.close(CloseCode.normal);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.conn.readyState === 'open') void this.conn.close(err ? CloseCode.internalError : CloseCode.normal);
    cb(err);
  }
}

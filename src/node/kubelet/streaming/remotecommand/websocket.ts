/**
 * Exec/attach over WebSocket: the channel protocols of apimachinery wsstream.
 * Every message starts with a channel byte — 0 stdin, 1 stdout, 2 stderr,
 * 3 error (status), 4 resize — and the base64 variants use an ASCII digit and
 * base64 text instead. `v5.channel.k8s.io` (all kubectl ≥ 1.30 offers) adds
 * channel 255: `[255, n]` half-closes channel n, which is how the client says
 * stdin is finished. v4 reports a JSON Status on channel 3; the unversioned
 * protocols only a failure message.
 *
 * End of session (as the apiserver's stream translator does it): stop
 * reading input, write the status, send the close frame and wait for the
 * client to close, so the output still in flight is not cut off by a reset.
 */
import type { IncomingMessage } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { nullLogger } from '../../../../lib/log.js';
import { onAbort } from '../on-abort.js';
import { CloseCode } from '../websocket/frame.js';
import type { WebSocketConnection } from '../websocket/connection.js';
import { acceptWebSocket } from '../websocket/handshake.js';
import { ResizeDecoder, SizeQueue } from './resize.js';
import { channelWriter, runHandler } from './run-handler.js';
import { encodeStatus } from './status.js';
import type { RemoteCommandHandler, RemoteCommandOptions, ServeRemoteCommandOptions } from './types.js';

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export const StreamProtocolV5 = 'v5.channel.k8s.io';
export const StreamProtocolV4 = 'v4.channel.k8s.io';

/** WebSocket subprotocols served, v5 first; '' is a client that offers none (treated as channel.k8s.io). */
export const WEBSOCKET_REMOTE_COMMAND_PROTOCOLS: readonly string[] = [
  StreamProtocolV5,
  StreamProtocolV4,
  'v4.base64.channel.k8s.io',
  'channel.k8s.io',
  'base64.channel.k8s.io',
  '',
];

const whenWritable = (conn: WebSocketConnection) =>
  new Promise<void>((resolve) => {
    const done = () => {
      conn.off('drain', done);
      conn.off('close', done);
      resolve();
    };
    conn.on('drain', done);
    conn.on('close', done);
  });

export async function serveRemoteCommandOverWebSocket(
  socket: Duplex,
  head: Buffer | undefined,
  req: IncomingMessage,
  opts: RemoteCommandOptions,
  handler: RemoteCommandHandler,
  serveOpts: ServeRemoteCommandOptions = {},
): Promise<void> {
  const log = serveOpts.logger ?? nullLogger;
  const accepted = acceptWebSocket(socket, head, req, {
    protocols: WEBSOCKET_REMOTE_COMMAND_PROTOCOLS,
    closeTimeoutMs: serveOpts.closeTimeoutMs ?? 10_000,
    idleTimeoutMs: serveOpts.idleTimeoutMs ?? 4 * 3600_000,
    clock: serveOpts.clock,
    logger: log,
  });
  if (!accepted.ok) return;
  const conn = accepted.conn;
  const base64 = conn.protocol.includes('base64');
  const supportsClose = conn.protocol === StreamProtocolV5;

  const send = (channel: number, data: Buffer): boolean =>
    base64
      ? conn.send(String.fromCharCode(48 + channel) + data.toString('base64'))
      : conn.send(Buffer.concat([Buffer.from([channel]), data]));

  const abort = new AbortController();
  const stop = onAbort(serveOpts.signal, () => void conn.close(CloseCode.goingAway, 'server shutting down'));
  const sizes = new SizeQueue();
  const resize = new ResizeDecoder(sizes);
  const stdin = opts.stdin ? new Readable({ read: () => conn.resume() }) : undefined;
  let stdinOpen = stdin !== undefined;
  const endStdin = () => {
    if (stdinOpen && !stdin!.destroyed) stdin!.push(null);
    stdinOpen = false;
  };

  conn.on('message', (data) => {
    if (data.length === 0) return;
    if (supportsClose && data[0] === Channel.close) {
      if (data.length !== 2) {
        log.debug('malformed stream close signal', { bytes: data.length - 1 });
        void conn.close(CloseCode.protocolError, 'single channel byte should follow the close signal');
        return;
      }
      if (data[1] === Channel.stdin) endStdin();
      else if (data[1] === Channel.resize) sizes.end();
      return;
    }
    const channel = base64 ? data[0] - 48 : data[0];
    const payload = base64 ? Buffer.from(data.subarray(1).toString('latin1'), 'base64') : data.subarray(1);
    if (channel === Channel.stdin) {
      if (stdinOpen && !stdin!.destroyed && !stdin!.push(payload)) conn.pause();
    } else if (channel === Channel.resize) {
      resize.write(payload);
    }
  });
  conn.on('close', () => {
    endStdin();
    sizes.end();
    abort.abort(new Error('the client closed the connection'));
  });

  const writer = (channel: number) =>
    channelWriter(
      (chunk) => send(channel, chunk),
      () => conn.readyState === 'open',
      () => whenWritable(conn),
    );
  const stdout = opts.stdout ? writer(Channel.stdout) : undefined;
  const stderr = opts.stderr ? writer(Channel.stderr) : undefined;

  // An empty message on the lowest writable channel tells the client the session is up.
  send(opts.stdout ? Channel.stdout : opts.stderr ? Channel.stderr : Channel.error, Buffer.alloc(0));

  const status = await runHandler(handler, opts, { stdin, stdout, stderr, resize: sizes, signal: abort.signal }, log);
  endStdin();
  sizes.end();
  conn.resume(); // input is discarded from here on; the close handshake must get through
  const bytes = encodeStatus(status, conn.protocol || 'channel.k8s.io');
  if (bytes) send(Channel.error, bytes);
  await conn.close(CloseCode.normal);
  stop();
}

/**
 * Exec/attach over SPDY/3.1 (the fallback kubectl takes when the WebSocket
 * upgrade is refused, or with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false). After
 * the `X-Stream-Protocol-Version` negotiation and the 101, the client opens
 * one stream per stdio channel, named by its `streamType` header — error,
 * stdin, stdout, stderr and (v3+, with a TTY) resize — and the session starts
 * once every expected stream has been accepted (kubelet `waitForStreams`).
 * The command's end is told by FIN on stdout/stderr, the status on the error
 * stream (JSON from v4, text before) followed by FIN, then GOAWAY.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Duplex, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { realClock } from '../../../../lib/clock.js';
import { nullLogger } from '../../../../lib/log.js';
import { onAbort } from '../on-abort.js';
import { SpdySession } from '../spdy/session.js';
import { upgradeToSpdy } from '../spdy/upgrade.js';
import type { SpdyStream } from '../spdy/stream.js';
import { ResizeDecoder, SizeQueue } from './resize.js';
import { channelWriter, runHandler } from './run-handler.js';
import { encodeStatus } from './status.js';
import type { RemoteCommandHandler, RemoteCommandOptions, ServeRemoteCommandOptions } from './types.js';

/** What the kubelet negotiates over SPDY (v5 only adds a WebSocket signal; over SPDY it is v4). */
export const SPDY_REMOTE_COMMAND_PROTOCOLS: readonly string[] = [
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';
const streamTypes: readonly string[] = ['error', 'stdin', 'stdout', 'stderr', 'resize'];

const closedOrDrained = (s: SpdyStream) =>
  new Promise<void>((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });

export async function serveRemoteCommandOverSpdy(
  socket: Duplex,
  head: Buffer | undefined,
  req: IncomingMessage,
  opts: RemoteCommandOptions,
  handler: RemoteCommandHandler,
  serveOpts: ServeRemoteCommandOptions = {},
): Promise<void> {
  const log = serveOpts.logger ?? nullLogger;
  const clock = serveOpts.clock ?? realClock;
  const protocol = upgradeToSpdy(socket, req, SPDY_REMOTE_COMMAND_PROTOCOLS);
  if (protocol === undefined) return;
  const session = new SpdySession(socket, head, {
    role: 'server',
    idleTimeoutMs: serveOpts.idleTimeoutMs ?? 4 * 3600_000,
    closeTimeoutMs: serveOpts.closeTimeoutMs ?? 10_000,
    clock,
    logger: log,
  });

  const stop = onAbort(serveOpts.signal, () => session.destroy());
  void session.whenClosed().then(stop);
  const resizing = !['v2.channel.k8s.io', 'channel.k8s.io'].includes(protocol);
  const expected = 1 + Number(opts.stdin) + Number(opts.stdout) + Number(opts.stderr) + Number(opts.tty && resizing);
  const streams: Partial<Record<StreamType, SpdyStream>> = {};
  const ready = await new Promise<boolean>((resolve) => {
    let received = 0;
    const timer = clock.setTimeout(() => {
      log.debug('timed out waiting for client to create streams');
      resolve(false);
    }, serveOpts.streamCreationTimeoutMs ?? 30_000);
    session.on('stream', (s) => {
      s.reply();
      const type = s.header('streamtype') ?? '';
      if (!streamTypes.includes(type)) {
        log.debug('unexpected stream type', { type });
        return;
      }
      streams[type as StreamType] = s;
      if (++received === expected) {
        timer.cancel();
        resolve(true);
      }
    });
    void session.whenClosed().then(() => {
      timer.cancel();
      resolve(false);
    });
  });
  if (!ready || !streams.error) {
    session.destroy();
    await session.whenClosed();
    return;
  }

  const abort = new AbortController();
  void session.whenClosed().then(() => abort.abort(new Error('the client closed the connection')));

  let stdin: PassThrough | undefined;
  if (opts.stdin && streams.stdin) {
    const pt = new PassThrough();
    streams.stdin.pipe(pt);
    streams.stdin.once('close', () => pt.end());
    stdin = pt;
  }
  const sizes = new SizeQueue();
  if (streams.resize) {
    const decoder = new ResizeDecoder(sizes);
    streams.resize.on('data', (d: Buffer) => decoder.write(d));
    streams.resize.once('end', () => sizes.end());
    streams.resize.once('close', () => sizes.end());
  }
  void session.whenClosed().then(() => sizes.end());

  const writer = (s: SpdyStream | undefined): Writable | undefined =>
    s &&
    channelWriter(
      (chunk) => s.write(chunk),
      () => !s.destroyed && !s.writableEnded,
      () => closedOrDrained(s),
    );

  const status = await runHandler(
    handler,
    opts,
    { stdin, stdout: writer(streams.stdout), stderr: writer(streams.stderr), resize: sizes, signal: abort.signal },
    log,
  );
  sizes.end();
  const bytes = encodeStatus(status, protocol);
  if (bytes && !streams.error.destroyed) streams.error.write(bytes);
  // FIN every stream we can still write on, then wait until those FINs are queued.
  const open = Object.values(streams).filter((s) => !s.destroyed && !s.writableEnded);
  for (const s of open) s.end();
  await Promise.all(open.map((s) => finished(s, { readable: false }).catch(() => {})));
  for (const s of Object.values(streams)) s.resume(); // unread input must not hold the session open
  await session.close();
}

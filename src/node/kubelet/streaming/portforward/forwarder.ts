/**
 * The port-forward stream protocol on an established SPDY session (kubelet
 * `portforward/httpstream.go`). For each local connection the client opens
 * two streams with `streamType: error|data`, `port` and `requestID`; once
 * both of a request have arrived the data stream is joined to a connection
 * to the pod's port. A failure is written as text on the error stream (the
 * client then stops forwarding); either way both streams are closed with FIN
 * when the pod side is done.
 */
import type { Duplex } from 'node:stream';
import { realClock, type Clock, type Timer } from '../../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../../lib/log.js';
import { onAbort } from '../on-abort.js';
import { RstStatus } from '../spdy/frames.js';
import type { SpdySession } from '../spdy/session.js';
import type { SpdyStream } from '../spdy/stream.js';

/** Connects to `port` inside the pod; the returned Duplex carries the TCP payload. */
export type PortConnector = (port: number, signal: AbortSignal) => Promise<Duplex>;

export interface PortForwardOptions {
  /** Used in error messages, as the kubelet does ("... to pod <name>, uid <uid>: ..."). */
  podName?: string;
  uid?: string;
  /** How long a request may wait for its second stream; default 30 s. */
  streamCreationTimeoutMs?: number;
  /** Ends the session and every forwarded connection: for shutting the server down. */
  signal?: AbortSignal;
  clock?: Clock;
  logger?: Logger;
}

interface Pair {
  requestID: string;
  data?: SpdyStream;
  error?: SpdyStream;
  timer: Timer;
}

/** Why a stream is refused (answered with RST_STREAM), or undefined when its headers are valid. */
export function validateStreamHeaders(s: Pick<SpdyStream, 'header'>): string | undefined {
  const port = s.header('port');
  if (!port) return '"port" header is required';
  if (!/^\d+$/.test(port) || Number(port) > 65535) return `unable to parse "${port}" as a port`;
  if (Number(port) < 1) return `port "${port}" must be > 0`;
  const type = s.header('streamtype');
  if (!type) return '"streamType" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
  return undefined;
}

/**
 * Serves port-forward requests on `session` until it closes. Resolves when
 * the session is gone and every forwarded connection has been torn down.
 */
export async function forwardPorts(
  session: SpdySession,
  connect: PortConnector,
  opts: PortForwardOptions = {},
): Promise<void> {
  const clock = opts.clock ?? realClock;
  const log = opts.logger ?? nullLogger;
  const pairs = new Map<string, Pair>();
  const active = new Set<Promise<void>>();
  const abort = new AbortController();
  const stop = onAbort(opts.signal, () => session.destroy());

  const requestIdOf = (s: SpdyStream): string => {
    const id = s.header('requestid');
    if (id) return id;
    // Clients before request ids: error and data streams are consecutive odd ids.
    return String(s.header('streamtype') === 'error' ? s.id : s.id - 2);
  };

  session.on('stream', (s) => {
    const invalid = validateStreamHeaders(s);
    if (invalid) {
      log.debug('port-forward stream rejected', { reason: invalid });
      s.reset(RstStatus.cancel);
      return;
    }
    s.reply();
    const requestID = requestIdOf(s);
    let pair = pairs.get(requestID);
    if (!pair) {
      const p: Pair = {
        requestID,
        timer: clock.setTimeout(() => {
          pairs.delete(requestID);
          log.debug('timed out waiting for port-forward streams', { requestID });
          if (p.error && !p.error.destroyed) p.error.end(`timed out waiting for streams`);
          p.data?.reset();
        }, opts.streamCreationTimeoutMs ?? 30_000),
      };
      pair = p;
      pairs.set(requestID, pair);
    }
    const kind = s.header('streamtype') as 'error' | 'data';
    if (pair[kind]) {
      const msg = `error processing stream for request ${requestID}: ${kind} stream already assigned`;
      log.debug(msg);
      if (pair.error && !pair.error.destroyed) pair.error.write(msg);
      s.reset();
      return;
    }
    pair[kind] = s;
    if (pair.data && pair.error) {
      pair.timer.cancel();
      pairs.delete(requestID);
      const work = forwardOne(pair.data, pair.error, connect, abort.signal, opts, log);
      active.add(work);
      void work.finally(() => active.delete(work));
    }
  });

  await session.whenClosed();
  stop();
  abort.abort(new Error('port-forward session closed'));
  for (const p of pairs.values()) p.timer.cancel();
  await Promise.all([...active]);
}

/** Joins one data stream to a pod connection; reports a failure on the error stream. */
async function forwardOne(
  data: SpdyStream,
  error: SpdyStream,
  connect: PortConnector,
  signal: AbortSignal,
  opts: PortForwardOptions,
  log: Logger,
): Promise<void> {
  const port = Number(data.header('port'));
  const fail = (err: unknown) => {
    const msg = `error forwarding port ${port} to pod ${opts.podName ?? ''}, uid ${opts.uid ?? ''}: ${
      err instanceof Error ? err.message : String(err)
    }`;
    log.debug('port-forward failed', { err: msg });
    if (!error.destroyed && !error.writableEnded) error.write(msg);
  };
  let target: Duplex;
  try {
    target = await connect(port, signal);
  } catch (err) {
    fail(err);
    finish(data, error);
    return;
  }
  await new Promise<void>((resolve) => {
    let failed = false;
    // Client -> pod; the client's FIN half-closes the pod connection.
    data.pipe(target, { end: true });
    // Pod -> client; the pod's EOF becomes our FIN on the data stream.
    target.pipe(data, { end: true });
    target.on('error', (err) => {
      if (!failed) fail(err);
      failed = true;
    });
    // A reset from the client (it stopped listening) tears the pod connection down.
    data.once('close', () => {
      if (data.resetStatus !== undefined) target.destroy();
    });
    const onAbort = () => target.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    target.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
  finish(data, error);
}

function finish(data: SpdyStream, error: SpdyStream): void {
  for (const s of [data, error]) {
    if (!s.destroyed && !s.writableEnded) s.end();
    s.resume();
  }
}

/**
 * exec and attach against the container runtime: the client's session is
 * served by the streaming library (WebSocket v5 or SPDY); this handler asks
 * the runtime for a streaming URL (CRI `Exec`/`Attach`) and bridges the
 * client's stdio, terminal resizes and the final status to the runtime's
 * streaming server over SPDY — the upstream kubelet proxies the connection
 * instead, but then the client must speak what the runtime speaks, and
 * containerd's server predates the WebSocket v5 protocol kubectl prefers.
 *
 * The runtime's status becomes the handler's result: an exit code for
 * NonZeroExitCode, a StatusError (reason and message kept) for other
 * failures.
 */
import type { Writable } from 'node:stream';
import { StatusError, type StatusReason } from '../../../../api/errors/status-error.js';
import { nullLogger, type Logger } from '../../../../lib/log.js';
import type { ContainerRuntime } from '../../../runtime/index.js';
import { connectSpdy } from '../../streaming/index.js';
import type { RemoteCommandHandler, RemoteCommandStreams } from '../../streaming/index.js';
import type { SpdyStream } from '../../streaming/spdy/stream.js';

/** The remote-command protocols offered to the runtime's streaming server, newest first. */
const runtimeProtocols = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];
const exitCodePrefix = 'command terminated with non-zero exit code: ';

interface RuntimeStatus {
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** Copies a runtime stream to the client's writable; resolves when the runtime side ended or went away. */
function copyOut(from: SpdyStream, to: Writable | undefined): Promise<void> {
  return new Promise((resolve) => {
    from.on('data', (chunk: Buffer) => {
      if (to && !to.destroyed && !to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.once('end', () => resolve());
    from.once('close', () => resolve());
  });
}

/**
 * Everything the runtime writes on a stream. Its server closes the whole
 * connection right after the status, so the stream may end by the session
 * going away rather than by FIN: both count as the end.
 */
function collect(from: SpdyStream): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    from.on('data', (c: Buffer) => chunks.push(c));
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    from.once('end', done);
    from.once('close', done);
  });
}

/** The handler's result (or throw) for what the runtime wrote on the error stream. */
export function resultFromRuntimeStatus(raw: string, protocol: string): { exitCode: number; message?: string } {
  const v4 = /^v[45]\./.test(protocol);
  if (!v4) {
    if (raw === '') return { exitCode: 0 };
    const m = /exit code (\d+)\s*$/.exec(raw);
    if (m) return { exitCode: Number(m[1]), message: raw.replace(exitCodePrefix, '') };
    throw new StatusError(500, 'InternalError', raw);
  }
  if (raw === '') return { exitCode: 0 };
  const st = JSON.parse(raw) as RuntimeStatus;
  if (st.status === 'Success') return { exitCode: 0 };
  const cause = st.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (st.reason === 'NonZeroExitCode' && cause) {
    const message = st.message?.startsWith(exitCodePrefix) ? st.message.slice(exitCodePrefix.length) : st.message;
    return { exitCode: Number(cause.message), message };
  }
  throw new StatusError(st.code || 500, (st.reason || 'InternalError') as StatusReason, st.message ?? raw, st.details);
}

async function bridge(url: string, s: RemoteCommandStreams, log: Logger) {
  const { session, protocol } = await connectSpdy(url, { protocols: runtimeProtocols, signal: s.signal });
  const stop = () => session.destroy();
  s.signal.addEventListener('abort', stop, { once: true });
  try {
    const open = (streamType: string) => session.openStream({ streamType });
    const error = await open('error');
    const stdin = s.stdin ? await open('stdin') : undefined;
    const stdout = s.stdout ? await open('stdout') : undefined;
    const stderr = s.stderr && !s.tty ? await open('stderr') : undefined;
    const resize =
      s.tty && !['v2.channel.k8s.io', 'channel.k8s.io'].includes(protocol) ? await open('resize') : undefined;
    // Nothing is expected from the runtime on these: keep them flowing so a FIN is noticed.
    stdin?.resume();
    resize?.resume();
    const outputs = Promise.all([
      stdout ? copyOut(stdout, s.stdout) : undefined,
      stderr ? copyOut(stderr, s.stderr) : undefined,
    ]);
    const status = collect(error);
    if (stdin && s.stdin) {
      s.stdin.on('data', (chunk: Buffer) => {
        if (!stdin.destroyed && !stdin.write(chunk)) {
          s.stdin!.pause();
          stdin.once('drain', () => s.stdin!.resume());
        }
      });
      s.stdin.once('end', () => {
        if (!stdin.destroyed && !stdin.writableEnded) stdin.end();
      });
    }
    if (resize) {
      void (async () => {
        for await (const size of s.resize) {
          if (resize.destroyed) break;
          resize.write(JSON.stringify({ Width: size.width, Height: size.height }));
        }
      })().catch((err: unknown) => log.debug('resize forwarding ended', { err: String(err) }));
    }
    const raw = await status;
    // The runtime sends output before the status; the copies end with their streams.
    await outputs;
    return resultFromRuntimeStatus(raw, protocol);
  } finally {
    s.signal.removeEventListener('abort', stop);
    session.destroy();
    await session.whenClosed();
  }
}

/** A RemoteCommandHandler running `streams.command` in (exec) or attaching to (attach) the container. */
export function criRemoteCommandHandler(
  runtime: ContainerRuntime,
  containerId: string,
  kind: 'exec' | 'attach',
  log: Logger = nullLogger,
): RemoteCommandHandler {
  return async (s) => {
    const req = { containerId, tty: s.tty, stdin: !!s.stdin, stdout: !!s.stdout, stderr: !!s.stderr && !s.tty };
    const url =
      kind === 'exec'
        ? await runtime.cri.exec({ ...req, cmd: s.command }, { signal: s.signal })
        : await runtime.cri.attach(req, { signal: s.signal });
    return bridge(url, s, log);
  };
}
